"""A student's guardians, in the order the school tries them (primary, secondary).

Keyed by the student's pseudonym, as the cases are; the contacts stay in this store and
never go on the bus (every event here is internal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import EventMeta

DIRECTORY_NAMESPACE = UUID("0b6f4f0e-7a1c-4c55-8d0e-2f3c9a4e6b21")


def directory_id(student_key: str) -> UUID:
    return uuid5(DIRECTORY_NAMESPACE, student_key)


@dataclass(frozen=True)
class Route:
    """How to reach one guardian, without who they are: what a case's ladder needs."""

    rank: int
    channel: str
    language: str


@dataclass(frozen=True)
class Guardian:
    rank: int
    relation: str
    name: str
    phone: str
    preferred_channel: str
    language: str
    email: str | None = None

    @property
    def route(self) -> Route:
        return Route(self.rank, self.preferred_channel, self.language)

    def address(self, channel: str) -> str | None:
        """The contact for a channel: the e-mail address, else the phone number."""
        return self.email if channel == "email" else self.phone


class GuardianDirectory(Aggregate):
    class Opened(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Opened)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.guardians: list[Guardian] = []

    @classmethod
    def open(cls, student_key: str, meta: EventMeta) -> GuardianDirectory:
        return cls._create(cls.Opened, id=directory_id(student_key), student_key=student_key,
                           meta=meta)

    def record(self, guardians: list[Guardian], meta: EventMeta) -> None:
        """The guardians on file, replacing the earlier list (one per rank)."""
        self._recorded([asdict(g) for g in sorted(guardians, key=lambda g: g.rank)], meta)

    class GuardiansRecorded(Aggregate.Event):
        guardians: list[dict[str, Any]]
        meta: EventMeta

    @event(GuardiansRecorded)
    def _recorded(self, guardians: list[dict[str, Any]], meta: EventMeta) -> None:
        self.guardians = [Guardian(**g) for g in guardians]

    class Read(Aggregate.Event):
        """A person saw the contacts (who: meta), and why."""

        purpose: str
        meta: EventMeta

    @event(Read)
    def record_read(self, purpose: str, meta: EventMeta) -> None:
        """Nothing changes but the trail."""

    def guardian(self, rank: int) -> Guardian | None:
        return next((g for g in self.guardians if g.rank == rank), None)

    @property
    def routes(self) -> dict[int, Route]:
        return {g.rank: g.route for g in self.guardians}
