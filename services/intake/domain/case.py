"""A crisis case as intake knows it: the student, and every concern reported about them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import Channel, Sign


@dataclass(frozen=True)
class Concern:
    """One report about a student: who saw what, through which channel."""

    report_id: UUID
    channel: Channel
    signs: list[Sign]
    imminent: bool
    description: str


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

    @event(Detected)
    def __init__(self, student_key: str, student_ref: str, student_name: str | None,
                 report_id: UUID, channel: str, signs: list[str], imminent: bool,
                 description: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.student_ref = student_ref
        self.student_name = student_name
        self.reports = [_report(report_id, channel, signs, imminent, description, meta)]
        self.closed = False

    @classmethod
    def detect(cls, case_id: UUID, *, student_key: str, student_ref: str,
               student_name: str | None, concern: Concern, meta: EventMeta) -> Case:
        return cls._create(
            cls.Detected, id=case_id, student_key=student_key, student_ref=student_ref,
            student_name=student_name, report_id=concern.report_id,
            channel=concern.channel.value, signs=[s.value for s in concern.signs],
            imminent=concern.imminent, description=concern.description, meta=meta)

    def attach(self, concern: Concern, meta: EventMeta) -> None:
        if self.closed:
            raise CaseRuleViolated("the case is closed; a new concern opens a new case")
        self._attach(concern.report_id, concern.channel.value,
                     [s.value for s in concern.signs], concern.imminent, concern.description,
                     meta)

    class ReportAttached(Aggregate.Event):
        report_id: UUID
        channel: str
        signs: list[str]
        imminent: bool
        description: str
        meta: EventMeta

    @event(ReportAttached)
    def _attach(self, report_id: UUID, channel: str, signs: list[str], imminent: bool,
                description: str, meta: EventMeta) -> None:
        self.reports.append(_report(report_id, channel, signs, imminent, description, meta))

    class ClosureNoted(Aggregate.Event):
        meta: EventMeta

    @event(ClosureNoted)
    def _note_closed(self, meta: EventMeta) -> None:
        self.closed = True

    def note_closed(self, meta: EventMeta) -> None:
        if not self.closed:
            self._note_closed(meta)


def _report(report_id: UUID, channel: str, signs: list[str], imminent: bool,
            description: str, meta: EventMeta) -> dict[str, object]:
    return {
        "report_id": report_id, "channel": channel, "signs": signs, "imminent": imminent,
        "description": description, "reporter_role": meta.actor_role,
        "reporter_id": meta.actor_id, "observed_at": meta.occurred_at,
    }
