"""A service's store as leaves of its log: each notification's stored digest and, for an
event the bus carries, the digest of its envelope exactly as the relay publishes it.

The stored digest is over the record as it sits in the store: with the cipher on that is
ciphertext, so an erasure (which destroys a student's data key, not rows) changes nothing a
leaf commits to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.persistence import Notification

from casetrail.bus.envelopes import PublishedEvents
from casetrail.ledger.verification import StoredRecord
from casetrail.store import ServiceApplication
from contracts.envelope import Envelope
from trailproof.leaf import Leaf, envelope_digest

# Notifications read at a time when the log is read through.
PAGE = 1000


def stored_digest(notification: Notification) -> str:
    """sha256 (hex) over originator id, originator version, topic and state as stored, each
    prefixed by its length, so that no two records' fields run into the same bytes."""
    digest = hashlib.sha256()
    for part in (str(notification.originator_id).encode(),
                 str(notification.originator_version).encode(),
                 notification.topic.encode(), notification.state):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def envelope_of(notification: Notification, published: PublishedEvents,
                app: ServiceApplication) -> Envelope | None:
    """The envelope the relay publishes for the notification (casetrail.bus.relay), None for
    an internal event; raises if the record cannot be read back (the relay stops on it)."""
    return published.envelope(app.mapper.to_domain_event(notification))


def leaf_of(service: str, notification: Notification, published: PublishedEvents,
            app: ServiceApplication) -> Leaf:
    envelope = envelope_of(notification, published, app)
    return Leaf(service=service, position=notification.id,
                stored=stored_digest(notification),
                envelope=envelope_digest(envelope.to_bytes()) if envelope else None)


def notifications_after(app: ServiceApplication, position: int,
                        limit: int = PAGE) -> list[Notification]:
    return list(app.recorder.select_notifications(start=position + 1, limit=limit))


def all_notifications(app: ServiceApplication, start: int = 1) -> Iterator[Notification]:
    """Every notification from `start` on, read page by page."""
    while page := notifications_after(app, start - 1):
        yield from page
        start = page[-1].id + 1


def stored_record(notification: Notification, published: PublishedEvents,
                  app: ServiceApplication) -> StoredRecord:
    """What the store holds at a position, as an auditor compares it with the log and the
    bus: the envelope's type and case (a read's aggregate is not the case read) if it is
    published, else the stored class's name. A record that cannot be read back (altered
    ciphertext, say) has no envelope."""
    try:
        envelope = envelope_of(notification, published, app)
    except Exception:
        envelope = None
    return StoredRecord(service=published.service, position=notification.id,
                        stored=stored_digest(notification),
                        envelope=envelope.to_bytes() if envelope else None,
                        case_id=envelope.case_id if envelope
                        else UUID(str(notification.originator_id)),
                        type=envelope.type if envelope else notification.topic.rpartition(":")[2],
                        version=notification.originator_version)


def stored_records(app: ServiceApplication, published: PublishedEvents, start: int,
                   limit: int) -> list[StoredRecord]:
    """One page of the store's records, from position `start` on."""
    return [stored_record(n, published, app) for n in notifications_after(app, start - 1, limit)]
