"""The crisis team's worklist over HTTP: the cases the reader may see, the most urgent first;
their live changes as server-sent events; a case's timeline from CASES."""

# Without `from __future__ import annotations`: FastAPI reads the routes' annotations,
# which name the locals of `worklist_routes`.
import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, FastAPI, HTTPException, Query, Security
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.sse import EventSourceResponse, ServerSentEvent

from casetrail.http import DEFAULT_PURPOSE, Purpose
from casetrail.identity.access import BEARER, AccessMatrix, CaseRelations
from casetrail.identity.principal import Principal
from casetrail.identity.tokens import expires_at
from contracts.codes import Tier
from contracts.worklist import (
    CaseTimeline,
    TimelineEvent,
    Worklist,
    WorklistEntry,
)
from services.supervision.application import StillReplaying
from services.supervision.domain.worklist_rules import Turn, WorkLine
from services.supervision.worklists import Worklists

REPLAYING: dict[int | str, dict[str, Any]] = {503: {
    "description": "supervision is still reading CASES from its start; retry"}}
# How long a browser's EventSource waits before it connects again (milliseconds).
RECONNECT_MS = 3000


def still_replaying(replaying: StillReplaying) -> HTTPException:
    return HTTPException(503, str(replaying), headers={"Retry-After": "1"})


# The wire's names of the fields the rules name more briefly.
WIRE_NAMES = {"acknowledge_by": "guardian_acknowledge_by", "awaiting": "referrals_awaiting",
              "soonest": "soonest_deadline"}


def entry(line: WorkLine) -> WorklistEntry:
    return WorklistEntry.model_validate(
        {WIRE_NAMES.get(name, name): value for name, value in asdict(line).items()})


@dataclass(frozen=True)
class Pace:
    """How often a stream of changes says it is alive (and checks the token's expiry), and
    how long it lasts at most (None: until the token expires)."""

    heartbeat_seconds: float = 15.0
    stream_seconds: float | None = None


def worklist_routes(api: FastAPI, access: AccessMatrix, worklists: Worklists,
                    book: CaseRelations, pace: Pace) -> None:
    may = access["read_worklist"]

    def replayed() -> None:
        # Asked before the stream starts: once it has, no status can be answered.
        try:
            worklists.ready()
        except StillReplaying as replaying:
            raise still_replaying(replaying) from None

    @api.get("/worklist", responses=REPLAYING)
    async def read_worklist(
            reader: Annotated[Principal, access.depends("read_worklist")],
            state: Literal["open", "closed", "all"] = "open",
            tier: Tier | Literal["undecided"] | None = None,
            turn: Turn | None = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 200,
            purpose: Purpose = DEFAULT_PURPOSE) -> Worklist:
        """The cases you may see (a teacher: those assigned to her), the most urgent first:
        open before closed, a higher tier, a deadline passed, the soonest deadline, the
        oldest detection. Ids, codes and times only; the read of those shown is logged."""
        def visible(lines: Sequence[WorkLine]) -> list[WorkLine]:
            return may.visible_items(book, reader, lines, lambda line: line.case_id)

        try:
            now, lines = await worklists.listed(
                visible, state=None if state == "all" else state, tier=tier, turn=turn,
                limit=limit, purpose=purpose, reader=reader.meta())
        except StillReplaying as replaying:
            raise still_replaying(replaying) from None
        return Worklist(as_of=now, items=[entry(line) for line in lines])

    @api.get("/worklist/changes", response_class=EventSourceResponse, responses=REPLAYING)
    async def worklist_changes(
            reader: Annotated[Principal, access.depends("read_worklist")],
            credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
            _: Annotated[None, Depends(replayed)]) -> AsyncIterator[ServerSentEvent]:
        """`event: changed`, `data: {"case_id", "position"}` each time CASES brings an event
        of a case you may see; a comment every 15 s. It ends when your token expires
        (`event: expired`), when you fall 256 changes behind, or after the longest a stream
        lasts if the deployment sets one: then connect again and read `/worklist` afresh."""
        assert credentials is not None, "the gate lets no one in without a token"
        expires = expires_at(credentials.credentials)
        loop = asyncio.get_running_loop()

        def may_see(case_id: UUID) -> bool:
            return bool(may.visible(book, reader, [case_id]))

        with worklists.changes(may_see) as changes:
            yield ServerSentEvent(retry=RECONNECT_MS, comment="worklist changes")
            beat = loop.time() + pace.heartbeat_seconds
            end = loop.time() + (pace.stream_seconds or float("inf"))
            while loop.time() < end:
                if loop.time() >= beat:
                    if expires is not None and datetime.now(UTC) >= expires:
                        yield ServerSentEvent(event="expired", data={
                            "detail": "the token has expired: sign in again"})
                        return
                    yield ServerSentEvent(comment="heartbeat")
                    beat = loop.time() + pace.heartbeat_seconds
                try:
                    async with asyncio.timeout(min(beat, end) - loop.time()):
                        change = await changes.next()
                except TimeoutError:
                    continue
                if change is None:
                    return  # fell behind: the console reads the worklist afresh
                yield ServerSentEvent(event="changed", data=change)

    @api.get("/cases/{case_id}/timeline", responses=REPLAYING)
    async def case_timeline(case_id: UUID,
                            reader: Annotated[Principal, access.depends("read_timeline")],
                            purpose: Purpose = DEFAULT_PURPOSE) -> CaseTimeline:
        """The case's events as CASES has them, in stream order: service, type, when, who
        (role and id), position and the event's data as on the bus (codes and ids). The
        read is logged."""
        try:
            events = await worklists.timeline(case_id, purpose=purpose, reader=reader.meta())
        except StillReplaying as replaying:
            raise still_replaying(replaying) from None
        return CaseTimeline(case_id=case_id, events=[TimelineEvent(
            position=position, event_id=e.event_id, service=e.service, type=e.type,
            version=e.version, occurred_at=e.occurred_at, recorded_at=e.recorded_at,
            actor=e.actor, data=e.data) for position, e in events])
