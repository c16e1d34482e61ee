"""The published language: codes that cross the bus instead of names or free text.

Pure values with no I/O, so a service's domain may use them too.
"""

from enum import IntEnum, StrEnum


class Tier(StrEnum):
    """Risk tiers of 001 三(三)2."""

    NONE = "none"
    GENERAL = "general"
    SERIOUS = "serious"
    CRISIS = "crisis"

    @property
    def rank(self) -> int:
        return _TIER_RANK[self]


_TIER_RANK = {Tier.NONE: 0, Tier.GENERAL: 1, Tier.SERIOUS: 2, Tier.CRISIS: 3}


class Channel(StrEnum):
    """How a concern reached the school (DOMAIN.md, Detected)."""

    STAFF_OBSERVATION = "staff_observation"
    HOTLINE = "hotline"
    ONLINE_PLATFORM = "online_platform"
    GUARDIAN = "guardian"
    PEER = "peer"
    SELF_REPORT = "self_report"
    HOME_VISIT = "home_visit"
    SCREENING = "screening"
    INCIDENT = "incident"


class Sign(StrEnum):
    """Signs the seeds name (000 items 6 and 8), plus the imminent-danger situations."""

    THOUGHT_CHANGE = "thought_change"
    GRADE_SWING = "grade_swing"
    FAMILY_CHANGE = "family_change"
    EMOTIONAL_ABNORMALITY = "emotional_abnormality"
    BEHAVIOURAL_ABNORMALITY = "behavioural_abnormality"
    SUICIDAL_IDEATION = "suicidal_ideation"
    SELF_HARM = "self_harm"
    HARM_TO_OTHERS = "harm_to_others"
    PROPERTY_DESTRUCTION = "property_destruction"
    SUICIDE_ATTEMPT = "suicide_attempt"
    WEAPON = "weapon"
    MISSING_AFTER_THREAT = "missing_after_threat"


class Role(StrEnum):
    """Who acts in a case (DOMAIN.md, Who uses it)."""

    CLASS_TEACHER = "class_teacher"
    SUBJECT_TEACHER = "subject_teacher"
    PSYCH_MONITOR = "psych_monitor"
    DORM_STAFF = "dorm_staff"
    GRADE_LEADER = "grade_leader"
    PSYCH_TEACHER = "psych_teacher"
    CRISIS_TEAM = "crisis_team"
    CRISIS_TEAM_HEAD = "crisis_team_head"
    PRINCIPAL = "principal"
    GUARDIAN = "guardian"
    PEER = "peer"
    STUDENT = "student"
    HOTLINE_OPERATOR = "hotline_operator"
    RECEIVER_LIAISON = "receiver_liaison"
    AUDITOR = "auditor"
    SYSTEM = "system"
    FACULTY_LEADER = "faculty_leader"
    EXTERNAL_PROFESSIONAL = "external_professional"
    DISTRICT_OFFICER = "district_officer"


class ReceiverType(StrEnum):
    HOSPITAL_GREEN_CHANNEL = "hospital_green_channel"
    DISTRICT_GUIDANCE_CENTRE = "district_guidance_centre"
    POLICE = "police"


class ReferralResponse(StrEnum):
    """A receiver's answers (the R4 Task workflow, services/referral/domain/answers.py).

    The first five cross the bus as `ReferralAnswered`; the others each as its own event
    (`ReferralReceived`, `ReferralNoShow`, `ReferralFailed`, `ReferralCancelled`)."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    ADMITTED = "admitted"
    DISCHARGED = "discharged"
    RECEIVED = "received"  # acknowledged, still to be accepted or declined
    NO_SHOW = "no_show"  # the student missed the appointment scheduled
    FAILED = "failed"  # the receiver could not carry it out after taking it
    CANCELLED = "cancelled"  # the receiver ended it before it was carried out


class GuardianRank(IntEnum):
    PRIMARY = 1
    SECONDARY = 2


class NoticeChannel(StrEnum):
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"


class DeliveryGuarantee(StrEnum):
    """What a gateway promises for a message resent after a crash mid-send: `once` (it, or a
    provider honouring the message id as Idempotency-Key, drops the copy), or
    `at_least_once` (the recipient may get it twice)."""

    ONCE = "once"
    AT_LEAST_ONCE = "at_least_once"


class FollowUpOutcome(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    WORSENING = "worsening"
    NOT_REACHED = "not_reached"


class ClosureReason(StrEnum):
    RESOLVED = "resolved"
    NO_FURTHER_ACTION = "no_further_action"
    TRANSFERRED = "transferred"
    LEFT_SCHOOL = "left_school"


class ReportLevel(StrEnum):
    """Where a staff report stands on its way up: class → grade → school (000 item 6;
    002 二(二)1); universities dorm → class → faculty → school (003 item 8; 004 item 6)."""

    DORM = "dorm"
    CLASS = "class"
    GRADE = "grade"
    FACULTY = "faculty"
    SCHOOL = "school"


class KeyConcern(StrEnum):
    """Groups to watch closely (重点关注; 000 item 3; 002 二(二)1; 003 item 8)."""

    LEFT_BEHIND = "left_behind"
    MIGRANT = "migrant"
    SINGLE_PARENT = "single_parent"
    DISABILITY_OR_ILLNESS = "disability_or_illness"
    BULLYING_VICTIM = "bullying_victim"
    BEREAVED = "bereaved"
    GRADUATING_CLASS = "graduating_class"
    POVERTY = "poverty"


class Instrument(StrEnum):
    """Screening and assessment instruments casetrail scores (as data, by their published rules)."""

    ASQ = "asq"
    CSSRS_SCREENER = "cssrs_screener"
    PHQ_A = "phq_a"
    PHQ_9 = "phq_9"


class IncidentKind(StrEnum):
    """Incidents on campus (突发事件, 000 item 10)."""

    SUICIDE_ATTEMPT = "suicide_attempt"
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    MISSING = "missing"
    DEATH = "death"
    OTHER = "other"


class CallOutcome(StrEnum):
    """A phone call to a guardian, as the person who made it recorded it."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    DECLINED_TO_TALK = "declined_to_talk"


class PlanMeasure(StrEnum):
    """Measures of a targeted intervention plan agreed with the guardians (001 三(三)2)."""

    COUNSELLING_SESSIONS = "counselling_sessions"
    DISTRICT_CENTRE_SESSIONS = "district_centre_sessions"
    GUARDIAN_SUPERVISION = "guardian_supervision"
    SAFETY_PLAN = "safety_plan"
    MEDICAL_ASSESSMENT = "medical_assessment"
    REDUCED_LOAD = "reduced_load"
    PEER_SUPPORT = "peer_support"


class DisclosureBasis(StrEnum):
    """Why information left the school: consent, or a serious safety risk (001 一(五)2)."""

    CONSENT = "consent"
    SAFETY_OVERRIDE = "safety_override"


class ConsentPurpose(StrEnum):
    """What the guardians agreed to (001 一(五)2: the use of results is strictly limited)."""

    REFERRAL = "referral"  # the student referred to the receivers, the scope's items disclosed


class GuardianRelationship(StrEnum):
    """How the guardian who gave a consent stands to the student: a code, never a name."""

    MOTHER = "mother"
    FATHER = "father"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other_relative"
    LEGAL_GUARDIAN = "legal_guardian"
    OTHER = "other"


class BreakGlassReason(StrEnum):
    """Why someone with no relation to a case opened it (a break-glass): stated, audited."""

    IMMINENT_DANGER = "imminent_danger"  # the student is in danger now
    RESPONSIBLE_UNREACHABLE = "responsible_unreachable"  # the assigned staff cannot be reached
    OUT_OF_HOURS = "out_of_hours"  # on duty at night or on a holiday
    LAWFUL_REQUEST = "lawful_request"  # police or court, in writing


class DeclineReason(StrEnum):
    NO_CAPACITY = "no_capacity"
    OUT_OF_AREA = "out_of_area"
    NOT_INDICATED = "not_indicated"
    GUARDIAN_REFUSED = "guardian_refused"
    OTHER = "other"


class StudySupport(StrEnum):
    """Study support in a return-to-school plan (复学; 003 item 14)."""

    REDUCED_TIMETABLE = "reduced_timetable"
    EXAM_DEFERRAL = "exam_deferral"
    CATCH_UP_TUTORING = "catch_up_tutoring"
    PEER_SUPPORT = "peer_support"
    REGULAR_COUNSELLING = "regular_counselling"
    MEDICATION_SUPERVISION = "medication_supervision"


class ReopenReason(StrEnum):
    RELAPSE = "relapse"
    NEW_INFORMATION = "new_information"
    CLOSED_IN_ERROR = "closed_in_error"


class SchoolStage(StrEnum):
    """Stages the record follows the student through (003 item 9)."""

    PRIMARY = "primary"
    MIDDLE = "middle"
    HIGH = "high"


class ErasureReason(StrEnum):
    """Why a student's personal data was erased (PIPL art. 47)."""

    LAWFUL_REQUEST = "lawful_request"
    RETENTION_ELAPSED = "retention_elapsed"
