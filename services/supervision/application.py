"""Supervision's queries: a case replayed from CASES as it stood at a time, beside what each
service's own store says of it. Supervision only reads; its store logs who read what."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from casetrail.kernel import CaseNotFound, EventMeta
from casetrail.ledger.verification import Verdict
from casetrail.store import ServiceApplication
from casetrail.worker import ApplicationThread
from contracts.case_state import CaseTrailView, PartAnswer
from contracts.envelope import SERVICES, Envelope
from services.supervision.domain.case_state import case_state, up_to
from services.supervision.domain.comparison import differences
from services.supervision.domain.figure_sheet import FigureFormat
from services.supervision.domain.figures import Grouping, Period, SupervisionFigures


class CaseTrail(Protocol):
    """The envelopes of CASES, as the bus has them, by case (in stream order)."""

    @property
    def caught_up(self) -> bool: ...

    def envelopes(self, case_id: UUID) -> Sequence[Envelope]: ...


class ServiceStates(Protocol):
    """Each publishing service's own answer for its part of a case at a time, asked for with
    the reader's own credentials so that the service logs the read itself."""

    async def part(self, service: str, case_id: UUID, as_of: datetime,
                   credentials: str, purpose: str) -> PartAnswer: ...


class CaseVerifier(Protocol):
    """Every event of a case on CASES held against the services' signed checkpoints on
    CHECKPOINTS, whose own signatures (by pinned keys) and consistency are checked too: from
    the bus alone, no service's store compared. Raises VerificationUnavailable when the bus
    cannot be read."""

    async def verify(self, case_id: UUID) -> Verdict: ...


class VerificationUnavailable(RuntimeError):
    """CASES or CHECKPOINTS could not be read just now."""


class StillReplaying(RuntimeError):
    """The read side has not yet read CASES up to its end since it started."""


class SupervisionStore(ServiceApplication):
    """Supervision's own store: only its readers' reads (ListReads), nothing of any case."""

    name = "supervision"


# What a reader of a case's trail is logged as having read (a code).
TRAIL_READ = "case_trail"


class Supervision:
    """The auditor's questions, answered from the record alone."""

    def __init__(self, trail: CaseTrail, states: ServiceStates, store: SupervisionStore,
                 thread: ApplicationThread, school_timezone: ZoneInfo) -> None:
        self.trail = trail
        self.states = states
        self.store = store
        self.thread = thread
        self.school_timezone = school_timezone

    async def case_trail(self, case_id: UUID, as_of: datetime, *, purpose: str,
                         reader: EventMeta, credentials: str) -> CaseTrailView:
        """The case as CASES had it at `as_of`, its events up to then, and each service's
        own part beside it with where they differ; the read is logged before it is answered."""
        if not self.trail.caught_up:
            raise StillReplaying("supervision is still reading CASES from its start")
        envelopes = self.trail.envelopes(case_id)
        if not envelopes:
            raise CaseNotFound(f"CASES has no case {case_id}")
        await self.thread.run(self.store.read_list, TRAIL_READ, [case_id], purpose=purpose,
                              reader=reader)
        events = up_to(envelopes, as_of)
        state = case_state(case_id, events, as_of,
                           today=as_of.astimezone(self.school_timezone).date())
        answers = await asyncio.gather(*(
            self.states.part(service, case_id, as_of, credentials, purpose)
            for service in SERVICES))
        stores = dict(zip(SERVICES, answers, strict=True))
        return CaseTrailView(case_id=case_id, as_of=as_of, state=state, events=events,
                             stores=stores, differences=differences(state, stores))


class FigureFiles(Protocol):
    """The figures as a sheet file (CSV or XLSX)."""

    def __call__(self, figures: Mapping[str, Any], fmt: FigureFormat) -> bytes: ...


class SupervisorFigures:
    """The district's and the auditors' figures (督导), folded from CASES as it is read:
    counts, shares and times, never a case id or a name, so no read of a case is logged."""

    def __init__(self, trail: CaseTrail, model: SupervisionFigures,
                 districts: Mapping[str, str], files: FigureFiles) -> None:
        self.trail = trail
        self.model = model
        self.districts = districts
        self.files = files

    def take(self, envelope: Envelope, school: str) -> None:
        """The next envelope of `school`'s CASES, as the replica reads it."""
        self.model.apply(envelope, school)

    def figures(self, period: Period, by: Grouping) -> dict[str, Any]:
        if not self.trail.caught_up:
            raise StillReplaying("supervision is still reading CASES from its start")
        return self.model.figures(period, by, self.districts)

    async def figures_file(self, period: Period, by: Grouping, fmt: FigureFormat) -> bytes:
        figures = self.figures(period, by)  # on the loop the replica feeds: a consistent cut
        return await asyncio.to_thread(self.files, figures, fmt)
