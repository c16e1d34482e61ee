"""`casetrail up` as an operator runs it: its children do not outlive it, however it ends,
and the tools find the system it runs only while it runs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from casetrail.bus.embedded import port_open
from casetrail.cli.runtime import Runtime
from contracts.codes import Instrument, Role
from contracts.envelope import SERVICES
from contracts.instruments import items_of
from services.intake.adapters.sheets import read_sheet
from tests.e2e.running_up import Up, gone, running_up
from tests.identity import bearer, token

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the children of `up`")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    with running_up(tmp_path) as running:
        yield running


def _allgone_within(up: Up, children: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(map(gone, children)) and not any(map(port_open, up.ports)):
            return
        time.sleep(0.1)
    alive = [pid for pid in children if not gone(pid)]
    held = [port for port in up.ports if port_open(port)]
    raise AssertionError(f"after {seconds}s: processes {alive} alive, ports {held} held")


def test_killing_up_takes_nats_and_every_service_with_it(up: Up) -> None:
    children = up.children()
    # nats-server, each service's API and its relay, supervision's API, the console
    assert len(children) == 1 + 2 * len(SERVICES) + 1 + 1
    up.process.kill()
    up.process.wait()
    _allgone_within(up, children, seconds=5)
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
        "instrument": "phq_a", "held_on": "2026-03-01"},
        headers=bearer(Role.PSYCH_TEACHER)).json()["screening_id"]
    written = subprocess.run(
        [sys.executable, "-m", "casetrail.cli.main", "screening-template", screening_id,
         "--xlsx", "--output", str(tmp_path / "phq-a.xlsx"), "--data-dir", str(up.data_dir),
         "--token", token(Role.PSYCH_TEACHER)],
        capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr
    header = read_sheet("phq-a.xlsx", (tmp_path / "phq-a.xlsx").read_bytes()).header
    assert header[0] == "学号" and len(header) == 1 + len(items_of(Instrument.PHQ_A))

    children = up.children()
    up.process.terminate()
    assert up.process.wait(timeout=15) == 0
    _allgone_within(up, children, seconds=1)
    assert not (up.data_dir / "runtime.json").exists()
