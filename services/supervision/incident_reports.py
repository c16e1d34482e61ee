"""Supervision's incident reports and audit events of a case, from CASES alone: the
application builds them (domain/incident.py, domain/audit_fhir.py) and renders a report
through the ReportRenderer port (an adapter turns it into HTML or PDF). A report states the
case's verification against the signed checkpoints (the CaseVerifier port). Each answer is a
read of the case, logged before it is given."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from casetrail.kernel import CaseNotFound, EventMeta
from casetrail.ledger.verification import INFO_KINDS, Verdict
from casetrail.worker import ApplicationThread
from contracts.envelope import Envelope
from services.supervision.application import (
    CaseTrail,
    CaseVerifier,
    StillReplaying,
    SupervisionStore,
    VerificationUnavailable,
)
from services.supervision.domain.audit_events import audit_records, student_pseudonym
from services.supervision.domain.audit_fhir import audit_bundle
from services.supervision.domain.incident import (
    Checked,
    IncidentReport,
    VerificationSummary,
    incident_report,
)

# What a reader is logged as having read (codes).
REPORT_READ = "incident_report"
AUDIT_EVENTS_READ = "audit_events"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "text/html; charset=utf-8" if self is ReportFormat.HTML else "application/pdf"


class RenderingUnavailable(RuntimeError):
    """The machine lacks what the report needs (a CJK font for a Chinese report): the
    message says what to install."""


class ReportRenderer(Protocol):
    def render(self, report: IncidentReport, language: Language,
               report_format: ReportFormat) -> bytes: ...


def verification_summary(verdict: Verdict) -> VerificationSummary:
    """The verdict as the report states it: each finding a line naming its event, the tail
    not yet in a checkpoint a note (it says how far, not that anything is wrong)."""
    return VerificationSummary(
        Checked.PASSED if verdict.ok() else Checked.FAILED,
        checked=verdict.events_checked, checkpoints=verdict.checkpoints_checked,
        findings=[f.line() for f in verdict.findings if f.kind not in INFO_KINDS],
        notes=[f.line() for f in verdict.findings if f.kind in INFO_KINDS])


class IncidentReports:
    """`verifier` None: no verifier key is pinned, so no checkpoint can be checked."""

    def __init__(self, trail: CaseTrail, store: SupervisionStore, thread: ApplicationThread,
                 renderer: ReportRenderer, school_timezone: tzinfo,
                 verifier: CaseVerifier | None) -> None:
        self.trail = trail
        self.school_timezone = school_timezone
        self.store = store
        self.thread = thread
        self.renderer = renderer
        self.verifier = verifier

    async def _read(self, case_id: UUID, what: str, *, purpose: str,
                    reader: EventMeta) -> Sequence[Envelope]:
        if not self.trail.caught_up:
            raise StillReplaying("supervision is still reading CASES from its start")
        envelopes = self.trail.envelopes(case_id)
        if not envelopes:
            raise CaseNotFound(f"CASES has no case {case_id}")
        await self.thread.run(self.store.read_list, what, [case_id], purpose=purpose,
                              reader=reader)
        return envelopes

    async def verification(self, case_id: UUID) -> VerificationSummary:
        """The case's events on the bus now, against the signed checkpoints."""
        if self.verifier is None:
            return VerificationSummary(Checked.NO_KEY)
        try:
            return verification_summary(await self.verifier.verify(case_id))
        except VerificationUnavailable:
            return VerificationSummary(Checked.UNREADABLE)

    async def report(self, case_id: UUID, as_of: datetime, language: Language,
                     report_format: ReportFormat, *, purpose: str, reader: EventMeta) -> bytes:
        """The case's incident report as the record stood at `as_of`, with the verification
        of its events as the bus has them now."""
        envelopes = await self._read(case_id, REPORT_READ, purpose=purpose, reader=reader)
        verification = await self.verification(case_id)
        report = incident_report(case_id, envelopes, as_of=as_of, verification=verification,
                                 school_timezone=self.school_timezone)
        # Rendering takes seconds (fonts, the chart): off the event loop, and off the
        # application's thread, which logs the other readers' reads meanwhile.
        return await asyncio.to_thread(self.renderer.render, report, language, report_format)

    async def audit_events(self, case_id: UUID, as_of: datetime, *, purpose: str,
                           reader: EventMeta) -> dict[str, Any]:
        """Who saw the case and who was told, as FHIR R4 AuditEvents in a Bundle."""
        envelopes = await self._read(case_id, AUDIT_EVENTS_READ, purpose=purpose,
                                     reader=reader)
        shown = [e for e in envelopes if e.recorded_at <= as_of]
        return audit_bundle(case_id, student_pseudonym(shown), audit_records(shown), at=as_of)
