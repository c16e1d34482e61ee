"""The code systems of the FHIR packets receivers get and the Tasks they send back.

Part of the published language towards hospitals and centres, like the bus contracts.
"""

REFERRAL_SYSTEM = "urn:casetrail:referral"
CASE_SYSTEM = "urn:casetrail:case"
STUDENT_KEY_SYSTEM = "urn:casetrail:student-key"
SCHOOL_ID_SYSTEM = "urn:casetrail:school-student-id"
# A packet's Patient or guardian without an id of the school's own: one per referral.
PACKET_PERSON_SYSTEM = "urn:casetrail:packet-person"
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"  # R4: fulfill
RECEIVER_SYSTEM = "urn:casetrail:receiver"
RECEIVER_TYPE_SYSTEM = "urn:casetrail:receiver-type"  # a consent that reaches a whole type
SIGN_SYSTEM = "urn:casetrail:sign"
# The signs that SNOMED CT codes, beside the local code (6471006 Suicidal thoughts, 82313006
# Suicide attempt); ICD-10-CM where it codes a finding (R45.851 Suicidal ideations).
SNOMED_SYSTEM = "http://snomed.info/sct"
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SIGN_CODINGS = {
    "suicidal_ideation": [(SNOMED_SYSTEM, "6471006", "Suicidal thoughts"),
                          (ICD10CM_SYSTEM, "R45.851", "Suicidal ideations")],
    "suicide_attempt": [(SNOMED_SYSTEM, "82313006", "Suicide attempt")],
}
# By when the receiver is to answer the referral (R4's Task.restriction.period is when the
# fulfilment is sought, not an answer's deadline): a Task extension, valueDateTime.
ANSWER_BY_EXTENSION = "urn:casetrail:fhir:extension:answer-by"
TIER_SYSTEM = "urn:casetrail:tier"
CATEGORY_SYSTEM = "urn:casetrail:disclosure-category"
DECLINE_SYSTEM = "urn:casetrail:decline-reason"  # Task.statusReason of a rejected Task
BUSINESS_STATUS_SYSTEM = "urn:casetrail:referral-status"  # the answer: scheduled, admitted, …
# The kinds of a receiver's Task.output: discharge-summary, return-to-school-recommendations.
FEEDBACK_SYSTEM = "urn:casetrail:feedback"
# HL7 BSeR's business status of a referral Task (3.0 accepted, 5.1.1 scheduled, 7.0 completed…)
BSER_BUSINESS_STATUS_SYSTEM = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"

# The auditor's AuditEvent records (IHE BALP): who acted, for what purpose, on what basis.
ACTOR_SYSTEM = "urn:casetrail:actor"  # an opaque person or client id, never a name
ROLE_SYSTEM = "urn:casetrail:role"
SERVICE_SYSTEM = "urn:casetrail:service"  # the service that holds, or released, the record
PURPOSE_SYSTEM = "urn:casetrail:purpose"  # the purpose code logged with a read
BASIS_SYSTEM = "urn:casetrail:disclosure-basis"  # consent | safety_override
GUARDIAN_SYSTEM = "urn:casetrail:guardian-rank"  # the family is told by rank, never by name
CONSENT_SYSTEM = "urn:casetrail:consent"
NOTICE_SYSTEM = "urn:casetrail:notice"
SCHOOL_SYSTEM = "urn:casetrail:school"
AUTHORITY_SYSTEM = "urn:casetrail:authority"
