"""`casetrail up` as a process of its own, the way an operator starts it, and its children
as /proc shows them (Linux)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from casetrail.bus.embedded import free_port
from casetrail.cli.processes import SERVED
from casetrail.cli.runtime import NotRunning, Runtime


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


def gone(pid: int) -> bool:
    """Exited: no process, or a zombie nobody has reaped yet (it holds no port)."""
    fields = _stat(pid)
    return not fields or fields[0] in ("Z", "X")


@contextlib.contextmanager
def running_up(data_dir: Path, *, leave_out: tuple[str, ...] = ()) -> Iterator[Up]:
    """`casetrail up` on free ports with this environment, less the variables `leave_out`
    names; returns once the tools find the system it runs, kills it and its children after."""
    ports = {f"{s.upper()}_HTTP_PORT": free_port() for s in SERVED}
    env = {key: value for key, value in os.environ.items()
           if key not in ("NATS_URL", *leave_out)}
    nats_port = free_port()
    env |= {"CASETRAIL_DATA_DIR": str(data_dir), "CASETRAIL_NATS_PORT": str(nats_port),
            **{key: str(port) for key, port in ports.items()}}
    process = subprocess.Popen([sys.executable, "-m", "casetrail.cli.main", "up"], env=env,
                               stdout=(data_dir / "up.log").open("wb"),
                               stderr=subprocess.STDOUT)
    running = Up(process, data_dir, [nats_port, *ports.values()])
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                Runtime.load(data_dir)
                break
            except NotRunning:
                assert process.poll() is None, (data_dir / "up.log").read_text()
                assert time.monotonic() < deadline, "casetrail up did not start in 120 s"
                time.sleep(0.5)
        yield running
    finally:
        for pid in [*running.children(), process.pid]:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()
