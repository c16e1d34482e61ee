"""A province's screening day through the running system, until every case is assessed.

    .venv/bin/python -m bench.screening_day [--grades 500] [--students 2000] [--positive 0.08]
                                            [--relays beside]

Starts its own nats-server and the services' processes as bench/pipeline.py does (encrypted
at rest, checkpoints signed), then does what a psychology teacher does for each grade over
intake's API: schedules the grade's ASQ screening, records its consents (one student in
fifty without a guardian's), and imports its CSV file, one grade after another with progress
every tenth. The clock stops when every case the positive screens opened has its tier
proposed by assessment on CASES (`TierProposed`, seen on a plain subscription): rows/s and
cases/s are to that moment, with the import's own end beside it, and each process's CPU
seconds and resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.pipeline import RELAYS, SCHOOL, Processes, machine_context, on_a_system
from bench.screening import sheet
from casetrail.bus.identities import BusLogin
from casetrail.cli.cast import PSYCH_TEACHER, Cast
from casetrail.cli.desk import Desk
from casetrail.cli.runtime import Runtime
from casetrail.service import connect
from contracts.envelope import SERVICES
from tests.intake_files import csv_file

ASSESSED_TIMEOUT_SECONDS = 3600.0
IMPORT_TIMEOUT_SECONDS = 300.0
TARGET_SECONDS = 600.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--grades", type=int, default=500)
    parser.add_argument("--students", type=int, default=2000, help="per grade")
    parser.add_argument("--positive", type=float, default=0.08,
                        help="the share of rows that screen positive")
    parser.add_argument("--relays", choices=RELAYS, default="beside")
    return parser.parse_args()


class Assessed:
    """The cases assessment has proposed a tier for, as CASES shows them."""

    def __init__(self) -> None:
        self.case_ids: set[str] = set()
        self.changed = asyncio.Event()

    async def follow(self, nc: Client) -> None:
        await nc.subscribe("case.*.assessment.TierProposed", cb=self._seen,
                           pending_msgs_limit=10_000_000, pending_bytes_limit=2**31)

    async def _seen(self, msg: Msg) -> None:
        self.case_ids.add(msg.subject.split(".")[1])
        self.changed.set()

    async def all_of(self, wanted: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not wanted <= self.case_ids:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{len(wanted - self.case_ids)} cases never assessed")
            await asyncio.wait_for(self.changed.wait(), left)


async def grade(desk: Desk, number: int, students: int, positive: float) -> dict[str, Any]:
    """One grade's screening, consents and file, over intake's API; the import's report."""
    names = [f"G{number:04d}S{n:05d}" for n in range(students)]
    screening = await desk.post("intake", "/screenings", {
        "instrument": "asq", "held_on": date.today().isoformat(),
        "grade_label": f"grade {number}"}, by=PSYCH_TEACHER)
    path = f"/screenings/{screening['screening_id']}"
    await desk.post("intake", f"{path}/consents", {"consents": [
        {"school_student_id": name, "student_consented": True,
         "guardian_consented": n % 50 != 0} for n, name in enumerate(names)]},
        by=PSYCH_TEACHER)
    return await desk.upload("intake", f"{path}/imports", f"grade-{number}.csv",
                             csv_file(*sheet(names, positive)), by=PSYCH_TEACHER)


async def day(cluster_urls: dict[str, str], nats_url: str, data: Path,
              args: argparse.Namespace, processes: Processes) -> list[str]:
    nc = await connect(nats_url, "bench", BusLogin("bench"))  # the bench's server is open
    assessed = Assessed()
    await assessed.follow(nc)
    opened: set[str] = set()
    rows = 0
    every = max(1, args.grades // 10)
    cpu_before = processes.cpu_seconds()
    try:
        async with httpx.AsyncClient(timeout=IMPORT_TIMEOUT_SECONDS) as http:
            desk = Desk(Runtime(nats_url, cluster_urls), nc, http, Cast.signed_in(data, SCHOOL))
            started = time.perf_counter()
            for number in range(args.grades):
                report = await grade(desk, number, args.students, args.positive)
                rows += args.students
                opened.update(str(case["case_id"]) for case in report["cases"]
                              if case["opened"])
                if (number + 1) % every == 0 or number + 1 == args.grades:
                    seconds = time.perf_counter() - started
                    print(f"grade {number + 1:>4}/{args.grades}: {rows:>8} rows imported in "
                          f"{seconds:7.1f} s ({rows / seconds:5.0f} rows/s); {len(opened)} "
                          f"cases opened, {len(assessed.case_ids & opened)} assessed",
                          flush=True)
            imported = time.perf_counter() - started
            await assessed.all_of(opened, ASSESSED_TIMEOUT_SECONDS)
            wall = time.perf_counter() - started
    finally:
        await nc.close()
    used = processes.cpu_seconds()
    rss = processes.rss_mb()
    busiest = sorted(used, key=lambda name: used[name] - cpu_before[name], reverse=True)
    return [
        f"{rows} rows in {args.grades} files: imported in {imported:.1f} s "
        f"({rows / imported:.0f} rows/s); every one of the {len(opened)} cases assessed "
        f"after {wall:.1f} s ({rows / wall:.0f} rows/s, {len(opened) / wall:.1f} cases/s)",
        f"target: {rows} rows to every case assessed in under {TARGET_SECONDS:.0f} s: "
        f"{'met' if wall < TARGET_SECONDS else 'not met'}",
        "CPU seconds: " + ", ".join(f"{name} {used[name] - cpu_before[name]:.0f}"
                                    for name in busiest),
        "RSS MB at the end: " + ", ".join(f"{name} {rss[name]:.0f}" for name in busiest),
    ]


def main() -> None:
    args = arguments()
    for line in machine_context():
        print(line, flush=True)
    lines, _ = on_a_system(args.relays, "embedded", lambda bus, cluster, data: day(
        {service: cluster.url(service) for service in SERVICES}, bus.url, data, args,
        Processes(bus, cluster)))
    print(f"== relays {args.relays}: {args.grades} grades of {args.students}, "
          f"{args.positive:.0%} positive")
    for line in lines:
        print(line, flush=True)


if __name__ == "__main__":
    main()
