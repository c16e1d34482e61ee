"""`casetrail up` as an operator runs it: its children do not outlive it, however it ends,
and the tools find the system it runs only while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from casetrail.bus.embedded import free_port, port_open
from casetrail.cli.runtime import NotRunning, Runtime
from contracts.codes import Instrument
from contracts.envelope import SERVICES
from contracts.instruments import items_of
from services.intake.adapters.sheets import read_sheet

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the children of `up`")


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    data_dir: Path
    ports: list[int]

    def children(self) -> list[int]:
        return [pid for pid in _processes() if _parent(pid) == self.process.pid]


def _processes() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _stat(pid: int) -> list[str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return text.rsplit(")", 1)[1].split()  # after "pid (command)": state, ppid, ...


def _parent(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def _gone(pid: int) -> bool:
    """Exited: no process, or a zombie nobody has reaped yet (it holds no port)."""
    fields = _stat(pid)
    return not fields or fields[0] in ("Z", "X")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    ports = {f"{s.upper()}_HTTP_PORT": free_port() for s in SERVICES}
    env = {key: value for key, value in os.environ.items() if key != "NATS_URL"}
    nats_port = free_port()
    env |= {"CASETRAIL_DATA_DIR": str(tmp_path), "CASETRAIL_NATS_PORT": str(nats_port),
            **{key: str(port) for key, port in ports.items()}}
    process = subprocess.Popen([sys.executable, "-m", "casetrail.cli.main", "up"], env=env,
                               stdout=(tmp_path / "up.log").open("wb"),
                               stderr=subprocess.STDOUT)
    running = Up(process, tmp_path, [nats_port, *ports.values()])
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                Runtime.load(tmp_path)
                break
            except NotRunning:
                assert process.poll() is None, (tmp_path / "up.log").read_text()
                assert time.monotonic() < deadline, "casetrail up did not start in 120 s"
                time.sleep(0.5)
        yield running
    finally:
        for pid in [*running.children(), process.pid]:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def _all_gone_within(up: Up, children: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(map(_gone, children)) and not any(map(port_open, up.ports)):
            return
        time.sleep(0.1)
    alive = [pid for pid in children if not _gone(pid)]
    held = [port for port in up.ports if port_open(port)]
    raise AssertionError(f"after {seconds}s: processes {alive} alive, ports {held} held")


def test_killing_up_takes_nats_and_every_service_with_it(up: Up) -> None:
    children = up.children()
    assert len(children) == 1 + 2 * len(SERVICES)  # nats-server, each API and its relay
    up.process.kill()
    up.process.wait()
    _all_gone_within(up, children, seconds=5)
    # What it recorded is stale now, and a tool says so in one paragraph.
    refused = subprocess.run(
        [sys.executable, "-m", "casetrail.cli.main", "timeline", str(uuid4()),
         "--data-dir", str(up.data_dir)], capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert refused.stderr.count("\n") == 1 and "(process" in refused.stderr
    assert "is gone" in refused.stderr


def test_a_screenings_template_comes_from_the_system_up_runs_then_sigterm_stops_it_all(
        up: Up, tmp_path: Path) -> None:
    intake = Runtime.load(up.data_dir).services["intake"]
    screening_id = httpx.post(f"{intake}/screenings", json={
        "instrument": "phq_a", "held_on": "2026-03-01",
        "actor": {"role": "psych_teacher", "id": "p-1"}}).json()["screening_id"]
    written = subprocess.run(
        [sys.executable, "-m", "casetrail.cli.main", "screening-template", screening_id,
         "--xlsx", "--output", str(tmp_path / "phq-a.xlsx"), "--data-dir", str(up.data_dir)],
        capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr
    header = read_sheet("phq-a.xlsx", (tmp_path / "phq-a.xlsx").read_bytes()).header
    assert header[0] == "学号" and len(header) == 1 + len(items_of(Instrument.PHQ_A))

    children = up.children()
    up.process.terminate()
    assert up.process.wait(timeout=15) == 0
    _all_gone_within(up, children, seconds=1)
    assert not (up.data_dir / "runtime.json").exists()
