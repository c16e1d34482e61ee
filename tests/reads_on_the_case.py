"""A read as stores written before reads had their own record hold it: an event of the case."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from casetrail.kernel import EventMeta, ReadLogged


def read_on_the_case(case_id: UUID, version: int, purpose: str, reader: EventMeta,
                     at: datetime) -> ReadLogged.Viewed:
    """The case's own Viewed event at `version` (of the whole record, as the oldest are)."""
    return ReadLogged.Viewed(originator_id=case_id, originator_version=version,  # type: ignore[call-arg]
                             timestamp=at, purpose=purpose, meta=reader)
