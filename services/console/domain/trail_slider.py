"""The auditor's slider over a case's trail: one stop at each moment an event was recorded
(the record's own times, by which supervision cuts the trail), the last the latest event.
A stop chosen is the moment the trail is asked for again. A read of the case (CaseViewed)
is no stop: it changes nothing of the case, every replay adds some, and the access log
lists them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# At most this many stops are carried in the page (a case has tens of events, not
# thousands); a longer trail keeps its latest ones.
MOST_STOPS = 500
READS = frozenset({"CaseViewed"})


@dataclass(frozen=True)
class Stop:
    index: int
    at: datetime
    event: str  # the type of the event recorded then
    service: str


@dataclass(frozen=True)
class Slider:
    stops: tuple[Stop, ...]
    chosen: int  # the stop shown

    @property
    def moments(self) -> str:
        """The stops' times as the form carries them back, space-separated."""
        return " ".join(stop.at.isoformat() for stop in self.stops)

    @property
    def last(self) -> int:
        return max(len(self.stops) - 1, 0)

    @property
    def at(self) -> datetime | None:
        return self.stops[self.chosen].at if self.stops else None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def stops_of(events: Iterable[Any]) -> tuple[Stop, ...]:
    """A stop per event of the trail but a read, in the order recorded, with a time that
    reads."""
    found = []
    for event in events:
        if not isinstance(event, dict) or event.get("type") in READS:
            continue
        at = _moment(event.get("recorded_at"))
        if at is not None:
            found.append((at, str(event.get("type", "")), str(event.get("service", ""))))
    found.sort(key=lambda stop: stop[0])
    return tuple(Stop(i, at, kind, service)
                 for i, (at, kind, service) in enumerate(found[-MOST_STOPS:]))


def slider_of(events: Iterable[Any], chosen: int | None = None) -> Slider:
    """The slider over a trail's events, at stop `chosen` (the latest if None or beyond)."""
    stops = stops_of(events)
    last = max(len(stops) - 1, 0)
    at = last if chosen is None else min(max(chosen, 0), last)
    return Slider(stops, at)


def moment_of(moments: str, step: int) -> datetime | None:
    """The moment of stop `step` among the space-separated times a slider carried; None if
    there is no such stop or its time does not read."""
    times = moments.split()[:MOST_STOPS]
    if not 0 <= step < len(times):
        return None
    return _moment(times[step])


def chosen_of(slider_moments: Sequence[datetime], as_of: datetime) -> int:
    """The stop of the latest event recorded at or before `as_of` (0 if none)."""
    reached = [i for i, at in enumerate(slider_moments) if at <= as_of]
    return reached[-1] if reached else 0
