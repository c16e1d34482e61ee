"""The shared kernel of the domains: what every domain event records besides its own facts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail import tracing
from casetrail.snapshots import StateSnapshot

if TYPE_CHECKING:
    from contracts.envelope import Envelope

# Fixed namespace: the same stored event always gets the same event id, on every re-publish.
EVENT_ID_NAMESPACE = UUID("4e1d2a6c-5b0f-4a53-9a0e-6f0c2b7d9e11")


def event_id_of(service: str, originator_id: UUID, originator_version: int) -> UUID:
    """The id a stored event carries on the bus."""
    return uuid5(EVENT_ID_NAMESPACE, f"{service}/{originator_id}/{originator_version}")


@dataclass(frozen=True)
class EventMeta:
    """Who caused an event, in answer to what, and when it happened in the world."""

    actor_role: str
    actor_id: str
    correlation_id: UUID
    causation_id: UUID | None
    occurred_at: datetime
    # The trace of the work that made it (telemetry only, never read to decide anything):
    # the relay, maybe in another process, publishes the event as part of that trace.
    traceparent: str | None = field(default_factory=tracing.current_traceparent)

    @classmethod
    def by(cls, role: str, actor_id: str, *, occurred_at: datetime | None = None,
           correlation_id: UUID | None = None) -> EventMeta:
        """A person's or client's command, starting a new chain unless one is given."""
        return cls(role, actor_id, correlation_id or uuid4(), None,
                   occurred_at or datetime.now(UTC))

    def caused(self, causation_id: UUID, *, occurred_at: datetime | None = None,
               role: str | None = None, actor_id: str | None = None) -> EventMeta:
        """Metadata of an event that follows from another one in the same chain."""
        return replace(self, causation_id=causation_id,
                       occurred_at=occurred_at or datetime.now(UTC),
                       traceparent=tracing.current_traceparent() or self.traceparent,
                       actor_role=role or self.actor_role,
                       actor_id=actor_id or self.actor_id)


def following(envelope: Envelope, service: str) -> EventMeta:
    """Metadata for what a service does in answer to an upstream event."""
    return EventMeta(actor_role="system", actor_id=service,
                     correlation_id=envelope.correlation_id, causation_id=envelope.event_id,
                     occurred_at=envelope.occurred_at)


def following_latest(aggregate: Aggregate, service: str, meta: EventMeta, *,
                     role: str | None = None, actor_id: str | None = None) -> EventMeta:
    """Metadata of what the aggregate's latest event (just triggered) causes: the same chain
    and moment, with that event's bus id as the cause."""
    return meta.caused(event_id_of(service, aggregate.id, aggregate.version),
                       occurred_at=meta.occurred_at, role=role, actor_id=actor_id)


class CaseRuleViolated(Exception):
    """An action that does not fit the case's state (HTTP 409), with the reason."""


class CaseNotFound(LookupError):
    """No case with that id in this service's store (HTTP 404)."""


@dataclass(frozen=True)
class ContractProblem:
    """Where an event's data breaks its bus contract, and which rule: never the value."""

    field: str
    rule: str


class EventNotPublishable(ValueError):
    """An event its service's bus contract refuses: it must not be stored (HTTP 422, a
    dead-lettered message), since the relay could never publish it and would stop there."""

    def __init__(self, event_type: str, problems: tuple[ContractProblem, ...]) -> None:
        self.event_type = event_type
        self.problems = problems
        super().__init__(f"{event_type} breaks its bus contract: "
                         + "; ".join(f"{p.field}: {p.rule}" for p in problems))


# What of a case a read showed, when it is not the whole record (a code).
WHOLE_RECORD = "case_record"
# A read of the service's part of a case as it stood at a time (the auditor's replay).
CASE_STATE = "case_state"


class ReadLogged(Aggregate):
    """A case record that a person reads (casetrail.case_read.CaseRead logs each read).

    Stores written before reads had an aggregate of their own hold them as the case's own
    `Viewed` events: they still load (changing nothing) and are still relayed."""

    # A long-lived record: its snapshots carry its state, dicts keyed by ids included.
    Snapshot = StateSnapshot

    class Viewed(Aggregate.Event):
        purpose: str
        meta: EventMeta
        # Reads stored before it was kept were of the whole record.
        what: str = WHOLE_RECORD


READS_NAMESPACE = UUID("0b6f6d1e-2f4a-4c55-8d1c-5a7e3b9f2c40")


class ListReads(Aggregate):
    """One person's reads of lists of cases in one service on one day: which list, which
    cases it showed, and why. Kept by the service for the auditor, not on the bus (a list
    is not one case's)."""

    @staticmethod
    def create_id(service: str, reader_id: str, day: str) -> UUID:
        return uuid5(READS_NAMESPACE, f"{service}/{reader_id}/{day}")

    class Started(Aggregate.Created):
        service: str
        reader_id: str
        day: str

    @event(Started)
    def __init__(self, service: str, reader_id: str, day: str) -> None:
        self.service = service

    class Read(Aggregate.Event):
        listed: str
        case_ids: list[UUID]
        purpose: str
        meta: EventMeta

    @event(Read)
    def record_read(self, listed: str, case_ids: list[UUID], purpose: str,
                    meta: EventMeta) -> None:
        """Nothing changes but the trail: who saw which cases listed, when, and why."""
