"""What every path needs: a way to tell the reader, and the family on file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from casetrail.cli.cast import PSYCH_TEACHER
from casetrail.cli.desk import Desk

Say = Callable[[str], None]


def quiet(_: str) -> None:
    """For the tests: the trail on the bus is what they check."""


def now() -> datetime:
    return datetime.now(UTC)


async def register_guardians(desk: Desk, student_id: str, *, primary: str,
                             secondary: str | None = None) -> None:
    """The family on file in notification's directory; each guardian's preferred channel."""
    guardians = [{"rank": 1, "relation": "mother", "name": "母亲", "phone": "+86 138 0000 0001",
                  "email": "mother@example.cn", "preferred_channel": primary, "language": "zh"}]
    if secondary:
        guardians.append({"rank": 2, "relation": "father", "name": "父亲",
                          "phone": "+86 138 0000 0002", "email": "father@example.cn",
                          "preferred_channel": secondary, "language": "zh"})
    await desk.put("notification", f"/students/{student_id}/guardians",
                   {"guardians": guardians}, by=PSYCH_TEACHER)
