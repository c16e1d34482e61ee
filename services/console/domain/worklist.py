"""The worklist as the console shows it: supervision's items (codes, times, deadlines, in
order of urgency) with each student's name from intake's list of the cases the reader may
read. A case intake does not name to this reader keeps its place, unnamed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    items = work.get("items", []) if isinstance(work, dict) else work
    names = {str(case["case_id"]): case.get("student", {}).get("name")
             for case in (cases if isinstance(cases, list) else [])}
    return [{**item, "student_name": names.get(str(item["case_id"]))} for item in items
            if not chosen.tier or item.get("tier") == chosen.tier]
