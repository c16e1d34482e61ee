"""What intake puts on the bus: codes and ids; never the name, school id or the description."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import Channel, Role, Sign
from contracts.events import intake as contract
from services.intake.domain.case import Case
from services.intake.domain.student import Student


def _detected(e: Case.Detected) -> contract.CaseDetected:
    return contract.CaseDetected(
        student_key=e.student_key, report_id=e.report_id, channel=Channel(e.channel),
        reporter_role=Role(e.meta.actor_role), signs=[Sign(s) for s in e.signs],
        imminent=e.imminent)


def _attached(e: Case.ReportAttached) -> contract.ReportAttached:
    return contract.ReportAttached(
        report_id=e.report_id, channel=Channel(e.channel), reporter_role=Role(e.meta.actor_role),
        signs=[Sign(s) for s in e.signs], imminent=e.imminent)


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Case.Detected: _detected, Case.ReportAttached: _attached},
    internal=frozenset({Case.ClosureNoted, Student.Registered, Student.CaseOpened,
                        Student.CaseReleased}),
)
