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
    PRINCIPAL = "principal"
    GUARDIAN = "guardian"
    PEER = "peer"
    STUDENT = "student"
    HOTLINE_OPERATOR = "hotline_operator"
    RECEIVER_LIAISON = "receiver_liaison"
    AUDITOR = "auditor"
    SYSTEM = "system"


class ReceiverType(StrEnum):
    HOSPITAL_GREEN_CHANNEL = "hospital_green_channel"
    DISTRICT_GUIDANCE_CENTRE = "district_guidance_centre"
    POLICE = "police"


class ReferralResponse(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    ADMITTED = "admitted"
    DISCHARGED = "discharged"


class GuardianRank(IntEnum):
    PRIMARY = 1
    SECONDARY = 2


class NoticeChannel(StrEnum):
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"


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
