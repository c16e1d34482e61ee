"""eventsourcing-sqlalchemy's recorders with their hot statements in SQLAlchemy Core.

The library builds each statement through the ORM (a Query, records added to the session
and flushed, a tracking check in a transaction of its own): about a millisecond a statement,
several per commit, which was most of what a service spends handling a message. The same
statements in Core, on the same tables, in the same transaction: the rows, the order of
notification ids (the table lock on PostgreSQL is kept) and the errors are the library's.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from sqlalchemy import Table, func, insert, select, update
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

    def _insert_tracking(self, session: Session, tracking: Tracking) -> None:
        # One row per name, only ever moved forward (eventsourcing's single-row tracking):
        # the check in the commit's own transaction, not in one of its own.
        table = self.tracking_table
        held = session.execute(select(table.c.notification_id).where(
            table.c.application_name == tracking.application_name)).scalar()
        if held is not None and held >= tracking.notification_id:
            raise IntegrityError(f"{tracking.application_name} is at {held}")
        if held is None:
            session.execute(insert(table).values(
                application_name=tracking.application_name,
                notification_id=tracking.notification_id))
        else:
            session.execute(update(table)
                            .where(table.c.application_name == tracking.application_name)
                            .values(notification_id=tracking.notification_id))


class LeanAggregateRecorder(SQLAlchemyAggregateRecorder):
    """An aggregate's events in order (and the snapshots, which every load looks up first),
    and the events half of the one below."""

    @property
    def _events(self) -> Table:
        table: Table = self.events_record_cls.__table__
        return table

    def select_events(self, originator_id: UUID | str, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> list[StoredEvent]:
        table = self._events
        version = table.c.originator_version
        query = select(table.c.originator_id, version, table.c.topic, table.c.state).where(
            table.c.originator_id == originator_id)
        if gt is not None:
            query = query.where(version > gt)
        if lte is not None:
            query = query.where(version <= lte)
        query = query.order_by(version.desc() if desc else version)
        if limit is not None:
            query = query.limit(limit)
        with self.transaction(commit=False) as session:
            return [StoredEvent(originator_id=row[0], originator_version=row[1],
                                topic=row[2], state=_state(row[3]))
                    for row in session.execute(query)]


class LeanProcessRecorder(LeanTrackingRecorder, LeanAggregateRecorder,
                          SQLAlchemyProcessRecorder):
    """A service's events, notification log and handled marks."""

    def _insert_stored_events(self, session: Session, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> Sequence[int]:
        if not stored_events:
            return []
        table = self._events
        self._lock_table(session)
        ids = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
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
