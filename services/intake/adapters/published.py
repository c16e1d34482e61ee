"""What intake puts on the bus: codes and ids; never the name, school id, a description or
a screening answer."""

from __future__ import annotations

from typing import Any

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import (
    BreakGlassReason,
    Channel,
    IncidentKind,
    KeyConcern,
    ReportLevel,
    Role,
    SchoolStage,
    Sign,
)
from contracts.events import intake as contract
from contracts.events.base import ScreenResult
from services.intake.domain.case import Case
from services.intake.domain.screening import Screening
from services.intake.domain.student import Student
from services.intake.domain.transfer import ConsentToTransfer, Transfer, TransferredRecord


def _screen(screen: dict[str, Any] | None) -> ScreenResult | None:
    return None if screen is None else ScreenResult.model_validate(screen)


def _detected(e: Case.Detected) -> contract.CaseDetected:
    return contract.CaseDetected(
        student_key=e.student_key, report_id=e.report_id, channel=Channel(e.channel),
        reporter_role=Role(e.meta.actor_role), signs=[Sign(s) for s in e.signs],
        imminent=e.imminent, key_concerns=[KeyConcern(k) for k in e.key_concerns],
        screen=_screen(e.screen), previous_case_id=e.previous_case_id)


def _attached(e: Case.ReportAttached) -> contract.ReportAttached:
    return contract.ReportAttached(
        report_id=e.report_id, channel=Channel(e.channel), reporter_role=Role(e.meta.actor_role),
        signs=[Sign(s) for s in e.signs], imminent=e.imminent,
        key_concerns=[KeyConcern(k) for k in e.key_concerns], screen=_screen(e.screen))


def _forwarded(e: Case.ReportForwarded) -> contract.ReportForwarded:
    return contract.ReportForwarded(report_id=e.report_id,
                                    from_level=ReportLevel(e.from_level),
                                    to_level=ReportLevel(e.to_level))


def _acknowledged(e: Case.ReportAcknowledged) -> contract.ReportAcknowledged:
    return contract.ReportAcknowledged(report_id=e.report_id, level=ReportLevel(e.level))


def _key_concerns(e: Case.KeyConcernsNoted) -> contract.KeyConcernsNoted:
    return contract.KeyConcernsNoted(key_concerns=[KeyConcern(k) for k in e.key_concerns])


def _incident(e: Case.IncidentReported) -> contract.IncidentReported:
    return contract.IncidentReported(incident_id=e.incident_id, student_key=e.student_key,
                                     kind=IncidentKind(e.kind), checklist=list(e.checklist))


def _item_done(e: Case.ChecklistItemDone) -> contract.ChecklistItemDone:
    return contract.ChecklistItemDone(incident_id=e.incident_id, item=e.item)


def _disclosed(e: Case.TransferDisclosed) -> contract.TransferDisclosed:
    return contract.TransferDisclosed(transfer_id=e.transfer_id, to_school=e.to_school,
                                      to_stage=SchoolStage(e.to_stage),
                                      categories=list(e.categories), consent_id=e.consent_id)


def _assigned(e: Case.Assigned) -> contract.CaseAssigned:
    return contract.CaseAssigned(assignee_id=e.assignee_id, assignee_role=Role(e.assignee_role))


def _glass_broken(e: Case.GlassBroken) -> contract.BreakGlassOpened:
    return contract.BreakGlassOpened(reason=BreakGlassReason(e.reason), until=e.until)


def _received(e: TransferredRecord.Received) -> contract.TransferReceived:
    return contract.TransferReceived(transfer_id=e.transfer_id, from_school=e.from_school,
                                      from_case_id=e.from_case_id, student_key=e.student_key)


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Case.Detected: _detected, Case.ReportAttached: _attached,
     Case.ReportForwarded: _forwarded, Case.ReportAcknowledged: _acknowledged,
     Case.KeyConcernsNoted: _key_concerns, Case.IncidentReported: _incident,
     Case.ChecklistItemDone: _item_done, Case.TransferDisclosed: _disclosed,
     Case.Assigned: _assigned, Case.GlassBroken: _glass_broken,
     TransferredRecord.Received: _received},
    internal=frozenset({
        Case.ClosureNoted, Case.ReopeningNoted, Case.ReopeningSetAside,
        Student.Registered, Student.CaseOpened, Student.CaseReleased, Student.CaseResumed,
        Student.RecordReceived, Student.KeyConcernsRecorded, Student.FileRead,
        Screening.Scheduled, Screening.ConsentsRecorded, Screening.BatchImported,
        ConsentToTransfer.Given, Transfer.Disclosed, Transfer.Received}),
)
