"""The one who acts in a request, as the verified token names them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from casetrail.kernel import EventMeta
from contracts.codes import Role


@dataclass(frozen=True)
class Principal:
    """A person or a machine client: an opaque subject id (never a name), their role, the
    school they act for, and for a receiver's liaison system the receiver it speaks for."""

    subject: str
    role: Role
    school: str | None = None
    receiver: str | None = None

    def meta(self, *, occurred_at: datetime | None = None) -> EventMeta:
        """The metadata of a command this principal gives: the actor is who the token says."""
        return EventMeta.by(self.role.value, self.subject, occurred_at=occurred_at)
