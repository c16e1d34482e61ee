"""The code systems of the FHIR packets receivers get and the Tasks they send back.

Part of the published language towards hospitals and centres, like the bus contracts.
"""

REFERRAL_SYSTEM = "urn:casetrail:referral"
CASE_SYSTEM = "urn:casetrail:case"
STUDENT_KEY_SYSTEM = "urn:casetrail:student-key"
SCHOOL_ID_SYSTEM = "urn:casetrail:school-student-id"
RECEIVER_SYSTEM = "urn:casetrail:receiver"
RECEIVER_TYPE_SYSTEM = "urn:casetrail:receiver-type"  # a consent that reaches a whole type
SIGN_SYSTEM = "urn:casetrail:sign"
TIER_SYSTEM = "urn:casetrail:tier"
CATEGORY_SYSTEM = "urn:casetrail:disclosure-category"
DECLINE_SYSTEM = "urn:casetrail:decline-reason"  # Task.statusReason of a rejected Task
BUSINESS_STATUS_SYSTEM = "urn:casetrail:referral-status"  # scheduled | admitted, in-progress
