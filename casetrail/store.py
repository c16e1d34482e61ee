"""Event stores through eventsourcing-sqlalchemy: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import sqlalchemy.exc
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEvent, DomainEventProtocol
from eventsourcing.persistence import (
    InfrastructureFactory,
    InterfaceError,
    JSONTranscoder,
    Mapper,
    OperationalError,
    ProcessRecorder,
    Tracking,
    TrackingRecorder,
    Transcoding,
)
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import Transaction
from sqlalchemy import make_url
from sqlalchemy.engine import Engine

from casetrail import idempotency, tracing
from casetrail.case_read import CaseRead
from casetrail.identity.case_access import CaseAccess, Standing
from casetrail.kernel import (
    CASE_STATE,
    WHOLE_RECORD,
    CaseNotFound,
    EventMeta,
    ListReads,
    ReadLogged,
)
from casetrail.recorders import LeanProcessRecorder
from casetrail.snapshots import state_transcodings

log = logging.getLogger(__name__)

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound=ReadLogged)

# Notifications read at a time while a read model catches up with the store.
READ_MODEL_PAGE = 1000
# Events between two snapshots of a long-lived aggregate: loading it replays fewer than this
# after its latest snapshot.
SNAPSHOT_INTERVAL = 50


def snapshotted(*kinds: type[Aggregate]) -> dict[type[Any], int]:
    """A service's snapshotting intervals: its long-lived aggregates' and the chassis'
    (a reader's day of list reads)."""
    return {ListReads: SNAPSHOT_INTERVAL, **dict.fromkeys(kinds, SNAPSHOT_INTERVAL)}


class ReadModel(Protocol):
    """A view kept from the events (a service's board): it takes them in order, once each."""

    def apply(self, events: Iterable[Any]) -> None: ...


M = TypeVar("M", bound=ReadModel)

# A check every new event must pass before it is stored (its bus contract, given by the
# service's bootstrap); it raises to refuse the event, and with it the whole commit.
EventCheck = Callable[[DomainEventProtocol[UUID]], object]


# The store not answering (a cut connection, a restart, a lock held too long): the same
# request or message later may well succeed.
STORE_UNREACHABLE = (OperationalError, InterfaceError, sqlalchemy.exc.OperationalError,
                     sqlalchemy.exc.InterfaceError)


class CommitFailed(Exception):
    """A save while committing together, after a commit of the saves before it failed."""


def store_env(*, url: str, schema: str | None = None,
              cipher_key: str | None = None) -> dict[str, str]:
    """eventsourcing settings for one store URL (`sqlite:///…` or `postgresql+psycopg://…`)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if schema:
        # A search path, not SQLALCHEMY_SCHEMA: eventsourcing-sqlalchemy 1.0.1's process
        # recorder drops the schema for its events table (it lands in `public`).
        url = make_url(url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    env = {"PERSISTENCE_MODULE": "casetrail.recorders:Factory", "SQLALCHEMY_URL": url}
    if cipher_key:
        # AES-GCM at rest for event state; ids and topics stay readable (eventsourcing design).
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = cipher_key
    return env


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EventMetaAsDict(Transcoding):
    type = EventMeta
    name = "event_meta"

    def encode(self, obj: EventMeta) -> dict[str, Any]:
        encoded = {
            "actor_role": obj.actor_role,
            "actor_id": obj.actor_id,
            "correlation_id": str(obj.correlation_id),
            "causation_id": str(obj.causation_id) if obj.causation_id else None,
            "occurred_at": obj.occurred_at.isoformat(),
        }
        if obj.traceparent:  # only while tracing: events stored without it read the same
            encoded["traceparent"] = obj.traceparent
        return encoded

    def decode(self, data: dict[str, Any]) -> EventMeta:
        causation = data["causation_id"]
        return EventMeta(
            actor_role=data["actor_role"],
            actor_id=data["actor_id"],
            correlation_id=UUID(data["correlation_id"]),
            causation_id=UUID(causation) if causation else None,
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            traceparent=data.get("traceparent"),
        )


class ServiceApplication(Application[UUID]):
    """An eventsourcing Application whose saves can carry the mark of the upstream event they
    answer (casetrail.bus.inbox.handled_mark).

    Saving that tracking row in the same transaction as the new events is what makes a
    redelivered or replayed message cause nothing twice. Its long-lived aggregates
    (`snapshotting_intervals`) are snapshotted once their events are committed.

    Within `committing_together` (a batch of messages) the saves wait and go into the store
    in one transaction at `commit_pending`: one commit, not one per message. A read of an
    aggregate or a mark that has a save waiting commits the waiting saves first, so every
    handler sees what the ones before it did, as if each had committed its own.
    """

    # The saves waiting for `commit_pending`, while committing together; None otherwise.
    _pending: list[tuple[Sequence[DomainEventProtocol[UUID]], Tracking | None]] | None = None
    # The read-only transaction a batch's reads share (eventsourcing-sqlalchemy's).
    _reading: Transaction | None = None
    # The marks a batch looked up at once (`know_handled`), kept as its commits save them.
    _known_marks: dict[str, int | None] | None = None
    # How many times `commit_pending` stored what waited, and whether one failed.
    commits_together = 0
    failed_together = False

    snapshotting_intervals = snapshotted()
    # The dataclasses the state of its snapshotted aggregates holds (nested ones found).
    state_dataclasses: ClassVar[tuple[type[Any], ...]] = ()

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        # Called (on the application thread) with the events of each commit that added some.
        self.on_commit: list[Callable[[Sequence[DomainEventProtocol[UUID]]], None]] = []
        self.checks: list[EventCheck] = []
        # Event classes no check looks at (those that never leave the service): not read
        # back for the checks, which for a screening's batch of rows cost as much as storing.
        self.unchecked: frozenset[type[Any]] = frozenset()
        # Aggregates whose new events go into the next save (`saving_along`).
        self._along: tuple[Aggregate, ...] = ()
        # (aggregate id, version) of the snapshots to take once their events are committed.
        self._snapshots_due: set[tuple[UUID, int]] = set()

    def construct_recorder(self) -> ProcessRecorder:
        recorder = self.factory.process_recorder()
        if isinstance(recorder, LeanProcessRecorder):
            recorder.before_reading = self._before_reading
        return recorder

    @property
    def _lean_recorder(self) -> LeanProcessRecorder:
        """The store's recorder (casetrail.recorders, as store_env names it)."""
        recorder = self.recorder
        assert isinstance(recorder, LeanProcessRecorder)
        return recorder

    def close(self) -> None:
        """Release the store's database connections: eventsourcing-sqlalchemy leaves its
        engine's pool open until the application is garbage-collected."""
        super().close()
        engine = getattr(getattr(self.factory, "datastore", None), "engine", None)
        if isinstance(engine, Engine):
            engine.dispose()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(EventMetaAsDict())
        for transcoding in state_transcodings(self.state_dataclasses):
            transcoder.register(transcoding)

    @property
    def process_recorder(self) -> ProcessRecorder:
        assert isinstance(self.recorder, ProcessRecorder)
        return self.recorder

    def record(self, *aggregates: Aggregate | None, tracking: Tracking | None = None) -> None:
        """Save the aggregates' new events, and the tracking position if given, atomically."""
        processing = ProcessingEvent[UUID](tracking)
        processing.collect_events(*aggregates, *self._along)
        self._along = ()
        self._check(processing.events)
        self._snapshots_due.update(self._due_for_snapshot(processing))
        # A keyed HTTP command's events are committed with its key and answer, in one go.
        keyed = idempotency.holding_request() if processing.events else None
        if keyed is not None and tracking is None:
            keyed.hold(processing.events, self._commit)
            return
        self._commit(processing.events, tracking)

    def _commit(self, events: Sequence[DomainEventProtocol[UUID]],
                tracking: Tracking | None = None) -> None:
        if self._pending is not None:
            if self.failed_together:
                raise CommitFailed(f"{self.name}: a commit of the saves before failed")
            self._pending.append((events, tracking))
            return
        self._store([(events, tracking)])

    def _store(self, saves: Sequence[tuple[Sequence[DomainEventProtocol[UUID]],
                                           Tracking | None]]) -> None:
        """The saves in one transaction, then their snapshots and the commit's listeners."""
        events = [event for part, _ in saves for event in part]
        recorder = self._lean_recorder
        with tracing.span("store commit", attributes={"casetrail.service": self.name,
                                                      "casetrail.events": len(events),
                                                      "casetrail.saves": len(saves)}):
            # Encrypted before the transaction, which on PostgreSQL locks the table.
            stored = [(list(map(self.mapper.to_stored_event, part)), tracking)
                      for part, tracking in saves]
            # Each insert joins this transaction (eventsourcing-sqlalchemy nests them).
            with recorder.transaction(commit=True):
                for part, tracking in stored:
                    recorder.insert_events(part, tracking=tracking)
        self._snapshot_committed(events)
        if events:
            for listener in self.on_commit:
                try:
                    listener(events)
                except Exception:
                    # Committed all the same: the others (a board, the relay's wake) still
                    # take the events, and the commit is not told as failed.
                    log.exception("%s: a listener failed on a commit", self.name)

    @contextlib.contextmanager
    def committing_together(self) -> Iterator[None]:
        """Within it (on the application thread), saves wait for `commit_pending`; what is
        still waiting when it ends is dropped, never stored. Once a commit of it failed,
        nothing more is saved in it (CommitFailed)."""
        if self._lean_recorder.before_reading is None:
            raise RuntimeError("committing together needs a store that tells of its reads")
        self._pending, self.failed_together = [], False
        try:
            self._begin_reading()
            yield
        finally:
            try:
                self._end_reading()
            finally:
                self._pending, self.failed_together, self._known_marks = None, False, None

    def _begin_reading(self) -> None:
        """The batch's reads in one read-only transaction of the store (each read would
        otherwise take a connection and roll back on its own), ended before each commit
        and begun again after it, so that every read sees what is committed."""
        reading = self._lean_recorder.transaction(commit=False)
        reading.__enter__()
        self._reading = reading

    def _end_reading(self) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            reading.__exit__(None, None, None)

    def pending_saves(self) -> int:
        return len(self._pending or ())

    def commit_pending(self) -> None:
        """Store the waiting saves together. If that fails none of them is stored, and they
        are no longer waiting: their messages are to be handled again."""
        if self.failed_together:
            raise CommitFailed(f"{self.name}: a commit of these saves failed already")
        if not self._pending:
            return
        saves, self._pending = self._pending, []
        self._end_reading()
        try:
            self._store(saves)
        except BaseException:
            self.failed_together = True
            raise
        finally:
            self._begin_reading()
        self.commits_together += 1
        if self._known_marks is not None:
            self._known_marks.update((tracking.application_name, tracking.notification_id)
                                     for _, tracking in saves if tracking is not None)

    def _before_reading(self, originator_id: UUID | str) -> None:
        if self._pending and any(event.originator_id == originator_id
                                 for part, _ in self._pending for event in part):
            self.commit_pending()

    @contextlib.contextmanager
    def saving_along(self, *aggregates: Aggregate) -> Iterator[None]:
        """Within it, the next save (on this, the application thread) also saves these
        aggregates' new events: what a handler notes besides its own work, in its commit."""
        self._along = aggregates
        try:
            yield
        finally:
            self._along = ()

    def _due_for_snapshot(self, processing: ProcessingEvent[UUID]) -> Iterator[tuple[UUID, int]]:
        """Each event that brings its aggregate to a multiple of its snapshotting interval."""
        for event in processing.events:
            aggregate = processing.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and event.originator_version % interval == 0:
                yield event.originator_id, event.originator_version

    def _snapshot_committed(self, events: Sequence[DomainEventProtocol[UUID]]) -> None:
        """The snapshots due at the events just committed (never before: a snapshot of
        events not stored would be a state the store never had)."""
        for event in events:
            due = (event.originator_id, event.originator_version)
            if due not in self._snapshots_due:
                continue
            self._snapshots_due.discard(due)
            try:
                self.take_snapshot(*due)
            except Exception:
                # The events are stored: a case without its snapshot only loads slower.
                log.exception("%s took no snapshot of %s at version %d", self.name, *due)

    @functools.cached_property
    def _transcoding(self) -> Mapper[UUID]:
        """The store's transcoding without its cipher and compressor: what the relay reads
        back, without encrypting each event twice per commit to find it out."""
        return Mapper(transcoder=self.mapper.transcoder)

    def _check(self, events: Sequence[DomainEventProtocol[UUID]]) -> None:
        """Each event passes every check as the relay will read it back from the store (after
        transcoding), or nothing of the commit is stored."""
        if not self.checks:
            return
        for event in events:
            if type(event) in self.unchecked:
                continue
            stored = self._transcoding.to_domain_event(self._transcoding.to_stored_event(event))
            for check in self.checks:
                check(stored)

    def keep_read_model(self, model: M) -> M:
        """The model, given every event in the store so far, and then each commit's events.

        Call it once per model, on first use (a cached property), so that a process that
        never asks for the model (the relay) never reads the whole store for it."""
        start = 1
        while notifications := self.recorder.select_notifications(start=start,
                                                                  limit=READ_MODEL_PAGE):
            model.apply(self.mapper.to_domain_event(n) for n in notifications)
            start = notifications[-1].id + 1
        self.on_commit.append(model.apply)
        return model

    def read_list(self, listed: str, case_ids: Sequence[UUID], *, purpose: str,
                  reader: EventMeta) -> None:
        """A person's read of a list of cases: logged (which cases, why) before it is
        answered, in the reader's log of the day."""
        day = reader.occurred_at.astimezone(UTC).date().isoformat()
        log_id = ListReads.create_id(self.name, reader.actor_id, day)
        try:
            log: ListReads = self.repository.get(log_id)
        except AggregateNotFoundError:
            log = ListReads(self.name, reader.actor_id, day)
        log.record_read(listed, list(case_ids), purpose, reader)
        self.record(log)

    def handled_as(self, name: str) -> int | None:
        """The number saved under a tracking name, if any (casetrail.bus.inbox's marks)."""
        if self._pending and any(tracking is not None and tracking.application_name == name
                                 for _, tracking in self._pending):
            self.commit_pending()
        if self._known_marks is not None and name in self._known_marks:
            return self._known_marks[name]
        return self.process_recorder.max_tracking_id(name)

    def know_handled(self, names: Sequence[str]) -> None:
        """While committing together: look the marks up at once, not one by one."""
        if self._pending is None:
            return
        found = self._lean_recorder.max_tracking_ids(names)
        self._known_marks = {name: found.get(name) for name in names}

    def get_case(self, case_id: UUID, kind: type[A]) -> A:
        try:
            aggregate: object = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFound(f"{self.name} has no case {case_id}") from None
        if not isinstance(aggregate, kind):
            raise CaseNotFound(f"{case_id} is not a case of {self.name}")
        return aggregate

    def case_standing(self, case_id: UUID) -> Standing | None:
        """Who stands to the case (need-to-know), as noted from intake's events; intake,
        which records them, answers from its cases themselves."""
        access = self.find_case(CaseAccess.create_id(case_id), CaseAccess)
        return access.standing() if access else None

    def find_case(self, case_id: UUID, kind: type[A]) -> A | None:
        try:
            return self.get_case(case_id, kind)
        except CaseNotFound:
            return None

    def read_case(self, case_id: UUID, kind: type[R], *, purpose: str, reader: EventMeta,
                  what: str = WHOLE_RECORD) -> R:
        """A person's read of a case record (or of the part `what` names): logged, as a
        CaseRead of its own, before it is answered."""
        aggregate = self.get_case(case_id, kind)
        self.record(CaseRead(case_id, purpose, reader, what))
        return aggregate

    def read_case_as_of(self, case_id: UUID, kind: type[R], as_of: datetime, *, purpose: str,
                        reader: EventMeta) -> R:
        """A person's read of the case as this store had it at `as_of` (recorded time: its
        events stored by then), logged as a read of the case as it stands now before it is
        answered; CaseNotFound if the store had no record of it yet."""
        self.read_case(case_id, kind, purpose=purpose, reader=reader, what=CASE_STATE)
        version = None
        for stored in self.events.get(case_id):
            assert isinstance(stored, DomainEvent)
            if stored.timestamp > as_of:
                break
            version = stored.originator_version
        if version is None:
            raise CaseNotFound(f"{self.name} had no case {case_id} at {as_of.isoformat()}")
        aggregate: object = self.repository.get(case_id, version=version)
        assert isinstance(aggregate, kind)
        return aggregate


def tracking_store(name: str, env: dict[str, str]) -> TrackingRecorder:
    """A store of positions only (the relay's), kept apart from the service's events."""
    return InfrastructureFactory.construct(Environment(name, env)).tracking_recorder()
