"""A retried command does its work once: the `Idempotency-Key` of a request, kept in the
service's own store (IETF httpapi-idempotency-key draft, with Stripe's semantics).

The key's record (`IdempotentRequest.Accepted` with the request's fingerprint, `Answered` with
the status and body the client got) is committed in the same transaction as the command's
events: `ServiceApplication.record` holds a keyed command's saves, and the application thread
commits them with the answer once the route has built it (`KeyedRequest`). So there is never
work done without its key and answer, nor a key without its work, whenever the process dies.
Keys are kept for as long as the store (the draft asks for at least 24 hours); their state,
the answer included, is encrypted at rest like all event state.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, DomainEventProtocol, event

# Fixed: the same key always names the same record in a service's store.
KEY_NAMESPACE = UUID("9b7f3c1e-2a4d-4f6b-8e0a-5c3d1b2a7f90")


def request_id(service: str, key: str) -> UUID:
    return uuid5(KEY_NAMESPACE, f"{service}/{key}")


def fingerprint(method: str, target: str, caller: str, body: bytes) -> str:
    """What makes a retry the same request: method, path with query, caller, body bytes.

    The caller counts, so that another caller's key cannot replay an answer; it is who the
    token says (not the token itself), so a retry after signing in again is still a retry."""
    digest = hashlib.sha256()
    for part in (method.encode(), target.encode(), caller.encode()):
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    digest.update(body)
    return digest.hexdigest()


# The answer's headers a replay gives again: the version of what it answered with.
KEPT_HEADERS = ("etag",)


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class IdempotentRequest(Aggregate):
    """A request a client named by its key: what it was, and the answer it got."""

    class Accepted(Aggregate.Created):
        fingerprint: str

    @event(Accepted)
    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.answer: Answer | None = None

    @classmethod
    def accept(cls, request: UUID, fingerprint: str) -> IdempotentRequest:
        return cls._create(cls.Accepted, id=request, fingerprint=fingerprint)

    class Answered(Aggregate.Event):
        status: int
        media_type: str
        body: str
        headers: dict[str, str] | None = None  # not kept by answers recorded before

    @event(Answered)
    def answered(self, status: int, media_type: str, body: str,
                 headers: dict[str, str] | None = None) -> None:
        self.answer = Answer(status, media_type, body, dict(headers or {}))


# Never on the bus: a service's own bookkeeping of its clients' retries.
INTERNAL_EVENTS = frozenset({IdempotentRequest.Accepted, IdempotentRequest.Answered})


# Commits the events of a keyed command (ServiceApplication.record's put and listeners).
Commit = Callable[[Sequence[DomainEventProtocol[UUID]]], None]
# How long the application thread waits for the answer of a command it has carried out; the
# answer is only serialised on the event loop, so this is a backstop, never a schedule.
ANSWER_WAIT_SECONDS = 5.0


@dataclass
class KeyedRequest:
    """The HTTP request being answered, with a key not seen before once `arm`ed.

    Its command's saves are held (`hold`), not committed; the application thread, once the
    command has returned, waits for the answer (`commit_when_answered`) and commits the
    command's events, the key's Accepted and its Answered in one transaction. An answer that
    never comes (the route failed) commits nothing: the work is as undone as the client
    believes it to be."""

    request_id: UUID | None = None
    fingerprint: str = ""
    committed: bool = False
    # The application thread's job that commits it, once the command has returned.
    finishing: asyncio.Future[Any] | None = None
    _held: list[DomainEventProtocol[UUID]] = field(default_factory=list)
    _record: IdempotentRequest | None = None
    _commit: Commit | None = None
    _answers: SimpleQueue[Answer | None] = field(default_factory=SimpleQueue)

    def arm(self, request: UUID, fingerprint: str) -> None:
        self.request_id, self.fingerprint = request, fingerprint

    @property
    def holding(self) -> bool:
        return self._commit is not None

    def hold(self, events: Sequence[DomainEventProtocol[UUID]], commit: Commit) -> None:
        assert self.request_id is not None
        if self._record is None:
            self._record = IdempotentRequest.accept(self.request_id, self.fingerprint)
            self._held.extend(self._record.collect_events())
        self._held.extend(events)
        self._commit = commit

    def answer(self, answer: Answer | None) -> None:
        """From the route: the answer to keep, or None when there is none to give."""
        self._answers.put(answer)

    def commit_when_answered(self) -> None:
        """On the application thread, right after the command returned."""
        assert self._record is not None and self._commit is not None
        try:
            answer = self._answers.get(timeout=ANSWER_WAIT_SECONDS)
        except Empty:
            answer = None
        if answer is None:
            return
        self._record.answered(answer.status, answer.media_type, answer.body,
                              answer.headers or None)
        self._commit([*self._held, *self._record.collect_events()])
        self.committed = True


# Set per HTTP request; the application thread sees it through the copied context
# (ApplicationThread.run), so a bus message or a timer never carries one.
keyed: ContextVar[KeyedRequest | None] = ContextVar("casetrail_keyed_request", default=None)


def holding_request() -> KeyedRequest | None:
    """The keyed request whose command is saving now, if any: its saves are to be held."""
    request = keyed.get()
    return request if request is not None and request.request_id is not None else None


def prior(app: Application[UUID], request: UUID) -> IdempotentRequest | None:
    """The record of a key sent before, if any (on the application thread)."""
    try:
        found: object = app.repository.get(request)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, IdempotentRequest) else None
