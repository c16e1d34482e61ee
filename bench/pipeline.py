"""How fast the pipeline is on the embedded default, next to what the bus alone costs.

Starts its own nats-server (JetStream, file storage, fsync always; or three as a cluster,
streams on three replicas) and the eight service processes, then measures in one run: a bare
JetStream publish round trip (the floor), the unloaded time from a crisis report to its first
guardian notice on CASES, how many cases per second go from report to closure with several
in flight, and on a cluster how long a report takes to reach its notice once the node
leading CASES is killed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psutil
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import StorageType, StreamConfig

from casetrail.bus.embedded import EmbeddedNats, free_port, server_binary
from casetrail.bus.identities import BusLogin
from casetrail.bus.local_cluster import NatsCluster
from casetrail.cli.cast import Cast
from casetrail.cli.desk import Desk
from casetrail.cli.keys import machine_secrets
from casetrail.cli.processes import LISTENING, Cluster
from casetrail.cli.runtime import Runtime
from casetrail.cli.scenarios.common import register_guardians
from casetrail.cli.watch import EventWatch
from casetrail.identity.issuer import LocalIssuer, issuer_dir
from casetrail.service import connect
from contracts.envelope import SERVICES
from contracts.subjects import CASES_STREAM

FLOOR_WARMUP = 200
FLOOR_PUBLISHES = 2000
FLOOR_STREAM = "BENCH"
PAYLOAD = b"x" * 600
NOTICE_TIMEOUT_SECONDS = 30.0
# Untimed crisis reports first: the relays are still starting when start_all() returns,
# and the first case through would otherwise wait seconds for them.
NOTICE_WARMUP = 5
SCHOOL = "bench-school"
# Where the relays run: the value of CASETRAIL_RELAY_BESIDE_API.
RELAYS = {"apart": "false", "beside": "true"}
# One nats-server, as `casetrail up` runs it, or three as one JetStream cluster.
NATS = ("embedded", "cluster")
RECOVERY_TIMEOUT_SECONDS = 120.0
# Tier, imminent, signs: what the full-case run cycles through.
TIERS: list[tuple[str, bool, list[str]]] = [
    ("crisis", True, ["suicide_attempt"]),
    ("serious", False, ["suicidal_ideation"]),
    ("general", False, ["emotional_abnormality"]),
    ("none", False, ["grade_swing"]),
]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=500,
                        help="crisis reports timed from POST to first guardian notice")
    parser.add_argument("--full-cases", type=int, default=100,
                        help="cases driven through every stage for throughput")
    parser.add_argument("--relays", choices=RELAYS, nargs="+", default=list(RELAYS),
                        help="each relay a process of its own, or a task beside its API; "
                             "each one given is measured on a system of its own")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="full cases in flight at once")
    parser.add_argument("--nats", choices=NATS, nargs="+", default=["embedded"],
                        help="one nats-server, or three as a cluster with three replicas "
                             "(and a node killed at the end); each one given is measured "
                             "on a system of its own")
    return parser.parse_args()


def percentile(ordered: list[int], q: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def machine_context() -> list[str]:
    version = subprocess.run([server_binary(), "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    return [f"nproc: {os.cpu_count()}",
            f"python: {sys.version.split()[0]} ({platform.platform()})",
            version or "nats-server: version unknown",
            "note: figures are noisy on a shared 2-core machine; compare within one run."]


@dataclass
class Bus:
    """The system's NATS: one embedded server, or the nodes of a cluster."""

    nats: EmbeddedNats | NatsCluster

    @property
    def url(self) -> str:
        return self.nats.url

    @property
    def pids(self) -> dict[str, int]:
        if isinstance(self.nats, EmbeddedNats):
            nodes = {"nats-server": self.nats}
        else:
            nodes = {self.nats.name(n): node for n, node in enumerate(self.nats.nodes)}
        return {name: node.process.pid for name, node in nodes.items()
                if node.process is not None}

    def stop(self) -> None:
        self.nats.stop()


def is_broker(process: str) -> bool:
    return process.startswith("nats-")


@contextmanager
def running_system(data: Path, relays: str, kind: str) -> Iterator[tuple[Bus, Cluster]]:
    """The NATS of `kind` and the services' processes, stopped on the way out; they take
    the tokens of the data dir's built-in issuer."""
    bus = Bus(EmbeddedNats(data / "nats", free_port()).start() if kind == "embedded"
              else NatsCluster(data / "nats").start())
    replicas = {"CASETRAIL_STREAM_REPLICAS": "3"} if kind == "cluster" else {}
    cluster = Cluster(
        env={"NATS_URL": bus.url, "CASETRAIL_DATA_DIR": str(data), **replicas,
             "CASETRAIL_SCHOOL_ID": SCHOOL,
             "CASETRAIL_OIDC_JWKS_FILE": str(LocalIssuer(issuer_dir(data)).ensure().jwks_file),
             "CASETRAIL_RELAY_BESIDE_API": RELAYS[relays],
             # One desk makes every request: a person's rate limit would measure itself.
             "CASETRAIL_RATE_LIMIT": "1000000/minute",
             # Whom escalations and reports reach, as a school sets them.
             "NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT": "+86 138 0000 0100",
             "NOTIFICATION_POLICE_CONTACT": "+86 110",
             "NOTIFICATION_COMMISSION_CONTACT": "commission@example.cn",
             # As `casetrail up` runs it: encrypted at rest, checkpoints signed.
             **machine_secrets(data)},
        log_dir=data / "logs",
        ports={service: free_port() for service in LISTENING})
    try:
        cluster.start_all()
        yield bus, cluster
    finally:
        cluster.stop_all()
        bus.stop()


async def publish_floor(nc: Client) -> list[int]:
    """Round trips (ns) of a JetStream publish awaiting its ack, on a scratch stream."""
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=FLOOR_STREAM, subjects=["bench.>"],
                                     storage=StorageType.FILE))
    for i in range(FLOOR_WARMUP):
        await js.publish(f"bench.warmup.{i}", PAYLOAD, stream=FLOOR_STREAM)
    times: list[int] = []
    for i in range(FLOOR_PUBLISHES):
        start = time.perf_counter_ns()
        await js.publish(f"bench.floor.{i}", PAYLOAD, stream=FLOOR_STREAM)
        times.append(time.perf_counter_ns() - start)
    return times


async def families(desk: Desk, students: list[str]) -> None:
    """Each student's guardians on file, as the school keeps them before any concern."""
    gate = asyncio.Semaphore(8)

    async def one(student: str) -> None:
        async with gate:
            await register_guardians(desk, student, primary="sms")

    await asyncio.gather(*map(one, students))


async def report_to_notice(desk: Desk, cases: int, run: str) -> list[int]:
    """Unloaded latencies (ns): one crisis report at a time, each until its notice is seen
    (through the desk's watch); the first NOTICE_WARMUP are left out."""
    times: list[int] = []
    await families(desk, [f"{run}-notice-{i}" for i in range(NOTICE_WARMUP + cases)])
    for i in range(NOTICE_WARMUP + cases):
        start = time.perf_counter_ns()
        received = await desk.report(f"{run}-notice-{i}", signs=["suicide_attempt"],
                                     imminent=True)
        await desk.event(UUID(received["case_id"]), "notification", "GuardianNoticeIssued",
                         timeout=NOTICE_TIMEOUT_SECONDS)
        times.append(time.perf_counter_ns() - start)
    return times[NOTICE_WARMUP:]


async def full_cases(desk: Desk, cases: int, concurrency: int, run: str) -> float:
    """Wall time (s) to drive `cases` cases through every stage, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        tier, imminent, signs = TIERS[i % len(TIERS)]
        async with gate:
            await desk.through_every_stage(f"{run}-full-{i}", tier, imminent=imminent,
                                           signs=signs)

    start = time.perf_counter_ns()
    await asyncio.gather(*(one(i) for i in range(cases)))
    return (time.perf_counter_ns() - start) / 1e9


def floor_lines(floor: list[int]) -> list[str]:
    ordered = sorted(floor)
    return [f"floor: JetStream publish+ack, {len(ordered)} x {len(PAYLOAD)} B, file, "
            f"sync always: p50 {percentile(ordered, 0.5) / 1e3:.0f} µs  "
            f"p99 {percentile(ordered, 0.99) / 1e3:.0f} µs"]


def notice_lines(notice: list[int], floor: list[int]) -> list[str]:
    ordered, base = sorted(notice), sorted(floor)
    p50, p99 = percentile(ordered, 0.5), percentile(ordered, 0.99)
    return [f"report → first guardian notice, {len(ordered)} crisis cases one at a time: "
            f"p50 {p50 / 1e6:.1f} ms  p90 {percentile(ordered, 0.9) / 1e6:.1f} ms  "
            f"p99 {p99 / 1e6:.1f} ms  max {ordered[-1] / 1e6:.1f} ms",
            f"  ratio to floor: p50 {p50 / percentile(base, 0.5):.0f}x  "
            f"p99 {p99 / percentile(base, 0.99):.0f}x"]


def throughput_lines(cases: int, concurrency: int, wall: float) -> list[str]:
    return [f"full cases (report → closure, tiers round-robin), {cases} at concurrency "
            f"{concurrency}: {cases / wall:.1f} cases/s, wall {wall:.1f} s"]


class Processes:
    """The system's processes by name (each service's API and relay, supervision, the
    console, each nats-server): CPU seconds used so far, and resident memory."""

    def __init__(self, bus: Bus, cluster: Cluster) -> None:
        pids = {name: process.process.pid for name, process in cluster.processes.items()
                if process.process is not None}
        pids.update(bus.pids)
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}

    def cpu_seconds(self) -> dict[str, float]:
        return {name: sum(p.cpu_times()[:2]) for name, p in self.processes.items()}

    def rss_mb(self) -> dict[str, float]:
        return {name: p.memory_info().rss / 2**20 for name, p in self.processes.items()}


def cpu_per_case(before: dict[str, float], after: dict[str, float],
                 cases: int) -> dict[str, float]:
    """Each process's CPU milliseconds per full case."""
    return {name: (after[name] - before[name]) * 1e3 / cases for name in after}


def services_cpu(used: dict[str, float]) -> float:
    """The services' share: every process but the brokers."""
    return sum(ms for name, ms in used.items() if not is_broker(name))


def cpu_lines(used: dict[str, float], client: float, cases: int) -> list[str]:
    """CPU milliseconds per full case: the services', then each process's, the broker's
    and the benchmark client's own."""
    services = services_cpu(used)
    brokers = sum(ms for name, ms in used.items() if is_broker(name))
    lines = [f"service CPU per full case: {services:.0f} ms (nats-server {brokers:.0f}"
             f" ms, the benchmark's client {client * 1e3 / cases:.0f} ms)"]
    lines += [f"  {name}: {ms:.1f} ms" for name, ms in
              sorted(used.items(), key=lambda item: -item[1]) if not is_broker(name)]
    return lines


def rss_lines(rss: dict[str, float]) -> list[str]:
    return ["resident memory after the run: " + ", ".join(
        f"{name} {mb:.0f} MB" for name, mb in sorted(rss.items(), key=lambda item: -item[1]))]


def client_cpu() -> float:
    usage = psutil.Process().cpu_times()
    return float(usage.user + usage.system)


async def recovery(desk: Desk, nc: Client, nodes: NatsCluster, run: str) -> list[str]:
    """The node leading CASES killed, then one crisis report at once: how long until CASES
    has a leader again, and until that report's notice is on it."""
    await families(desk, [f"{run}-recovery"])
    info = await nc.jetstream().stream_info(CASES_STREAM)
    assert info.cluster is not None and info.cluster.leader is not None
    killed = info.cluster.leader
    nodes.kill(nodes.node_named(killed))
    start = time.perf_counter_ns()
    report = asyncio.create_task(desk.report(f"{run}-recovery", signs=["suicide_attempt"],
                                             imminent=True))
    while True:
        with suppress(NatsError):
            info = await nc.jetstream().stream_info(CASES_STREAM)
            if info.cluster is not None and info.cluster.leader not in (None, killed):
                break
        await asyncio.sleep(0.1)
    leader = time.perf_counter_ns() - start
    await desk.event(UUID((await report)["case_id"]), "notification", "GuardianNoticeIssued",
                     timeout=RECOVERY_TIMEOUT_SECONDS)
    notice = time.perf_counter_ns() - start
    return [f"recovery, {killed} (leading CASES) SIGKILLed: CASES led again after "
            f"{leader / 1e9:.1f} s; a crisis reported at the kill had its notice after "
            f"{notice / 1e9:.1f} s"]


async def measure(bus: Bus, cluster: Cluster, data: Path,
                  args: argparse.Namespace) -> list[str]:
    run = f"b{time.time_ns() % 10**9}"
    runtime = Runtime(bus.url, {s: cluster.url(s) for s in SERVICES})
    processes = Processes(bus, cluster)
    nc = await connect(bus.url, "bench", BusLogin("bench"))  # the bench's server is open
    watch = await EventWatch(nc).start()
    try:
        async with httpx.AsyncClient(timeout=30.0) as http:
            desk = Desk(runtime, nc, http, Cast.signed_in(data, SCHOOL), watch)
            floor = await publish_floor(nc)
            notice = await report_to_notice(desk, args.cases, run)
            await families(desk, [f"{run}-full-{i}" for i in range(args.full_cases)])
            before, client_before = processes.cpu_seconds(), client_cpu()
            wall = await full_cases(desk, args.full_cases, args.concurrency, run)
            after, client = processes.cpu_seconds(), client_cpu() - client_before
            rss = processes.rss_mb()
            recovered = (await recovery(desk, nc, bus.nats, run)
                         if isinstance(bus.nats, NatsCluster) else [])
    finally:
        await watch.stop()
        await nc.close()
    used = cpu_per_case(before, after, args.full_cases)
    ordered = sorted(notice)
    reached = Reached(p50_ms=percentile(ordered, 0.5) / 1e6,
                      p99_ms=percentile(ordered, 0.99) / 1e6,
                      cases_per_second=args.full_cases / wall,
                      cpu_ms_per_case=services_cpu(used),
                      largest_rss_mb=max(mb for name, mb in rss.items()
                                         if not is_broker(name)))
    return (floor_lines(floor) + notice_lines(notice, floor)
            + throughput_lines(args.full_cases, args.concurrency, wall)
            + cpu_lines(used, client, args.full_cases) + rss_lines(rss)
            + reached.against_targets() + recovered)


@dataclass(frozen=True)
class Reached:
    """What a run reached, beside the targets of the screening-day issue (2 cores)."""

    p50_ms: float
    p99_ms: float
    cases_per_second: float
    cpu_ms_per_case: float
    largest_rss_mb: float

    def against_targets(self) -> list[str]:
        checks = [("report → notice p50", self.p50_ms, "≤", 15.0, "ms"),
                  ("report → notice p99", self.p99_ms, "≤", 40.0, "ms"),
                  ("full cases", self.cases_per_second, "≥", 40.0, "/s"),
                  ("service CPU per full case", self.cpu_ms_per_case, "≤", 40.0, "ms"),
                  ("largest process RSS", self.largest_rss_mb, "<", 150.0, "MB")]
        return ["targets: " + "; ".join(
            f"{what} {value:.1f}{unit} ({sign} {target:.0f}{unit}: "
            f"{'met' if _meets(value, sign, target) else 'not met'})"
            for what, value, sign, target, unit in checks)]


def _meets(value: float, sign: str, target: float) -> bool:
    return value >= target if sign == "≥" else value < target if sign == "<" else \
        value <= target


def on_a_system(relays: str, kind: str,
                measured: Callable[[Bus, Cluster, Path], Coroutine[Any, Any, list[str]]]
                ) -> tuple[list[str], int]:
    """What `measured` prints of a system of its own, in a data dir kept only if it fails;
    and how many service processes the system ran."""
    data = Path(tempfile.mkdtemp(prefix="casetrail-bench-"))
    print(f"data dir: {data} (logs in logs/; removed after a successful run)", flush=True)
    with running_system(data, relays, kind) as (bus, cluster):
        lines = asyncio.run(measured(bus, cluster, data))
    shutil.rmtree(data)
    return lines, len(cluster.processes)


def main() -> None:
    args = arguments()
    for line in machine_context():
        print(line, flush=True)
    for relays in args.relays:
        for kind in args.nats:
            lines, processes = on_a_system(
                relays, kind, lambda bus, cluster, data: measure(bus, cluster, data, args))
            print(f"== relays {relays}, nats {kind}: {processes} service processes")
            for line in lines:
                print(line, flush=True)


if __name__ == "__main__":
    main()
