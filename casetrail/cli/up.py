"""`casetrail up`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from casetrail.bus.embedded import EmbeddedNats, free_port, port_open
from casetrail.cli.keys import machine_secrets
from casetrail.cli.processes import Cluster
from casetrail.cli.runtime import Runtime, data_dir
from casetrail.service import connect
from contracts.envelope import SERVICES
from contracts.streams import ensure_streams

NATS_PORT = 4222


async def _provision(nats_url: str) -> None:
    nc = await connect(nats_url, "casetrail-up")
    await ensure_streams(nc.jetstream())
    await nc.close()


def up() -> int:
    directory = data_dir().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    nats: EmbeddedNats | None = None
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        port = int(os.environ.get("CASETRAIL_NATS_PORT", NATS_PORT))
        if port_open(port):
            print(f"port {port} is taken; the embedded NATS server takes another one")
            port = free_port()
        nats = EmbeddedNats(directory / "nats", port).start()
        nats_url = nats.url
    asyncio.run(_provision(nats_url))
    cluster = Cluster(env={"NATS_URL": nats_url, "CASETRAIL_DATA_DIR": str(directory),
                           **machine_secrets(directory)},
                      log_dir=directory / "logs")
    for service in SERVICES:
        if port_text := os.environ.get(f"{service.upper()}_HTTP_PORT"):
            cluster.ports[service] = int(port_text)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for service, warnings in cluster.warnings().items():
        for warning in warnings:
            print(f"warning: {service}: {warning}")
    try:
        cluster.start_all()
        Runtime(nats_url, {s: cluster.url(s) for s in SERVICES}).save(directory)
        print(f"NATS        {nats_url}" + (" (embedded)" if nats else ""))
        for service in SERVICES:
            print(f"{service:<12}{cluster.url(service)}  (API docs: {cluster.url(service)}/docs)")
        print(f"data and logs in {directory}; Ctrl-C stops everything")
        while not stopping:
            for process in list(cluster.processes.values()):
                if not process.running and not stopping:
                    print(f"{process.name} stopped unexpectedly; restarting "
                          f"(log: {directory / 'logs' / process.name}.log)")
                    cluster.start(process.service, process.role)
            time.sleep(0.5)
    finally:
        print("stopping…")
        cluster.stop_all()
        if nats:
            nats.stop()
    return 0
