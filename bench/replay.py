"""How fast the record replays, next to reading the raw stream alone.

Starts its own nats-server (as bench/pipeline.py does), publishes a synthetic CASES stream of
at least `--events` envelopes (bench/synthetic_trail.py) and its signed checkpoints on
CHECKPOINTS (bench/synthetic_checkpoints.py), then measures in one run, in events per
second, each beside the floor of reading the raw stream with nats-py: the supervisors'
figures rebuilt from zero; every case rebuilt as of a time, and one case read from CASES and
rebuilt; the whole trail verified against the signed checkpoints. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from nats.aio.client import Client

from bench.pipeline import machine_context
from bench.synthetic_checkpoints import (
    CHECKPOINTS_STREAM,
    SignedLog,
    signed_log,
)
from bench.synthetic_trail import TERM_DAYS, TERM_START, Published, synthetic_trail
from casetrail.bus.embedded import EmbeddedNats, free_port
from casetrail.bus.identities import BusLogin
from casetrail.bus.replay import case_timeline, read_all
from casetrail.ledger.sources import bus_events, published_checkpoints
from casetrail.ledger.verification import verify_trail
from casetrail.service import connect
from contracts.envelope import Envelope
from contracts.streams import ensure_streams
from contracts.subjects import CASE_SUBJECTS, CASES_STREAM, MSG_ID_HEADER
from services.supervision.domain.case_state import case_state, up_to
from services.supervision.domain.figures import Grouping, Period, SupervisionFigures

SCHOOL = "bench-school"
DISTRICTS = {SCHOOL: "bench-district"}
TIMEZONE = ZoneInfo("Asia/Shanghai")
PUBLISH_WINDOW = 256  # publishes awaiting their acks at once
# Generous: every write is fsynced, on a machine others share.
PUBLISH_TIMEOUT = 60.0
READ_TIMEOUT_SECONDS = 5.0
# The moment every case is rebuilt as of: mid-term, when many are open.
AS_OF = TERM_START + timedelta(days=TERM_DAYS // 2)
AS_DAY = AS_OF.astimezone(TIMEZONE).date()


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
    # Of those, the seconds after the stream was read: decoding, folding, verifying.
    work_seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    def line(self, floor: Rate | None) -> str:
        ratio = "" if floor is None else f"  ({self.per_second / floor.per_second:.2f}x floor)"
        work = (f"; after the read alone {self.events / self.work_seconds:,.0f} events/s"
                if self.work_seconds else "")
        return (f"{self.what}: {self.per_second:,.0f} events/s, {self.events:,} events in "
                f"{self.seconds:.3f} s{ratio}{work}")


@dataclass
class Work:
    """What a measurement read, and when its read ended."""

    events: int = 0
    read_done: float = 0.0

    def read(self, events: int) -> None:
        self.events, self.read_done = events, time.perf_counter()


async def publish(nc: Client, trail: list[Published], log: SignedLog) -> float:
    """Seconds to publish the whole trail onto CASES, acks awaited a window at a time; then
    its checkpoints onto CHECKPOINTS (both streams provisioned as the services do)."""
    js = nc.jetstream()
    await ensure_streams(js)
    start = time.perf_counter()
    for first in range(0, len(trail), PUBLISH_WINDOW):
        await asyncio.gather(*(js.publish(m.subject, m.body, stream=CASES_STREAM,
                                          headers=m.headers, timeout=PUBLISH_TIMEOUT)
                               for m in trail[first:first + PUBLISH_WINDOW]))
    took = time.perf_counter() - start
    for subject, msg_id, body in log.messages:
        await js.publish(subject, body, stream=CHECKPOINTS_STREAM,
                         headers={MSG_ID_HEADER: msg_id}, timeout=PUBLISH_TIMEOUT)
    return took


async def timed(what: str, run: Callable[[Work], Awaitable[None]]) -> Rate:
    work = Work()
    start = time.perf_counter()
    await run(work)
    end = time.perf_counter()
    return Rate(what, work.events, end - start, end - work.read_done if work.read_done else 0)


async def raw_stream(nc: Client, work: Work) -> None:
    """The floor: every message of CASES read with nats-py, nothing done with it."""
    work.events = len(await read_all(nc, CASES_STREAM, CASE_SUBJECTS, READ_TIMEOUT_SECONDS))


async def figures_from_zero(nc: Client, work: Work) -> None:
    bodies = await read_all(nc, CASES_STREAM, CASE_SUBJECTS, READ_TIMEOUT_SECONDS)
    work.read(len(bodies))
    model = SupervisionFigures(TIMEZONE)
    for body in bodies:
        model.apply(Envelope.from_bytes(body), SCHOOL)
    term = Period(TERM_START.date(), date.fromordinal(TERM_START.toordinal() + TERM_DAYS))
    model.figures(term, Grouping.DISTRICT, DISTRICTS)


async def every_case_as_of(nc: Client, work: Work) -> None:
    """Each case of the stream rebuilt as it stood at AS_OF, from one read of CASES."""
    bodies = await read_all(nc, CASES_STREAM, CASE_SUBJECTS, READ_TIMEOUT_SECONDS)
    work.read(len(bodies))
    by_case: dict[UUID, list[Envelope]] = {}
    seen: set[UUID] = set()
    for body in bodies:
        envelope = Envelope.from_bytes(body)
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            by_case.setdefault(envelope.case_id, []).append(envelope)
    for case_id, envelopes in by_case.items():
        case_state(case_id, up_to(envelopes, AS_OF), AS_OF, today=AS_DAY)


async def one_case_as_of(nc: Client, case_id: UUID, work: Work) -> None:
    """One case read from CASES by its subject and rebuilt as of AS_OF."""
    envelopes = await case_timeline(nc, case_id)
    work.read(len(envelopes))
    case_state(case_id, up_to(envelopes, AS_OF), AS_OF, today=AS_DAY)


async def whole_trail_verified(nc: Client, keys: dict[str, str], work: Work) -> None:
    """CASES and CHECKPOINTS read as `casetrail verify` reads them, and every event checked
    against the signed leaves."""
    checkpoints, unreadable = await published_checkpoints(nc, READ_TIMEOUT_SECONDS)
    bus = await bus_events(nc, READ_TIMEOUT_SECONDS)
    work.read(len(bus))
    verdict = verify_trail(keys=keys, checkpoints=checkpoints, bus=bus)
    if unreadable or not verdict.ok():
        raise RuntimeError("the synthetic trail does not verify: "
                           f"{[*unreadable, *verdict.findings][:3]}")


async def measure(url: str, trail: list[Published], log: SignedLog) -> list[str]:
    nc = await connect(url, "bench", BusLogin("bench"))  # the bench's server is open
    # A crisis case: the longest trails.
    ((longest, _),) = Counter(m.envelope.case_id for m in trail).most_common(1)
    try:
        published = await publish(nc, trail, log)
        floor = await timed("floor: CASES read raw with nats-py (ordered consumer)",
                            lambda work: raw_stream(nc, work))
        rates = [await timed("(b) supervisors' figures rebuilt from zero (read, decode, fold)",
                             lambda work: figures_from_zero(nc, work)),
                 await timed(f"(c) every case rebuilt as of {AS_OF:%Y-%m-%d} (read, decode, "
                             "fold per case)", lambda work: every_case_as_of(nc, work)),
                 await timed("(c) one case read by its subject and rebuilt as of then",
                             lambda work: one_case_as_of(nc, longest, work)),
                 await timed("(d) whole trail verified against the signed checkpoints "
                             f"(read CASES + {len(log.messages)} checkpoints, verify)",
                             lambda work: whole_trail_verified(nc, log.keys, work))]
        again = await timed("floor again, after the others",
                            lambda work: raw_stream(nc, work))
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
    log = signed_log(trail, SCHOOL)
    data = Path(tempfile.mkdtemp(prefix="casetrail-replay-"))
    nats = EmbeddedNats(data / "nats", free_port()).start()
    try:
        lines = asyncio.run(measure(nats.url, trail, log))
    finally:
        nats.stop()
    shutil.rmtree(data)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
