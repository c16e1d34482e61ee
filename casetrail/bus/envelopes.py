"""From a stored domain event to the envelope the bus carries: an explicit allow-list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent, DomainEventProtocol
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from casetrail import idempotency
from casetrail.case_read import CaseRead
from casetrail.identity.case_access import CaseAccess
from casetrail.kernel import (
    ContractProblem,
    EventMeta,
    EventNotPublishable,
    ListReads,
    ReadLogged,
    event_id_of,
)
from casetrail.personal.erasure import Erasure
from contracts.codes import ErasureReason
from contracts.envelope import Actor, Envelope
from contracts.events.base import CaseViewed, EventData, StudentErased

DataOf = Callable[[Any], EventData]


class UnpublishedEvent(TypeError):
    """A domain event with no decision on whether, and how, it goes on the bus."""


# The chassis' own records in every service's store, none of them on the bus.
CHASSIS_EVENTS = frozenset({ListReads.Started, ListReads.Read, CaseAccess.Started,
                            CaseAccess.ReporterNoted, CaseAccess.AssigneeNoted,
                            CaseAccess.BreakGlassNoted})


class PublishedEvents:
    """Which domain events a service publishes, and the only data of each that leaves it.

    Every domain event class must be listed: either with a function building its contract
    data (ids and codes), or as internal. A new event class therefore cannot leak fields by
    default; the relay stops on it instead.
    """

    def __init__(self, service: str, published: Mapping[type[Any], DataOf],
                 internal: frozenset[type[Any]] = frozenset()) -> None:
        self.service = service
        # Reads are part of every service's trail (who read which case, and why), and so
        # is an erasure; a read stored on the case itself is one of a store written before
        # reads had their own aggregate.
        self.published: dict[type[Any], DataOf] = {CaseRead.Logged: _viewed,
                                                   ReadLogged.Viewed: _viewed,
                                                   Erasure.StudentErased: _erased, **published}
        # A service's record of its clients' Idempotency-Keys stays in its store.
        self.internal = internal | idempotency.INTERNAL_EVENTS | CHASSIS_EVENTS
        # As the store names them: the relay passes over these without decrypting them.
        self.internal_topics = frozenset(map(get_topic, self.internal))

    def envelope(self, event: DomainEventProtocol[UUID]) -> Envelope | None:
        """The event as the bus carries it, None for an internal one; EventNotPublishable if
        its contract refuses it (the same check before it is stored and when relayed)."""
        kind = type(event)
        if kind in self.internal:
            return None
        try:
            data_of = self.published[kind]
        except KeyError:
            raise UnpublishedEvent(f"{kind.__qualname__} is neither published nor internal") \
                from None
        assert isinstance(event, DomainEvent)
        try:
            data = data_of(event)
        except ValidationError as refused:
            raise _not_publishable(refused.title, "data.", refused) from None
        try:
            return self._wrap(event, data)
        except ValidationError as refused:
            where = "actor." if refused.title == Actor.__name__ else ""
            raise _not_publishable(type(data).__name__, where, refused) from None

    def _wrap(self, event: DomainEvent, data: EventData) -> Envelope:
        meta: EventMeta = event.meta  # type: ignore[attr-defined]
        return Envelope(
            event_id=event_id_of(self.service, event.originator_id, event.originator_version),
            case_id=_case_of(event),
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


def _not_publishable(event_type: str, prefix: str,
                     refused: ValidationError) -> EventNotPublishable:
    # pydantic's messages name the rule (the pattern, the bound), not the value refused.
    return EventNotPublishable(event_type, tuple(
        ContractProblem(prefix + ".".join(map(str, e["loc"])), e["msg"])
        for e in refused.errors(include_input=False, include_url=False)))


def _case_of(event: DomainEvent) -> UUID:
    """The case an event is of: its aggregate's, but for a read, which has its own."""
    return event.case_id if isinstance(event, CaseRead.Logged) else event.originator_id


def _viewed(event: CaseRead.Logged | ReadLogged.Viewed) -> CaseViewed:
    return CaseViewed(purpose=event.purpose, what=event.what)


def _erased(event: Erasure.StudentErased) -> StudentErased:
    return StudentErased(student_key=event.student_key, reason=ErasureReason(event.reason))
