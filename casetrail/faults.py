"""The last error a service's work met, for its /status: its kind, where and when.

What a service's consumers and background tasks fail on (each logged as a warning or a
fault) is noted in the book of the service they run for, one record however many: the last.
Only the exception's type name is kept, never its text, which can carry the row a database
failed on or the data of a case a handler was given.
"""

from __future__ import annotations

from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Fault:
    kind: str  # the exception's type name
    where: str  # the part of the service: a consumer's durable name, a background task
    at: datetime

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where,
                "at": self.at.isoformat(timespec="seconds")}


class LastError:
    """The last fault noted by a service's work, if any."""

    def __init__(self) -> None:
        self.last: Fault | None = None

    def note(self, error: BaseException, where: str) -> None:
        self.last = Fault(type(error).__name__, where, datetime.now(UTC))

    def as_json(self) -> dict[str, str] | None:
        return self.last.as_json() if self.last is not None else None


# The book of the service whose work runs in this context: a running service starts its
# tasks in a context that holds it (`noting`), and nothing outside them sees it.
NOTED_IN: ContextVar[LastError | None] = ContextVar("casetrail_faults", default=None)


def noting(book: LastError) -> Context:
    """A copy of the current context in which failures are noted in `book`: tasks started
    in it (`asyncio.create_task(..., context=...)`, or from `Context.run`) keep it."""
    context = copy_context()
    context.run(NOTED_IN.set, book)
    return context


def note(error: BaseException, where: str) -> None:
    """Note a failure in the book of the service this work runs for (none outside one)."""
    if (book := NOTED_IN.get()) is not None:
        book.note(error, where)
