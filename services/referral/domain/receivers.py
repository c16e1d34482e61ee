"""What each kind of receiver may be told: minimum necessary (003 item 7; 001 一(五)2).

Codes of the categories disclosed; the packet itself is assembled from them by the adapter
that delivers it.
"""

from contracts.codes import ReceiverType

DISCLOSURE: dict[ReceiverType, list[str]] = {
    ReceiverType.HOSPITAL_GREEN_CHANNEL: [
        "student_identity", "guardian_contact", "risk_tier", "signs_observed",
        "assessment_summary"],
    ReceiverType.DISTRICT_GUIDANCE_CENTRE: [
        "student_pseudonym", "risk_tier", "signs_observed", "assessment_summary"],
    ReceiverType.POLICE: ["student_identity", "guardian_contact", "risk_tier"],
}
