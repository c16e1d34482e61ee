"""The intervention plan agreed with the guardians (001 三(三)2) and the reports of an incident
to the district education commission (000 item 10), part of a case's notification record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import GuardianRank, PlanMeasure, Tier
from services.notification.domain.messages import AuthorityReport, Notice, Plan
from services.notification.domain.policy import COMMISSION, NotificationPolicy

PLANNED_TIERS = frozenset({Tier.SERIOUS, Tier.CRISIS})


class PlanAndReports(ReadLogged):
    """What GuardianNotification adds beyond the notices; it sets these in its __init__."""

    notices: list[Notice]
    plans: list[Plan]
    reports: list[AuthorityReport]
    told_since: int

    @property
    def highest_tier_told(self) -> Tier:
        """Since the case was last (re)opened: a reopened case tells the family afresh."""
        return max((Tier(n.tier) for n in self.notices[self.told_since:]),
                   key=lambda t: t.rank, default=Tier.NONE)

    @property
    def reached(self) -> bool:
        """Some guardian acknowledged a notice of this case."""
        return any(n.acknowledged for n in self.notices)

    def record_plan(self, measures: list[PlanMeasure], agreed: bool,
                    guardian_rank: GuardianRank, review_on: date | None, notes: str | None,
                    meta: EventMeta) -> UUID:
        """The plan as put to a guardian, agreed or refused; a later plan replaces it."""
        if self.highest_tier_told not in PLANNED_TIERS:
            raise CaseRuleViolated("an intervention plan is agreed with the guardians only in "
                                   "a serious or crisis case")
        if not self.reached:
            raise CaseRuleViolated("no guardian has been reached in this case yet")
        plan_id = uuid5(self.id, f"plan/{len(self.plans) + 1}")
        self._plan_recorded(plan_id, [m.value for m in measures], agreed, guardian_rank.value,
                            review_on, notes, meta)
        return plan_id

    class PlanRecorded(Aggregate.Event):
        plan_id: UUID
        measures: list[str]
        agreed: bool
        guardian_rank: int
        review_on: date | None
        notes: str | None
        meta: EventMeta

    @event(PlanRecorded)
    def _plan_recorded(self, plan_id: UUID, measures: list[str], agreed: bool,
                       guardian_rank: int, review_on: date | None, notes: str | None,
                       meta: EventMeta) -> None:
        self.plans.append(Plan(plan_id, measures, agreed, guardian_rank, review_on, notes,
                               meta.occurred_at))

    @property
    def plan(self) -> Plan | None:
        return self.plans[-1] if self.plans else None

    def report_incident(self, incident_id: UUID, policy: NotificationPolicy, meta: EventMeta,
                        *, now: datetime) -> UUID:
        """The commission is to be told of the incident within the policy's time; once."""
        for report in self.reports:
            if report.incident_id == incident_id:
                return report.report_id
        report_id = uuid5(self.id, f"report/{incident_id}")
        self._report_issued(report_id, incident_id, COMMISSION,
                            now + policy.incident_report_within, meta)
        return report_id

    class ReportIssued(Aggregate.Event):
        report_id: UUID
        incident_id: UUID
        authority: str
        report_by: datetime
        meta: EventMeta

    @event(ReportIssued)
    def _report_issued(self, report_id: UUID, incident_id: UUID, authority: str,
                       report_by: datetime, meta: EventMeta) -> None:
        self.reports.append(AuthorityReport(report_id, incident_id, authority, report_by))

    class ReportDispatched(Aggregate.Event):
        report_id: UUID
        on_time: bool
        delivery: str  # "" in events stored before it was recorded
        meta: EventMeta

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["delivery"] = ""

    def flag_overdue_report(self, report_id: UUID, meta: EventMeta) -> bool:
        """The report was not sent within the policy's time: the team is to know (once)."""
        report = next((r for r in self.reports if r.report_id == report_id), None)
        if report is None or report.dispatched or report.overdue:
            return False
        self._report_overdue(report_id, report.report_by, meta)
        return True

    class ReportOverdue(Aggregate.Event):
        report_id: UUID
        report_by: datetime
        meta: EventMeta

    @event(ReportOverdue)
    def _report_overdue(self, report_id: UUID, report_by: datetime, meta: EventMeta) -> None:
        for report in self.reports:
            if report.report_id == report_id:
                report.overdue = True

    @event(ReportDispatched)
    def _report_dispatched(self, report_id: UUID, on_time: bool, delivery: str,
                           meta: EventMeta) -> None:
        for report in self.reports:
            if report.report_id == report_id:
                report.dispatched, report.on_time = True, on_time
