"""Follow-up schedules by tier (DOMAIN.md timing defaults; 000 item 8 动态追踪)."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.codes import Tier

# (interval, count): crisis weekly for 8 weeks, serious fortnightly for 8 weeks,
# general monthly for 3 months.
FOLLOW_UPS: dict[Tier, tuple[timedelta, int]] = {
    Tier.CRISIS: (timedelta(weeks=1), 8),
    Tier.SERIOUS: (timedelta(weeks=2), 4),
    Tier.GENERAL: (timedelta(days=30), 3),
}


def follow_up_dates(tier: Tier, start: date) -> list[date]:
    if tier not in FOLLOW_UPS:
        return []
    interval, count = FOLLOW_UPS[tier]
    return [start + interval * n for n in range(1, count + 1)]
