"""eventsourcing-sqlalchemy's recorders with their hot statements in SQLAlchemy Core.

The library builds each statement through the ORM (a Query, records added to the session
and flushed, a tracking check in a transaction of its own): about a millisecond a statement,
several per commit, which was most of what a service spends handling a message. The same
statements in Core, on the same tables, in the same transaction: the rows, the order of
notification ids (the table lock on PostgreSQL is kept) and the errors are the library's.
The statements a commit or a load runs are built once, with bound parameters: building one
(and its cache key) cost more than SQLite took to run it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, StoredEvent, Tracking
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore, TEventRecord
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyAggregateRecorder,
    SQLAlchemyProcessRecorder,
    SQLAlchemyTrackingRecorder,
)
from sqlalchemy import Insert, Select, Table, Update, bindparam, func, insert, select, update
from sqlalchemy.orm import Session


def _state(value: bytes | memoryview) -> bytes:
    return bytes(value) if isinstance(value, memoryview) else value


class LeanTrackingRecorder(SQLAlchemyTrackingRecorder):
    """A store of positions (the relay's), and the tracking half of the one below."""

    def max_tracking_id(self, application_name: str) -> int | None:
        table = self.tracking_table
        with self.transaction(commit=False) as session:
            found: int | None = session.execute(
                select(func.max(table.c.notification_id))
                .where(table.c.application_name == application_name)).scalar()
        return found

    def max_tracking_ids(self, names: Sequence[str]) -> dict[str, int]:
        """The number saved under each of the names that has one, in one statement."""
        table = self.tracking_table
        with self.transaction(commit=False) as session:
            return {name: number for name, number in session.execute(
                select(table.c.application_name, func.max(table.c.notification_id))
                .where(table.c.application_name.in_(names))
                .group_by(table.c.application_name))}

    @cached_property
    def _held(self) -> Select[tuple[int]]:
        table = self.tracking_table
        return select(table.c.notification_id).where(
            table.c.application_name == bindparam("name"))

    @cached_property
    def _moved(self) -> Update:
        table = self.tracking_table
        return (update(table).where(table.c.application_name == bindparam("name"))
                .values(notification_id=bindparam("position")))

    @cached_property
    def _first(self) -> Insert:
        table = self.tracking_table
        return insert(table).values(application_name=bindparam("name"),
                                    notification_id=bindparam("position"))

    def _insert_tracking(self, session: Session, tracking: Tracking) -> None:
        # One row per name, only ever moved forward (eventsourcing's single-row tracking):
        # the check in the commit's own transaction, not in one of its own.
        name = tracking.application_name
        held = session.execute(self._held, {"name": name}).scalar()
        if held is not None and held >= tracking.notification_id:
            raise IntegrityError(f"{name} is at {held}")
        session.execute(self._first if held is None else self._moved,
                        {"name": name, "position": tracking.notification_id})


class LeanAggregateRecorder(SQLAlchemyAggregateRecorder):
    """An aggregate's events in order (and the snapshots, which every load looks up first),
    and the events half of the one below."""

    # Told of each aggregate about to be read (a service's saves waiting to be committed
    # together go in first: casetrail.store.ServiceApplication).
    before_reading: Callable[[UUID | str], None] | None = None

    @property
    def _events(self) -> Table:
        table: Table = self.events_record_cls.__table__
        return table

    @cached_property
    def _event_queries(self) -> dict[tuple[bool, bool, bool, int | None], Select[Any]]:
        return {}

    def _event_query(self, gt: bool, lte: bool, desc: bool,
                     limit: int | None) -> Select[Any]:
        """The query of one aggregate's events of that shape (bounds given or not, order,
        limit), built on first use."""
        shape = (gt, lte, desc, limit)
        if (query := self._event_queries.get(shape)) is None:
            table = self._events
            version = table.c.originator_version
            query = select(table.c.originator_id, version, table.c.topic,
                           table.c.state).where(table.c.originator_id == bindparam("id"))
            if gt:
                query = query.where(version > bindparam("gt"))
            if lte:
                query = query.where(version <= bindparam("lte"))
            query = query.order_by(version.desc() if desc else version)
            if limit is not None:
                query = query.limit(limit)
            self._event_queries[shape] = query
        return query

    def select_events(self, originator_id: UUID | str, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> list[StoredEvent]:
        if self.before_reading is not None:
            self.before_reading(originator_id)
        query = self._event_query(gt is not None, lte is not None, desc, limit)
        with self.transaction(commit=False) as session:
            return [StoredEvent(originator_id=row[0], originator_version=row[1],
                                topic=row[2], state=_state(row[3]))
                    for row in session.execute(query, {"id": originator_id, "gt": gt,
                                                       "lte": lte})]


class LeanProcessRecorder(LeanTrackingRecorder, LeanAggregateRecorder,
                          SQLAlchemyProcessRecorder):
    """A service's events, notification log and handled marks."""

    @cached_property
    def _events_insert(self) -> Insert:
        table = self._events
        return insert(table).returning(table.c.id, sort_by_parameter_order=True)

    def _insert_stored_events(self, session: Session, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        self._lock_table(session)
        ids = session.execute(
            self._events_insert,
            [{"originator_id": e.originator_id, "originator_version": e.originator_version,
              "topic": e.topic, "state": e.state} for e in stored_events]).scalars().all()
        self._notify_channel(session)
        return list(ids)

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> list[Notification]:
        table = self._events
        query = select(table.c.id, table.c.originator_id, table.c.originator_version,
                       table.c.topic, table.c.state)
        if start is not None:
            query = query.where(table.c.id >= start if inclusive_of_start
                                else table.c.id > start)
        if stop is not None:
            query = query.where(table.c.id <= stop)
        if topics:
            query = query.where(table.c.topic.in_(topics))
        query = query.order_by(table.c.id).limit(limit)
        with self.transaction(commit=False) as session:
            return [Notification(id=row[0], originator_id=row[1], originator_version=row[2],
                                 topic=row[3], state=_state(row[4]))
                    for row in session.execute(query)]

    def max_notification_id(self) -> int | None:
        table = self._events
        with self.transaction(commit=False) as session:
            found: int | None = session.execute(select(func.max(table.c.id))).scalar()
        return found


class Datastore(SQLAlchemyDatastore):
    """Each table's record class named after its table: the library names every tracking
    table's class alike, which SQLAlchemy warns of in a process with two (a service's marks
    and its relay's position). Pooled connections are pinged before use: after a database
    restart or a cut connection only the statements then in flight fail, not each stale
    connection of the pool once more (the library has no setting for it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"pool_pre_ping": True, **kwargs})

    @classmethod
    def define_record_class(cls, cls_name: str, table_name: str, schema_name: str | None,
                            base_cls: type[TEventRecord]) -> type[TEventRecord]:
        return super().define_record_class(f"{cls_name}_{table_name}", table_name,
                                           schema_name, base_cls)


class Factory(SQLAlchemyFactory):
    datastore_class = Datastore
    aggregate_recorder_class = LeanAggregateRecorder
    tracking_recorder_class = LeanTrackingRecorder
    process_recorder_class = LeanProcessRecorder
