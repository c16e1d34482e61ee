"""How a service handles an upstream event once: the mark saved with its effects, and the
handling of a batch of messages with the effects of all in one commit.

Both run on the application thread (casetrail.worker); the inbox (casetrail.bus.inbox)
fetches, acknowledges and dead-letters around them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking
from opentelemetry.trace import Span

from casetrail import tracing
from casetrail.store import CommitFailed, ServiceApplication
from contracts.envelope import Envelope

# A handler runs on the application thread and saves its events with the tracking given.
Handler = Callable[[Envelope, Any, Tracking], None]


class ConflictingCopy(Exception):
    """A message bearing an event id that was handled before, with other content."""


def handled_mark(upstream: str, envelope: Envelope, body: bytes) -> Tracking:
    """The mark saved with a message's effects: the event's identity, never a position or
    anything else a message claims about other messages.

    Named by the upstream and the event id (hashed to the 32 characters eventsourcing-
    sqlalchemy gives a tracking name), numbered by a digest of the whole message: a
    re-publish of the same event, also beyond JetStream's duplicate window, is recognised,
    and a different message under a handled event id is told apart (ConflictingCopy).
    """
    name = hashlib.blake2b(f"{upstream}/{envelope.event_id}".encode(), digest_size=15)
    digest = int.from_bytes(hashlib.blake2b(body, digest_size=8).digest()) >> 1
    return Tracking(f"e{name.hexdigest()}", digest or 1)


def handled_before(app: ServiceApplication, mark: Tracking) -> bool:
    return app.handled_as(mark.application_name) == mark.notification_id


def handle_once(app: ServiceApplication, handler: Handler, envelope: Envelope, data: Any,
                mark: Tracking) -> bool:
    """Run the handler unless this event was handled already; say which."""
    handled = app.handled_as(mark.application_name)
    if handled == mark.notification_id:
        return False
    if handled is not None:
        raise ConflictingCopy(f"event {envelope.event_id} was handled before, from a message "
                              f"with other content")
    handler(envelope, data, mark)
    return True


@dataclass(frozen=True)
class Taken:
    """A message read and ready for its handler, with the span its handling is traced in."""

    handler: Handler
    envelope: Envelope
    data: Any
    mark: Tracking
    span: Callable[[], AbstractContextManager[Span]]


def handle_together(app: ServiceApplication, taken: Sequence[Taken]) -> tuple[int, str | None]:
    """Handle the messages in order with their effects stored in one commit: how many of
    the leading ones have their effects stored (or were handled before), and if not all,
    the kind of error that stopped it.

    At the first that fails, or if a commit fails (even one a handler let pass), it stops
    with nothing stored since the last commit: those messages are left to be handled one
    at a time, as the inbox handles any message (tried again, dead-lettered), each
    recognised if it was stored.
    """
    committed = 0
    with app.committing_together():
        try:
            app.know_handled([item.mark.application_name for item in taken])
            for index, item in enumerate(taken):
                if app.failed_together:
                    return committed, CommitFailed.__name__
                if not app.pending_saves():
                    committed = index  # all before it are stored (or had nothing to store)
                commits = app.commits_together
                with item.span() as span:
                    span.set_attribute(tracing.CASE_ID, str(item.envelope.case_id))
                    handle_once(app, item.handler, item.envelope, item.data, item.mark)
                if app.commits_together != commits:
                    # It read what the ones before it saved, which was committed then.
                    committed = max(committed, index)
            app.commit_pending()
        except Exception as error:
            return committed, type(error).__name__
    return len(taken), None
