"""Counts of minors' cases as figures may show them: every count under five shown only as
"<5", and in a table the smallest other count withheld, so a total cannot give it away."""

from __future__ import annotations

from collections import Counter

SMALLEST_SHOWN = 5
SUPPRESSED = "<5"
# A count that is not small, hidden because it would give a small one away with the total.
WITHHELD = "withheld"

Cell = int | str


def shown(count: int) -> Cell:
    return SUPPRESSED if 0 < count < SMALLEST_SHOWN else count


def suppressed(counts: Counter[str]) -> dict[str, Cell]:
    """The counts with every small cell shown as "<5", and then the smallest of the others
    withheld, since the total less the others would give the small ones away."""
    small = {key for key, count in counts.items() if count < SMALLEST_SHOWN}
    withheld = set()
    if small and len(counts) > len(small):
        withheld.add(min((key for key in counts if key not in small), key=counts.__getitem__))
    return {key: SUPPRESSED if key in small else WITHHELD if key in withheld else count
            for key, count in sorted(counts.items())}
