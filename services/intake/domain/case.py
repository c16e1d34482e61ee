"""A crisis case as intake knows it: the student, every concern reported about them and the
way each staff report climbed the chain, the student's key-concern flags, incidents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.identity.case_access import Standing
from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import BreakGlassReason, IncidentKind, KeyConcern, ReportLevel, Role
from services.intake.domain.need_to_know import assignment_problem, break_glass_problem
from services.intake.domain.report import Concern, new_report, step
from services.intake.domain.report_chain import (
    ChainKind,
    check_acknowledger,
    check_forwarder,
    next_level,
)


class Case(ReadLogged):
    class Detected(Aggregate.Created):
        student_key: str
        student_ref: str
        student_name: str | None
        report_id: UUID
        channel: str
        signs: list[str]
        imminent: bool
        description: str
        meta: EventMeta
        # Added in issue 4; the defaults read events stored before.
        level: str = ReportLevel.SCHOOL.value
        key_concerns: tuple[str, ...] = ()
        screen: dict[str, Any] | None = None
        previous_case_id: UUID | None = None

    @event(Detected)
    def __init__(self, student_key: str, student_ref: str, student_name: str | None,
                 report_id: UUID, channel: str, signs: list[str], imminent: bool,
                 description: str, meta: EventMeta, level: str,
                 key_concerns: tuple[str, ...], screen: dict[str, Any] | None,
                 previous_case_id: UUID | None) -> None:
        self.student_key = student_key
        self.student_ref = student_ref
        self.student_name = student_name
        self.key_concerns = list(key_concerns)
        self.previous_case_id = previous_case_id
        self.reports = [new_report(report_id, channel, signs, imminent, description, meta,
                                   level, screen)]
        self.closed = False
        self.reopenings: list[dict[str, Any]] = []
        self.incidents: dict[UUID, dict[str, Any]] = {}
        self.transfers: list[dict[str, Any]] = []
        self.assignees: dict[str, dict[str, Any]] = {}
        self.break_glass: list[dict[str, Any]] = []

    @classmethod
    def detect(cls, case_id: UUID, *, student_key: str, student_ref: str,
               student_name: str | None, concern: Concern, meta: EventMeta,
               previous_case_id: UUID | None = None) -> Case:
        return cls._create(
            cls.Detected, id=case_id, student_key=student_key, student_ref=student_ref,
            student_name=student_name, report_id=concern.report_id,
            channel=concern.channel.value, signs=[s.value for s in concern.signs],
            imminent=concern.imminent, description=concern.description, meta=meta,
            level=concern.level.value, key_concerns=tuple(k.value for k in concern.key_concerns),
            screen=concern.screen, previous_case_id=previous_case_id)

    # Further concerns.

    def attach(self, concern: Concern, meta: EventMeta) -> None:
        if self.closed:
            raise CaseRuleViolated("the case is closed; a new concern opens a new case")
        self._attach(concern.report_id, concern.channel.value,
                     [s.value for s in concern.signs], concern.imminent, concern.description,
                     meta, concern.level.value, tuple(k.value for k in concern.key_concerns),
                     concern.screen)

    class ReportAttached(Aggregate.Event):
        report_id: UUID
        channel: str
        signs: list[str]
        imminent: bool
        description: str
        meta: EventMeta
        level: str = ReportLevel.SCHOOL.value
        key_concerns: tuple[str, ...] = ()
        screen: dict[str, Any] | None = None

    @event(ReportAttached)
    def _attach(self, report_id: UUID, channel: str, signs: list[str], imminent: bool,
                description: str, meta: EventMeta, level: str, key_concerns: tuple[str, ...],
                screen: dict[str, Any] | None) -> None:
        self.reports.append(new_report(report_id, channel, signs, imminent, description, meta,
                                    level, screen))

    # The report chain.

    def report(self, report_id: UUID) -> dict[str, Any]:
        for report in self.reports:
            if report["report_id"] == report_id:
                return report
        raise CaseRuleViolated(f"the case has no report {report_id}")

    def forward(self, report_id: UUID, to_level: ReportLevel, chain: ChainKind,
                meta: EventMeta) -> None:
        """One level up the chain, never skipping one; the top level forwards no further."""
        self._refuse_if_closed()
        level = ReportLevel(self.report(report_id)["level"])
        check_forwarder(Role(meta.actor_role), level)
        above = next_level(chain, level)
        if above is None:
            raise CaseRuleViolated(f"the report is at the {level.value} level; "
                                   "there is no level above it")
        if to_level is not above:
            raise CaseRuleViolated(f"the report is at the {level.value} level; it goes to the "
                                   f"{above.value} level next, not {to_level.value}")
        self._forwarded(report_id, level.value, to_level.value, meta)

    class ReportForwarded(Aggregate.Event):
        report_id: UUID
        from_level: str
        to_level: str
        meta: EventMeta

    @event(ReportForwarded)
    def _forwarded(self, report_id: UUID, from_level: str, to_level: str,
                   meta: EventMeta) -> None:
        report = self.report(report_id)
        report["level"] = to_level
        report["path"].append(step("forwarded", to_level, meta))

    def acknowledge(self, report_id: UUID, level: ReportLevel, meta: EventMeta) -> None:
        """The level the report has reached took it in: once, and only there."""
        self._refuse_if_closed()
        check_acknowledger(Role(meta.actor_role), level)
        report = self.report(report_id)
        if level.value != report["level"]:
            raise CaseRuleViolated(f"the report is at the {report['level']} level, "
                                   f"not {level.value}")
        if any(s["step"] == "acknowledged" and s["level"] == level.value
               for s in report["path"]):
            raise CaseRuleViolated(f"the {level.value} level acknowledged the report already")
        self._acknowledged(report_id, level.value, meta)

    class ReportAcknowledged(Aggregate.Event):
        report_id: UUID
        level: str
        meta: EventMeta

    @event(ReportAcknowledged)
    def _acknowledged(self, report_id: UUID, level: str, meta: EventMeta) -> None:
        self.report(report_id)["path"].append(step("acknowledged", level, meta))

    # The student's key-concern flags (重点关注), shown with the case.

    class KeyConcernsNoted(Aggregate.Event):
        key_concerns: list[str]
        meta: EventMeta

    @event(KeyConcernsNoted)
    def _key_concerns_noted(self, key_concerns: list[str], meta: EventMeta) -> None:
        self.key_concerns = list(key_concerns)

    def note_key_concerns(self, key_concerns: list[KeyConcern], meta: EventMeta) -> None:
        flags = [k.value for k in key_concerns]
        if not self.closed and flags != self.key_concerns:
            self._key_concerns_noted(flags, meta)

    # Incidents (突发事件, 000 item 10): the emergency plan's checklist, item by item.

    class IncidentReported(Aggregate.Event):
        incident_id: UUID
        student_key: str
        kind: str
        checklist: list[str]
        meta: EventMeta

    @event(IncidentReported)
    def _incident_reported(self, incident_id: UUID, student_key: str, kind: str,
                           checklist: list[str], meta: EventMeta) -> None:
        self.incidents[incident_id] = {
            "incident_id": incident_id, "kind": kind, "reported_by_role": meta.actor_role,
            "reported_by_id": meta.actor_id, "occurred_at": meta.occurred_at,
            "checklist": [{"item": item, "done": None} for item in checklist]}

    def report_incident(self, incident_id: UUID, kind: IncidentKind, checklist: list[str],
                        meta: EventMeta) -> None:
        self._refuse_if_closed()
        self._incident_reported(incident_id, self.student_key, kind.value, list(checklist),
                                meta)

    class ChecklistItemDone(Aggregate.Event):
        incident_id: UUID
        item: str
        meta: EventMeta

    @event(ChecklistItemDone)
    def _item_done(self, incident_id: UUID, item: str, meta: EventMeta) -> None:
        entry = next(e for e in self.incidents[incident_id]["checklist"] if e["item"] == item)
        entry["done"] = {"by_role": meta.actor_role, "by_id": meta.actor_id,
                         "at": meta.occurred_at}

    def complete_checklist_item(self, incident_id: UUID, item: str, meta: EventMeta) -> None:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise CaseRuleViolated(f"the case has no incident {incident_id}")
        entry = next((e for e in incident["checklist"] if e["item"] == item), None)
        if entry is None:
            raise CaseRuleViolated(f"{item!r} is not on the incident's checklist")
        if entry["done"] is not None:
            raise CaseRuleViolated(f"{item!r} is done already")
        self._item_done(incident_id, item, meta)

    # Closure is referral's; intake notes it, and a reopening.

    class ClosureNoted(Aggregate.Event):
        meta: EventMeta

    @event(ClosureNoted)
    def _note_closed(self, meta: EventMeta) -> None:
        self.closed = True

    def note_closed(self, meta: EventMeta) -> None:
        if not self.closed:
            self._note_closed(meta)

    class ReopeningNoted(Aggregate.Event):
        reason: str
        closed_event_id: UUID
        meta: EventMeta

    @event(ReopeningNoted)
    def _reopened(self, reason: str, closed_event_id: UUID, meta: EventMeta) -> None:
        self.closed = False
        self.reopenings.append({"reason": reason, "closed_event_id": closed_event_id,
                                "at": meta.occurred_at, "kept_closed_for": None})

    class ReopeningSetAside(Aggregate.Event):
        """Referral reopened the case, but the student has another open case by now: new
        concerns keep going there, and this case stays closed in intake, linked."""

        reason: str
        closed_event_id: UUID
        open_case_id: UUID
        meta: EventMeta

    @event(ReopeningSetAside)
    def _reopening_set_aside(self, reason: str, closed_event_id: UUID, open_case_id: UUID,
                             meta: EventMeta) -> None:
        self.reopenings.append({"reason": reason, "closed_event_id": closed_event_id,
                                "at": meta.occurred_at, "kept_closed_for": open_case_id})

    def note_reopened(self, reason: str, closed_event_id: UUID, meta: EventMeta, *,
                      other_open_case: UUID | None) -> None:
        if not self.closed:
            return
        if other_open_case is not None and other_open_case != self.id:
            self._reopening_set_aside(reason, closed_event_id, other_open_case, meta)
        else:
            self._reopened(reason, closed_event_id, meta)

    # Transfers to the next school stage (003 item 9): what was disclosed, to whom.

    class TransferDisclosed(Aggregate.Event):
        transfer_id: UUID
        to_school: str
        to_stage: str
        categories: list[str]
        consent_id: UUID
        meta: EventMeta

    @event(TransferDisclosed)
    def _transfer_disclosed(self, transfer_id: UUID, to_school: str, to_stage: str,
                            categories: list[str], consent_id: UUID, meta: EventMeta) -> None:
        self.transfers.append({
            "transfer_id": transfer_id, "to_school": to_school, "to_stage": to_stage,
            "categories": categories, "consent_id": consent_id, "by_role": meta.actor_role,
            "by_id": meta.actor_id, "at": meta.occurred_at})

    def disclose_transfer(self, transfer_id: UUID, *, to_school: str, to_stage: str,
                          categories: list[str], consent_id: UUID, meta: EventMeta) -> None:
        self._transfer_disclosed(transfer_id, to_school, to_stage, list(categories),
                                 consent_id, meta)

    # Need-to-know: who the crisis-team head made responsible, and who opened the case under
    # break-glass, for what reason and until when.

    class Assigned(Aggregate.Event):
        assignee_id: str
        assignee_role: str
        meta: EventMeta

    @event(Assigned)
    def _assigned(self, assignee_id: str, assignee_role: str, meta: EventMeta) -> None:
        self.assignees[assignee_id] = {"assignee_id": assignee_id, "role": assignee_role,
                                       "by_id": meta.actor_id, "at": meta.occurred_at}

    def assign(self, assignee_id: str, assignee_role: Role, meta: EventMeta) -> None:
        problem = assignment_problem(assignee_role, assignee_id in self.assignees)
        if problem:
            raise CaseRuleViolated(problem)
        self._assigned(assignee_id, assignee_role.value, meta)

    class GlassBroken(Aggregate.Event):
        reason: str
        until: datetime
        meta: EventMeta

    @event(GlassBroken)
    def _glass_broken(self, reason: str, until: datetime, meta: EventMeta) -> None:
        self.break_glass.append({"by_role": meta.actor_role, "by_id": meta.actor_id,
                                 "reason": reason, "at": meta.occurred_at, "until": until})

    def open_break_glass(self, reason: BreakGlassReason, lasting: timedelta,
                         meta: EventMeta) -> datetime:
        problem = break_glass_problem(lasting)
        if problem:
            raise CaseRuleViolated(problem)
        until = meta.occurred_at + lasting
        self._glass_broken(reason.value, until, meta)
        return until

    def standing(self) -> Standing:
        """Who stands to the case: its reporters, assignees and break-glass openers."""
        return Standing(frozenset(r["reporter_id"] for r in self.reports),
                        frozenset(self.assignees),
                        tuple((g["by_id"], g["until"]) for g in self.break_glass))

    def _refuse_if_closed(self) -> None:
        if self.closed:
            raise CaseRuleViolated("the case is closed")


__all__ = ["Case", "Concern"]
