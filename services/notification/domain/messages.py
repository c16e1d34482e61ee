"""What a case's notification record holds: notices, escalations, calls, failures, the
intervention plan and authority reports. Template ids only, never text of the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")  # a guardian's language; messages beyond the family are in zh


def template_for(tier: str, language: str = DEFAULT_LANGUAGE) -> str:
    return f"guardian-notice-{tier}-{language}-v1"


def escalation_template(escalated_to: str, tier: str) -> str:
    if escalated_to == "crisis_team_head":
        return f"escalation-unacknowledged-{tier}-{DEFAULT_LANGUAGE}-v1"
    return f"escalation-{escalated_to}-{tier}-{DEFAULT_LANGUAGE}-v1"


REPORT_TEMPLATE = f"authority-report-incident-{DEFAULT_LANGUAGE}-v1"
GLASS_TEMPLATE = f"break-glass-opened-{DEFAULT_LANGUAGE}-v1"


@dataclass
class Notice:
    """To one guardian, at one step of the tier's ladder."""

    KIND: ClassVar[str] = "notice"
    notice_id: UUID
    tier: str
    guardian_rank: int
    channel: str
    template_id: str
    acknowledge_by: datetime
    step: int = 0
    language: str = DEFAULT_LANGUAGE
    dispatched: bool = False
    acknowledged: bool = False
    escalated: bool = False  # the ladder went on to its next step
    failed: str | None = None  # why delivery failed, if it did
    withdrawn: bool = False  # still queued when the family answered or the case closed
    cause: str | None = None  # the upstream crisis path, incident or decision that asked

    @property
    def awaiting_acknowledgement(self) -> bool:
        return not (self.acknowledged or self.escalated or self.failed)


@dataclass
class Escalation:
    """Someone beyond the family told that no guardian acknowledged in time."""

    KIND: ClassVar[str] = "escalation"
    escalation_id: UUID
    notice_id: UUID
    tier: str
    escalated_to: str
    step: int = 0
    due_by: datetime | None = None  # when the ladder goes on, if it has a step left
    dispatched: bool = False
    channel: str | None = None
    withdrawn: bool = False
    failed: str | None = None  # why nobody could be reached (no_contact), if so

    @property
    def template_id(self) -> str:
        return escalation_template(self.escalated_to, self.tier)


@dataclass
class Call:
    """A person phoned a guardian and recorded the outcome."""

    guardian_rank: int
    outcome: str
    notice_id: UUID | None
    at: datetime


@dataclass
class Plan:
    """The targeted intervention plan put to the guardians (001 三(三)2)."""

    plan_id: UUID
    measures: list[str]
    agreed: bool
    guardian_rank: int
    review_on: date | None
    notes: str | None
    at: datetime


@dataclass
class AuthorityReport:
    """An incident reported to the district education commission (000 item 10)."""

    KIND: ClassVar[str] = "report"
    report_id: UUID
    incident_id: UUID
    authority: str
    report_by: datetime
    dispatched: bool = False
    on_time: bool | None = None
    overdue: bool = False  # flagged when its time ran out unsent
    failed: str | None = None  # why nobody could be reached (no_contact), if so

    @property
    def template_id(self) -> str:
        return REPORT_TEMPLATE


@dataclass
class GlassAlert:
    """The crisis-team head told that someone with no relation to the case opened it."""

    KIND: ClassVar[str] = "break_glass"
    alert_id: UUID
    opened_by: UUID  # intake's BreakGlassOpened event
    actor_role: str
    actor_id: str
    reason: str
    until: datetime
    recipient: str
    dispatched: bool = False
    failed: str | None = None  # why nobody could be reached (no_contact), if so

    @property
    def template_id(self) -> str:
        return GLASS_TEMPLATE

    def facts(self, case_id: UUID) -> str:
        """What the head needs to act on it, ids and codes only (no person's name): appended
        to the fixed text, as the template itself takes nothing of a case."""
        return (f"case {case_id}; opened by {self.actor_role} {self.actor_id}; "
                f"reason {self.reason}; until {self.until.isoformat()}")


Message = Notice | Escalation | AuthorityReport | GlassAlert


def message_recipient(message: Escalation | AuthorityReport | GlassAlert) -> str:
    """Whom a message beyond the family names: crisis_team_head, police, the authority."""
    if isinstance(message, Escalation):
        return message.escalated_to
    if isinstance(message, AuthorityReport):
        return message.authority
    return message.recipient
