"""The worklist as the console shows it: supervision's items (codes, times, deadlines, in
order of urgency) with each student's name from intake's list of the cases the reader may
read. A case intake does not name to this reader keeps its place, unnamed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

STATES = ("open", "closed", "all")
TIERS = ("crisis", "serious", "general", "none", "undecided")


@dataclass(frozen=True)
class WorklistFilter:
    state: str = "open"
    tier: str = ""
    turn: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> WorklistFilter:
        """The filter a page's query asks for; what is not one of the choices is ignored."""
        state = query.get("state", "open")
        tier = query.get("tier", "")
        return cls(state if state in STATES else "open", tier if tier in TIERS else "",
                   query.get("turn", "")[:40])

    def params(self) -> dict[str, str]:
        chosen = {"state": self.state, "tier": self.tier, "turn": self.turn}
        return {key: value for key, value in chosen.items() if value}


def worklist_rows(work: Any, cases: Any, chosen: WorklistFilter) -> list[dict[str, Any]]:
    """Supervision's items (contracts.worklist, as JSON) in its order, each with its name."""
    items = work.get("items", []) if isinstance(work, dict) else []
    names = {str(case["case_id"]): case.get("student", {}).get("name")
             for case in (cases if isinstance(cases, list) else [])}
    now = _moment(work.get("as_of")) if isinstance(work, dict) else None
    return [{**item, "student_name": names.get(str(item["case_id"])),
             # Intake lists the case, whether or not it holds a name for the student.
             "listed": str(item["case_id"]) in names,
             "acknowledgement_late": _past(item.get("guardian_acknowledge_by"), now),
             "referrals_awaiting": [
                 {**awaited, "late": _past(awaited.get("answer_by"), now)}
                 for awaited in item.get("referrals_awaiting", ())]}
            for item in items if not chosen.tier or item.get("tier") == chosen.tier]


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _past(deadline: Any, now: datetime | None) -> bool:
    """Whether the deadline had passed when supervision answered."""
    moment = _moment(deadline)
    return moment is not None and now is not None and moment < now
