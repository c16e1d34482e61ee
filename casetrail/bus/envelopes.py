"""From a stored domain event to the envelope the bus carries: an explicit allow-list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import DomainEvent, DomainEventProtocol

from casetrail import idempotency
from casetrail.kernel import EventMeta, ReadLogged
from contracts.envelope import Actor, Envelope
from contracts.events.base import CaseViewed, EventData

# Fixed namespace: the same stored event always gets the same event id, on every re-publish.
EVENT_ID_NAMESPACE = UUID("4e1d2a6c-5b0f-4a53-9a0e-6f0c2b7d9e11")

DataOf = Callable[[Any], EventData]


def event_id_of(service: str, originator_id: UUID, originator_version: int) -> UUID:
    return uuid5(EVENT_ID_NAMESPACE, f"{service}/{originator_id}/{originator_version}")


class UnpublishedEvent(TypeError):
    """A domain event with no decision on whether, and how, it goes on the bus."""


class PublishedEvents:
    """Which domain events a service publishes, and the only data of each that leaves it.

    Every domain event class must be listed: either with a function building its contract
    data (ids and codes), or as internal. A new event class therefore cannot leak fields by
    default; the relay stops on it instead.
    """

    def __init__(self, service: str, published: Mapping[type[Any], DataOf],
                 internal: frozenset[type[Any]] = frozenset()) -> None:
        self.service = service
        # Reads are part of every service's trail (who read which case, and why).
        self.published: dict[type[Any], DataOf] = {ReadLogged.Viewed: _viewed, **published}
        # A service's record of its clients' Idempotency-Keys stays in its store.
        self.internal = internal | idempotency.INTERNAL_EVENTS

    def envelope(self, event: DomainEventProtocol[UUID]) -> Envelope | None:
        kind = type(event)
        if kind in self.internal:
            return None
        try:
            data_of = self.published[kind]
        except KeyError:
            raise UnpublishedEvent(f"{kind.__qualname__} is neither published nor internal") \
                from None
        assert isinstance(event, DomainEvent)
        data = data_of(event)
        meta: EventMeta = event.meta  # type: ignore[attr-defined]
        return Envelope(
            event_id=event_id_of(self.service, event.originator_id, event.originator_version),
            case_id=event.originator_id,
            service=self.service,
            type=type(data).__name__,
            version=data.VERSION,
            occurred_at=meta.occurred_at,
            recorded_at=event.timestamp,
            actor=Actor(role=meta.actor_role, id=meta.actor_id),
            correlation_id=meta.correlation_id,
            causation_id=meta.causation_id,
            data=data.model_dump(mode="json"),
        )


def _viewed(event: ReadLogged.Viewed) -> CaseViewed:
    return CaseViewed(purpose=event.purpose)
