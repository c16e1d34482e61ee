"""Starting the services as their own processes, for `casetrail up`, the e2e tests and bench."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import TypeAdapter

from casetrail.bus.identities import SUPERVISION
from casetrail.children import dying_with_parent
from casetrail.cli.keys import LEDGER_KEYS_FILE
from casetrail.settings import LOCAL_PORTS
from contracts.envelope import SERVICES

CONSOLE = "console"
DEFAULT_PORTS = LOCAL_PORTS
# The processes with an API: the four publishing services, then the auditors' read side.
SERVED = (*SERVICES, SUPERVISION)
# Everything that listens: the APIs and the people's pages over them.
LISTENING = (*SERVED, CONSOLE)


@dataclass
class ServiceProcess:
    """`python -m services.<service> serve|relay` with its own log file."""

    service: str
    role: str  # "serve" or "relay"
    env: dict[str, str]
    log_dir: Path
    bound_to_parent: bool = False  # killed by the kernel when the starting process dies
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return self.service if self.role == "serve" else f"{self.service}-relay"

    def start(self) -> ServiceProcess:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.service}", self.role],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=dying_with_parent() if self.bound_to_parent else None)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up, as in a crash or a power cut of that process."""
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def terminate(self) -> None:
        """SIGTERM: the process finishes what it is doing and exits."""
        if self.process is not None and self.running:
            self.process.terminate()

    def stopped_by(self, deadline: float) -> None:
        """Waits for a terminated process until the deadline (monotonic), then kills it."""
        if self.process is None:
            return
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Cluster:
    """The four services, each an API process and a relay process, supervision (an API
    that reads the bus and publishes nothing, so no relay) and the console (pages over the
    APIs), on one machine."""

    env: dict[str, str]
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    # `casetrail up` binds its children to its life; tests start processes from threads
    # that may end first, so they stop theirs themselves.
    bound_to_parent: bool = False
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _env(self, service: str) -> dict[str, str]:
        env = {**os.environ, **self.env,
               f"{service.upper()}_HTTP_PORT": str(self.ports[service]),
               # Where supervision asks each service for its own part of a case.
               "SUPERVISION_SERVICE_URLS": json.dumps({s: self.url(s) for s in SERVICES}),
               # Where the console asks every API, as the person signed in.
               "CONSOLE_SERVICE_URLS": json.dumps({s: self.url(s) for s in SERVED})}
        # The keys `casetrail up` wrote for auditors: supervision pins them to check each
        # report's case against the signed checkpoints.
        keys = Path(env.get("CASETRAIL_DATA_DIR", "data")) / LEDGER_KEYS_FILE
        if keys.exists():
            env.setdefault("SUPERVISION_LEDGER_KEYS_FILE", str(keys))
        return env

    def start(self, service: str, role: str, timeout: float = 30.0) -> ServiceProcess:
        process = ServiceProcess(service, role, self._env(service), self.log_dir,
                                 self.bound_to_parent).start()
        self.processes[process.name] = process
        if role == "serve":
            self.wait_healthy(service, timeout)
        return process

    def warnings(self) -> dict[str, list[str]]:
        """What each service's settings leave out (`python -m services.<name> check`, all
        at once), by service."""
        checks = {service: subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", "check"], env=self._env(service),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for service in SERVICES}
        return {service: check.communicate()[0].decode().splitlines()
                for service, check in checks.items()}

    @property
    def relays_apart(self) -> bool:
        """Whether each relay is a process of its own, not a task beside its API
        (CASETRAIL_RELAY_BESIDE_API)."""
        beside = self._env(SERVICES[0]).get("CASETRAIL_RELAY_BESIDE_API") or "false"
        return not TypeAdapter(bool).validate_python(beside)

    def start_all(self) -> None:
        # APIs first: each creates its tables before its relay reads them.
        for service in SERVICES:
            self.start(service, "serve")
        for service in SERVICES if self.relays_apart else ():
            self.start(service, "relay")
        self.start(SUPERVISION, "serve")  # it replays CASES, which the relays fill
        self.start(CONSOLE, "serve")

    def wait_healthy(self, service: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        process = self.processes[service]
        while time.monotonic() < deadline:
            if not process.running:
                raise RuntimeError(f"{service} exited; see {self.log_dir / service}.log")
            try:
                if httpx.get(f"{self.url(service)}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{service} not healthy within {timeout}s")

    def stop_all(self, timeout: float = 5.0) -> None:
        """All relays at once, then all APIs at once, each group killed after `timeout`.

        Relays first, so nothing is left half-published by an API going away under it."""
        for role in ("relay", "serve"):
            group = [p for p in self.processes.values() if p.role == role]
            for process in group:
                process.terminate()
            deadline = time.monotonic() + timeout
            for process in group:
                process.stopped_by(deadline)
