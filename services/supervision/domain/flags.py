"""What was open in a case at a time, for the auditor to look at (pure): guardians not
reached, escalations, break-glass openings still in force, referrals left without a
receiver, disclosures without consent, follow-ups and home visits owed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from contracts.case_state import Flag
from contracts.envelope import Envelope

# Failures after which a person must act by hand: (service, type) -> the flag's kind and the
# data field naming what it is about.
FAILURES = {
    ("notification", "GuardianNoticeFailed"): ("guardian_not_reached", "notice_id"),
    ("notification", "NoticeEscalated"): ("notice_escalated", "notice_id"),
    ("notification", "EscalationFailed"): ("escalation_not_delivered", "escalation_id"),
    ("notification", "AuthorityReportFailed"): ("authority_report_not_delivered", "report_id"),
    ("notification", "BreakGlassAlertFailed"): ("break_glass_alert_not_delivered", "alert_id"),
    ("referral", "ReferralDeliveryFailed"): ("referral_not_delivered", "referral_id"),
}


def _acknowledged(events: Sequence[Envelope]) -> bool:
    return any(e.type == "GuardianAcknowledged" for e in events)


def _family_flags(events: Sequence[Envelope], as_of: datetime) -> list[Flag]:
    """Until a guardian acknowledges, each failure and escalation stays open, and so does
    a notice whose time to be acknowledged has run out."""
    if _acknowledged(events):
        return []
    flags = []
    settled: set[str] = set()
    for e in events:
        kind = FAILURES.get((e.service, e.type))
        if e.service == "notification" and kind and kind[0] in {"guardian_not_reached",
                                                                "notice_escalated"}:
            settled.add(e.data["notice_id"])
            flags.append(Flag(kind=kind[0], since=e.recorded_at, about=e.data[kind[1]]))
    for e in events:
        if (e.type == "GuardianNoticeIssued" and e.data["notice_id"] not in settled
                and datetime.fromisoformat(e.data["acknowledge_by"]) < as_of):
            flags.append(Flag(kind="acknowledgement_late", since=e.recorded_at,
                              about=e.data["notice_id"]))
    return flags


def _delivery_flags(events: Sequence[Envelope]) -> list[Flag]:
    """Messages and referrals nobody could be sent, until one of the same went out."""
    delivered = {e.data.get("escalation_id") or e.data.get("report_id")
                 or e.data.get("alert_id") or e.data.get("referral_id")
                 for e in events if e.type in {"EscalationDispatched",
                                               "AuthorityReportDispatched",
                                               "BreakGlassAlertDispatched",
                                               "ReferralDelivered"}}
    flags = []
    for e in events:
        kind = FAILURES.get((e.service, e.type))
        if (kind and kind[0] not in {"guardian_not_reached", "notice_escalated"}
                and e.data[kind[1]] not in delivered):
            flags.append(Flag(kind=kind[0], since=e.recorded_at, about=str(e.data[kind[1]])))
    return flags


def _referral_flags(events: Sequence[Envelope]) -> list[Flag]:
    """A declined or unanswered referral with no other receiver yet, and every disclosure
    made without consent (always the auditor's to look at)."""
    rerouted = {e.data.get("rerouted_from") for e in events if e.type == "ReferralMade"}
    flags = []
    for e in events:
        if e.service != "referral":
            continue
        if e.type == "ReferralMade" and e.data.get("without_consent"):
            flags.append(Flag(kind="disclosed_without_consent", since=e.recorded_at,
                              about=e.data["referral_id"]))
        dead_end = (e.type == "ReferralUnanswered"
                    or (e.type == "ReferralAnswered" and e.data["response"] == "declined"))
        if dead_end and e.data["referral_id"] not in rerouted:
            flags.append(Flag(kind="referral_needs_receiver", since=e.recorded_at,
                              about=e.data["referral_id"]))
    return flags


def _aftercare_flags(events: Sequence[Envelope]) -> list[Flag]:
    """Follow-ups referral raised as overdue and not done since, and home visits due in a
    semester without one recorded."""
    done = {e.data["number"] for e in events if e.type == "FollowUpRecorded"}
    visited = {e.data["semester"] for e in events if e.type == "HomeVisitRecorded"}
    flags = []
    for e in events:
        if e.type == "FollowUpOverdue" and e.data["number"] not in done:
            flags.append(Flag(kind="follow_up_overdue", since=e.recorded_at,
                              about=date.fromisoformat(e.data["due"]).isoformat()))
        elif e.type == "HomeVisitDue" and e.data["semester"] not in visited:
            flags.append(Flag(kind="home_visit_due", since=e.recorded_at,
                              about=e.data["semester"]))
    return flags


def _break_glass_flags(events: Sequence[Envelope], as_of: datetime) -> list[Flag]:
    """A break-glass still in force at `as_of`: who opened the case, until when."""
    return [Flag(kind="break_glass_open", since=e.recorded_at,
                 about=f"{e.actor.role.value}:{e.actor.id}")
            for e in events if e.type == "BreakGlassOpened"
            and datetime.fromisoformat(e.data["until"]) > as_of]


def open_flags(events: Sequence[Envelope], as_of: datetime) -> list[Flag]:
    """Everything open at `as_of` (give it the envelopes recorded by then); none once the
    case is closed but the disclosures without consent, which stay the auditor's."""
    closed = False
    for e in events:
        if e.type in {"CaseClosed", "CaseReopened"} and e.service == "referral":
            closed = e.type == "CaseClosed"
    referral_flags = _referral_flags(events)
    if closed:
        return [f for f in referral_flags if f.kind == "disclosed_without_consent"]
    return [*_break_glass_flags(events, as_of), *_family_flags(events, as_of),
            *_delivery_flags(events), *referral_flags, *_aftercare_flags(events)]
