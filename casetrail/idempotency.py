"""A retried command does its work once: the `Idempotency-Key` of a request, kept in the
service's own store (IETF httpapi-idempotency-key draft, with Stripe's semantics).

The key's record (`IdempotentRequest.Accepted`, with the request's fingerprint) is saved in the
same transaction as the command's events: `ServiceApplication.record` takes it from the
request being answered on the application thread. So the work is never done without the key
being known, also if the process dies at once. The answer follows in its own save; a crash
between the two leaves a key whose work is done and whose answer is lost, and a retry of it
is refused rather than done again. Keys are kept for as long as the store (the draft asks for
at least 24 hours); their state, the answer included, is encrypted at rest like all events.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

# Fixed: the same key always names the same record in a service's store.
KEY_NAMESPACE = UUID("9b7f3c1e-2a4d-4f6b-8e0a-5c3d1b2a7f90")


def request_id(service: str, key: str) -> UUID:
    return uuid5(KEY_NAMESPACE, f"{service}/{key}")


def fingerprint(method: str, target: str, authorization: str | None, body: bytes) -> str:
    """What makes a retry the same request: method, path with query, caller, body bytes.

    The caller's credentials count, so that another caller's key cannot replay an answer."""
    digest = hashlib.sha256()
    for part in (method.encode(), target.encode(), (authorization or "").encode()):
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Answer:
    status: int
    media_type: str
    body: str


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

    @event(Answered)
    def answered(self, status: int, media_type: str, body: str) -> None:
        self.answer = Answer(status, media_type, body)


# Never on the bus: a service's own bookkeeping of its clients' retries.
INTERNAL_EVENTS = frozenset({IdempotentRequest.Accepted, IdempotentRequest.Answered})


@dataclass
class KeyedRequest:
    """The HTTP request being answered, if it carries a new key: armed once its key is known
    to be new; `saved` once its record went into the store with the command's events."""

    request_id: UUID | None = None
    fingerprint: str = ""
    saved: bool = False

    def arm(self, request: UUID, fingerprint: str) -> None:
        self.request_id, self.fingerprint = request, fingerprint


# Set per HTTP request; the application thread sees it through the copied context
# (ApplicationThread.run), so a bus message or a timer never carries one.
keyed: ContextVar[KeyedRequest | None] = ContextVar("casetrail_keyed_request", default=None)


def to_save_with_command() -> IdempotentRequest | None:
    """The key's record to save with the command's events, the first time the command saves."""
    request = keyed.get()
    if request is None or request.request_id is None or request.saved:
        return None
    return IdempotentRequest.accept(request.request_id, request.fingerprint)


def saved_with_command() -> None:
    request = keyed.get()
    if request is not None and request.request_id is not None:
        request.saved = True


def prior(app: Application[UUID], request: UUID) -> IdempotentRequest | None:
    """The record of a key sent before, if any (on the application thread)."""
    try:
        found: object = app.repository.get(request)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, IdempotentRequest) else None


def keep_answer(app: Application[UUID], request: UUID, answer: Answer) -> None:
    """The answer the first request got, for its retries (on the application thread)."""
    record = prior(app, request)
    assert record is not None, "an answer is kept only for a key saved with its command"
    record.answered(answer.status, answer.media_type, answer.body)
    app.save(record)
