"""How fast the record replays, next to reading the raw stream alone.

Starts its own nats-server (as bench/pipeline.py does), publishes a synthetic CASES stream of
at least `--events` envelopes (bench/synthetic_trail.py), then measures in one run, in events
per second, each beside the floor of reading the raw stream with nats-py: the supervisors'
figures rebuilt from zero (read, decode, fold). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from nats.aio.client import Client

from bench.pipeline import machine_context
from bench.synthetic_trail import TERM_DAYS, TERM_START, Published, synthetic_trail
from casetrail.bus.embedded import EmbeddedNats, free_port
from casetrail.bus.identities import BusLogin
from casetrail.bus.replay import read_all
from casetrail.service import connect
from contracts.envelope import Envelope
from contracts.streams import ensure_streams
from contracts.subjects import CASE_SUBJECTS, CASES_STREAM
from services.supervision.domain.figures import Grouping, Period, SupervisionFigures

SCHOOL = "bench-school"
DISTRICTS = {SCHOOL: "bench-district"}
TIMEZONE = ZoneInfo("Asia/Shanghai")
PUBLISH_WINDOW = 500  # publishes awaiting their acks at once
READ_TIMEOUT_SECONDS = 5.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000,
                        help="envelopes on the synthetic CASES stream (at least)")
    parser.add_argument("--seed", type=int, default=10)
    return parser.parse_args()


@dataclass(frozen=True)
class Rate:
    what: str
    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    def line(self, floor: Rate | None) -> str:
        ratio = "" if floor is None else f"  ({self.per_second / floor.per_second:.2f}x floor)"
        return (f"{self.what}: {self.per_second:,.0f} events/s, {self.events:,} events in "
                f"{self.seconds:.2f} s{ratio}")


async def publish(nc: Client, trail: list[Published]) -> float:
    """Seconds to publish the whole trail onto CASES, acks awaited a window at a time."""
    js = nc.jetstream()
    await ensure_streams(js)
    start = time.perf_counter()
    for first in range(0, len(trail), PUBLISH_WINDOW):
        await asyncio.gather(*(js.publish(m.subject, m.body, stream=CASES_STREAM,
                                          headers=m.headers)
                               for m in trail[first:first + PUBLISH_WINDOW]))
    return time.perf_counter() - start


async def timed(what: str, run: Callable[[], Awaitable[int]]) -> Rate:
    start = time.perf_counter()
    events = await run()
    return Rate(what, events, time.perf_counter() - start)


async def raw_stream(nc: Client) -> int:
    """The floor: every message of CASES read with nats-py, nothing done with it."""
    return len(await read_all(nc, CASES_STREAM, CASE_SUBJECTS, READ_TIMEOUT_SECONDS))


async def figures_from_zero(nc: Client) -> int:
    bodies = await read_all(nc, CASES_STREAM, CASE_SUBJECTS, READ_TIMEOUT_SECONDS)
    model = SupervisionFigures(TIMEZONE)
    for body in bodies:
        model.apply(Envelope.from_bytes(body), SCHOOL)
    term = Period(TERM_START.date(), date.fromordinal(TERM_START.toordinal() + TERM_DAYS))
    model.figures(term, Grouping.DISTRICT, DISTRICTS)
    return len(bodies)


async def measure(url: str, trail: list[Published]) -> list[str]:
    nc = await connect(url, "bench", BusLogin("bench"))  # the bench's server is open
    try:
        published = await publish(nc, trail)
        floor = await timed("floor: CASES read raw with nats-py (ordered consumer)",
                            lambda: raw_stream(nc))
        rates = [await timed("supervisors' figures rebuilt from zero (read, decode, fold)",
                             lambda: figures_from_zero(nc))]
        again = await timed("floor again, after the others", lambda: raw_stream(nc))
    finally:
        await nc.close()
    cases = len({m.envelope.case_id for m in trail})
    return [f"stream: {len(trail):,} envelopes of {cases:,} cases, published in "
            f"{published:.1f} s ({len(trail) / published:,.0f}/s, acked, fsync always)",
            floor.line(None), *(rate.line(floor) for rate in rates), again.line(floor)]


def main() -> None:
    args = arguments()
    for line in machine_context():
        print(line, flush=True)
    trail = synthetic_trail(args.events, args.seed)
    data = Path(tempfile.mkdtemp(prefix="casetrail-replay-"))
    nats = EmbeddedNats(data / "nats", free_port()).start()
    try:
        lines = asyncio.run(measure(nats.url, trail))
    finally:
        nats.stop()
    shutil.rmtree(data)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
