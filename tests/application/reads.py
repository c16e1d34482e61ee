"""The reads a service's store logged: who read what, in which role, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from casetrail.case_read import CaseRead
from casetrail.kernel import ListReads, ReadLogged
from casetrail.store import ServiceApplication


@dataclass(frozen=True)
class Read:
    """One logged read: the record read (a case, a directory, a student, a reader's log of
    lists), what of it, by whom and why."""

    record: UUID
    what: str
    subject: str
    role: str
    purpose: str
    case_ids: tuple[UUID, ...] = ()


def _what(event: Any) -> str | None:
    if isinstance(event, CaseRead.Logged | ReadLogged.Viewed):
        return event.what
    if isinstance(event, ListReads.Read):
        return event.listed
    # The reads of a record that is no case: a student's growth file, their guardians.
    return {"FileRead": "growth_file", "Read": "guardian_contacts"}.get(type(event).__name__)


def position(app: ServiceApplication) -> int:
    return app.recorder.max_notification_id() or 0


def reads_after(app: ServiceApplication, start: int) -> list[Read]:
    """The reads logged in the store after position `start`, in order."""
    found = []
    for notification in app.recorder.select_notifications(start=start + 1, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        what = _what(event)
        if what is None:
            continue
        meta = event.meta  # type: ignore[attr-defined]
        # A read of a case is an aggregate of its own, naming the case read.
        record = event.case_id if isinstance(event, CaseRead.Logged) else event.originator_id
        found.append(Read(record, what, meta.actor_id, meta.actor_role,
                          event.purpose,  # type: ignore[attr-defined]
                          tuple(getattr(event, "case_ids", ()))))
    return found
