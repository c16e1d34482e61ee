"""The supervisors' measures of a group of cases (a school's, a district's), each cell
under five cases suppressed: counts as intake's figures show them, and a share or a
percentile only where it cannot give a small count away."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from casetrail.small_counts import SMALLEST_SHOWN, SUPPRESSED, Cell, shown, suppressed
from services.supervision.domain.case_progress import ACCEPTED, CaseProgress, Stage

Figure = Cell | float | None  # None: nothing to measure (no case reached it)


def measures(lines: Sequence[CaseProgress], due_by: date) -> dict[str, Any]:
    """What the supervisors count of `lines`; follow-ups fall due by `due_by`. Outcomes that
    add up to a total shown beside them are one table each, suppressed together."""
    notified = [line for line in lines if line.notice_issued]
    reached = [line for line in notified if line.guardian_reached_at is not None]
    answers = [answer for line in lines for answer in line.answers()]
    referred = [line for line in lines if line.referrals]
    succeeded = [line for line in referred if ACCEPTED in line.answers()]
    due = [f for line in lines for f in line.follow_ups_due(due_by)]
    on_time = sum(f.done and f.on_time for f in due)
    return {
        "by_tier": suppressed(Counter(line.tier for line in lines)),
        "by_source": suppressed(Counter(line.source or "" for line in lines)),
        "hours_to_stage": {stage.value: timing([line.hours_to(stage) for line in lines])
                           for stage in Stage},
        "guardians": {
            "notified": shown(len(notified)),
            "by_outcome": table(reached=len(reached), not_reached=len(notified) - len(reached)),
            "reached_share": share(len(reached), len(notified)),
            "hours_to_reach": timing([line.hours_to_reach_guardian() for line in reached]),
        },
        "referrals": {
            "made": shown(len(answers)),
            "by_answer": suppressed(Counter(answers)),
            "rerouted": shown(sum(line.rerouted for line in lines)),
            "flagged_unanswered": shown(sum(line.unanswered for line in lines)),
            "cases_referred": shown(len(referred)),
            # Primero's "referrals closed successfully": a case whose referrals ended with
            # a receiver taking the student on, declines and re-routings on the way or not.
            "succeeded_share": share(len(succeeded), len(referred)),
        },
        "follow_ups": {
            "due": shown(len(due)),
            "by_outcome": table(on_time=on_time,
                                late=sum(f.done and not f.on_time for f in due),
                                not_done=sum(not f.done for f in due)),
            "flagged_overdue": shown(sum(f.overdue for f in due)),
            "on_time_share": share(on_time, len(due)),
        },
        "home_visits": {
            "done": shown(sum(len(line.visits) for line in lines)),
            "cases_visited": shown(sum(bool(line.visits) for line in lines)),
            "flagged_due": shown(sum(line.visits_owed for line in lines)),
        },
        "closures": {
            "closed": shown(sum(len(line.closures) for line in lines)),
            "by_reason": suppressed(Counter(r for line in lines for r in line.closures)),
            "reopened": shown(sum(line.reopened for line in lines)),
        },
    }


def table(**counts: int) -> dict[str, Cell]:
    """Counts that add up to a total shown elsewhere, suppressed as one table (the ones
    of nothing left out: a zero gives nobody away)."""
    return suppressed(Counter({key: count for key, count in counts.items() if count}))


def timing(hours: Sequence[float | None]) -> dict[str, Figure]:
    """p50/p90 hours of the cases that got there: suppressed under five of them, since a
    percentile of four is nearly one student's own time."""
    reached = sorted(h for h in hours if h is not None)
    if not reached:
        return {"cases": 0, "p50": None, "p90": None}
    if len(reached) < SMALLEST_SHOWN:
        return {"cases": SUPPRESSED, "p50": SUPPRESSED, "p90": SUPPRESSED}
    return {"cases": len(reached), "p50": round(percentile(reached, 0.5), 1),
            "p90": round(percentile(reached, 0.9), 1)}


def share(part: int, whole: int) -> Figure:
    """part/whole to three places, suppressed where the part, the rest or the whole is a
    small count, since the share and one count shown elsewhere would give it away."""
    if whole == 0:
        return None
    if any(0 < n < SMALLEST_SHOWN for n in (part, whole - part, whole)):
        return SUPPRESSED
    return round(part / whole, 3)


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]
