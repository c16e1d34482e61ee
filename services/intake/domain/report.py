"""One report about a student, and the record of it a case keeps: its path up the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from casetrail.kernel import EventMeta
from contracts.codes import Channel, KeyConcern, ReportLevel, Sign


@dataclass(frozen=True)
class Concern:
    """One report about a student: who saw what, through which channel."""

    report_id: UUID
    channel: Channel
    signs: list[Sign]
    imminent: bool
    description: str
    level: ReportLevel = ReportLevel.SCHOOL
    # A scored screen (ScreenResult as JSON) when the concern came from a screening.
    screen: dict[str, Any] | None = None
    key_concerns: list[KeyConcern] = field(default_factory=list)


def step(what: str, level: str, meta: EventMeta) -> dict[str, Any]:
    """One step of a report's path: reported, forwarded or acknowledged, at a level."""
    return {"step": what, "level": level, "by_role": meta.actor_role, "by_id": meta.actor_id,
            "at": meta.occurred_at}


def new_report(report_id: UUID, channel: str, signs: list[str], imminent: bool,
               description: str, meta: EventMeta, level: str,
               screen: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "report_id": report_id, "channel": channel, "signs": signs, "imminent": imminent,
        "description": description, "reporter_role": meta.actor_role,
        "reporter_id": meta.actor_id, "observed_at": meta.occurred_at, "level": level,
        "screen": screen, "path": [step("reported", level, meta)],
    }


# A report's steps as its reporter sees them: the first is its receipt.
SEEN_AS = {"reported": "received"}


def status_of(report: dict[str, Any]) -> dict[str, Any]:
    """What a report's reporter may learn of it: where it stands and when each step was
    taken, as codes and times; never the student, its content, nor who handled it."""
    steps = [{"step": SEEN_AS.get(s["step"], s["step"]), "level": s["level"], "at": s["at"]}
             for s in report["path"]]
    return {"report_id": report["report_id"], "status": steps[-1]["step"],
            "level": report["level"], "received_at": steps[0]["at"], "steps": steps,
            "attached_to_case": True}
