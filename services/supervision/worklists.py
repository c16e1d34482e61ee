"""The crisis team's worklist, its live changes and a case's timeline, answered from CASES
as supervision reads it (ids, codes and times); each read of cases is logged in
supervision's store before it is answered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from casetrail.kernel import CaseNotFound, EventMeta
from casetrail.worker import ApplicationThread
from contracts.envelope import Envelope
from contracts.worklist import WorklistChange
from services.supervision.application import CaseTrail, StillReplaying, SupervisionStore
from services.supervision.domain.standings import CaseStandings, StandingBook
from services.supervision.domain.worklist import Worklist
from services.supervision.domain.worklist_rules import State, WorkLine, worklist

# What the read log names each read.
WORKLIST_READ = "worklist"
TIMELINE_READ = "case_timeline"


class PositionedTrail(CaseTrail, Protocol):
    """CASES by case, each envelope with its stream position."""

    def positioned(self, case_id: UUID) -> Sequence[tuple[int, Envelope]]: ...


class Changes:
    """One reader's live changes, in a bounded queue. A reader that falls `size` changes
    behind is closed (a None), not skipped past: the console reads the worklist afresh when
    it reconnects, where dropping the oldest would lose a change without a sign."""

    def __init__(self, may_see: Callable[[UUID], bool], size: int) -> None:
        self.may_see = may_see
        self.queue: asyncio.Queue[WorklistChange | None] = asyncio.Queue(size)
        self.closed = False

    def offer(self, change: WorklistChange) -> None:
        if self.closed or not self.may_see(change.case_id):
            return
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            self.closed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def next(self) -> WorklistChange | None:
        """The next change, or None once the reader fell behind."""
        return await self.queue.get()


class LiveCases:
    """The worklist and who stands to each case, folded from CASES as the replica reads it
    (`take` is its follower, on the loop that serves the API), and the readers following
    its changes."""

    def __init__(self, school: str | None, *, queue_size: int = 256,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.queue_size = queue_size
        self.now = now
        self.worklist = Worklist()
        self.standings = CaseStandings()
        self.book = StandingBook(self.standings, school, now)
        self.subscribers: set[Changes] = set()

    def take(self, envelope: Envelope, position: int) -> None:
        """The next envelope of CASES: who stands to the case first, so that a reader
        assigned by it sees the change it makes."""
        self.standings.apply(envelope)
        self.worklist.apply(envelope, position)
        change = WorklistChange(case_id=envelope.case_id, position=position)
        for changes in list(self.subscribers):
            changes.offer(change)


class Worklists:
    """The team's reads of the live cases; each read of cases logged in the store."""

    def __init__(self, trail: PositionedTrail, live: LiveCases, store: SupervisionStore,
                 thread: ApplicationThread, zone: ZoneInfo) -> None:
        self.trail = trail
        self.live = live
        self.store = store
        self.thread = thread
        self.zone = zone

    def ready(self) -> None:
        """StillReplaying until the replica has read CASES to its end since the start."""
        if not self.trail.caught_up:
            raise StillReplaying("supervision is still reading CASES from its start")

    async def listed(self, visible: Callable[[Sequence[WorkLine]], list[WorkLine]], *,
                     state: State | None, tier: str | None, turn: str | None, limit: int,
                     purpose: str, reader: EventMeta) -> tuple[datetime, list[WorkLine]]:
        """The first `limit` of the cases `visible` keeps, the most urgent first, as they
        stand now; the read of those shown is logged first."""
        self.ready()
        now = self.live.now()
        # On the loop the replica feeds: a consistent cut of the worklist.
        lines = worklist(self.live.worklist.items.values(), now, self.zone, state=state,
                         tier=tier, turn=turn)
        shown = visible(lines)[:limit]
        await self.thread.run(self.store.read_list, WORKLIST_READ,
                              [line.case_id for line in shown], purpose=purpose,
                              reader=reader)
        return now, shown

    async def timeline(self, case_id: UUID, *, purpose: str,
                       reader: EventMeta) -> Sequence[tuple[int, Envelope]]:
        """The case's events on CASES in stream order; the read is logged first."""
        self.ready()
        events = self.trail.positioned(case_id)
        if not events:
            raise CaseNotFound(f"CASES has no case {case_id}")
        await self.thread.run(self.store.read_list, TIMELINE_READ, [case_id],
                              purpose=purpose, reader=reader)
        return events

    @contextmanager
    def changes(self, may_see: Callable[[UUID], bool]) -> Iterator[Changes]:
        """The changes of the cases `may_see` lets through, from now until left."""
        self.ready()
        changes = Changes(may_see, self.live.queue_size)
        self.live.subscribers.add(changes)
        try:
            yield changes
        finally:
            self.live.subscribers.discard(changes)
