"""The steps of a case's workflow the console offers, each one route of a service's public
API: what it is called, where it is sent, and where an id in its path comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pick:
    """An id to choose (in the route's path other than the case's, or a field of the body),
    from what a service answered: the case as it holds it, or the list at `path`; `items`
    of that answer (the answer itself if it is a list), each item's `key` (or the answer's
    own `key`)."""

    param: str
    service: str
    key: str
    items: str | None = None
    label: str | None = None  # the item's field shown beside the id
    path: str | None = None  # a list of the service's, rather than the case

    def choices(self, answer: Any) -> list[tuple[str, str]]:
        if isinstance(answer, list):
            items = answer
        elif not isinstance(answer, dict):
            return []
        elif self.items is None:
            value = answer.get(self.key)
            return [(str(value), str(value))] if value else []
        else:
            items = answer.get(self.items) or []
        return [(str(item[self.key]), str(item.get(self.label, "")) if self.label else "")
                for item in items if isinstance(item, dict) and self.key in item]


@dataclass(frozen=True)
class Action:
    name: str  # what the catalogue words (`action.<name>`)
    service: str
    method: str
    path: str  # with `{case_id}` and each pick's `{param}`
    picks: tuple[Pick, ...] = ()
    stage: str = "detected"  # the part of the case page it belongs to
    choices: tuple[Pick, ...] = ()  # fields of the body chosen from a list, not typed

    @property
    def reads(self) -> tuple[str, ...]:
        """The services whose part of the case the form chooses from."""
        return tuple(sorted({pick.service for pick in (*self.picks, *self.choices)
                             if pick.path is None}))
    # Fields naming a member of staff by id, chosen from the people who sign in here.
    staff: tuple[str, ...] = ()


REPORT = Pick("report_id", "intake", "report_id", items="reports", label="level")
REFERRAL = Pick("referral_id", "referral", "referral_id", items="referrals", label="receiver_id")
STUDENT = Pick("school_student_id", "intake", "student_ref")
CONSENT = Pick("consent_id", "referral", "consent_id", items="consents", label="purpose")
RECEIVER = Pick("receiver_id", "referral", "id", label="name", path="/receivers")

CASE_ACTIONS: tuple[Action, ...] = (
    Action("forward_report", "intake", "POST",
           "/cases/{case_id}/reports/{report_id}/forwards", (REPORT,)),
    Action("acknowledge_report", "intake", "POST",
           "/cases/{case_id}/reports/{report_id}/acknowledgements", (REPORT,)),
    Action("assign", "intake", "POST", "/cases/{case_id}/assignments",
           staff=("assignee_id",)),
    Action("score_instrument", "assessment", "POST", "/cases/{case_id}/instruments",
           stage="assessed"),
    Action("decide_tier", "assessment", "POST", "/cases/{case_id}/decision", stage="assessed"),
    Action("record_guardians", "notification", "PUT", "/students/{school_student_id}/guardians",
           (STUDENT,), stage="family-notified"),
    Action("record_call", "notification", "POST", "/cases/{case_id}/calls",
           stage="family-notified"),
    Action("record_acknowledgement", "notification", "POST",
           "/cases/{case_id}/acknowledgements", stage="family-notified"),
    Action("intervention_plan", "notification", "POST", "/cases/{case_id}/intervention-plan",
           stage="family-notified"),
    Action("record_consent", "referral", "POST", "/cases/{case_id}/consents", stage="referred"),
    Action("withdraw_consent", "referral", "POST",
           "/cases/{case_id}/consents/{consent_id}/withdrawal", (CONSENT,), stage="referred"),
    Action("refer", "referral", "POST", "/cases/{case_id}/referrals", stage="referred",
           choices=(RECEIVER, CONSENT)),
    Action("record_answer", "referral", "POST",
           "/cases/{case_id}/referrals/{referral_id}/answers", (REFERRAL,), stage="referred"),
    Action("return_plan", "referral", "POST", "/cases/{case_id}/return-plan",
           stage="followed-up"),
    Action("follow_up", "referral", "POST", "/cases/{case_id}/follow-ups", stage="followed-up"),
    Action("home_visit", "referral", "POST", "/cases/{case_id}/home-visits", stage="followed-up"),
    Action("close", "referral", "POST", "/cases/{case_id}/closure", stage="closed"),
    Action("reopen", "referral", "POST", "/cases/{case_id}/reopen", stage="closed"),
)
REPORT_CONCERN = Action("report_concern", "intake", "POST", "/reports")
SCHEDULE_SCREENING = Action("schedule_screening", "intake", "POST", "/screenings",
                            stage="screening")
# `{screening_id}` is the screening page's own.
SCREENING_CONSENTS = Action("screening_consents", "intake", "POST",
                            "/screenings/{screening_id}/consents", stage="screening")
CASE_STEPS = {action.name: action for action in CASE_ACTIONS}
ACTIONS = {action.name: action
           for action in (*CASE_ACTIONS, REPORT_CONCERN, SCHEDULE_SCREENING, SCREENING_CONSENTS)}
