"""`casetrail up`: the whole system on this machine, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import time

from casetrail.bus.embedded import EmbeddedNats, free_port, port_open
from casetrail.bus.identities import OPERATOR, BusIdentities
from casetrail.cli.keys import machine_secrets
from casetrail.cli.processes import Cluster
from casetrail.cli.runtime import Runtime, data_dir
from contracts.envelope import SERVICES

NATS_PORT = 4222


def up() -> int:
    directory = data_dir().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    nats: EmbeddedNats | None = None
    nats_url = os.environ.get("NATS_URL")
    # Given a server, the identities are given too (<SERVICE>_NATS_SEED_FILE and the
    # operator's CASETRAIL_NATS_SEED_FILE); the embedded server admits only those made here.
    operator_seed = os.environ.get("CASETRAIL_NATS_SEED_FILE")
    bus_env: dict[str, str] = {}
    if not nats_url:
        identities = BusIdentities.kept_in(directory / "secrets")
        bus_env = identities.service_env()
        operator_seed = str(identities.seed_file(OPERATOR))
        port = int(os.environ.get("CASETRAIL_NATS_PORT", NATS_PORT))
        if port_open(port):
            print(f"port {port} is taken; the embedded NATS server takes another one")
            port = free_port()
        nats = EmbeddedNats(directory / "nats", port, identities.authorization()).start()
        nats_url = nats.url
    cluster = Cluster(env={"NATS_URL": nats_url, "CASETRAIL_DATA_DIR": str(directory),
                           **bus_env, **machine_secrets(directory)},
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
    try:
        cluster.start_all()
        Runtime(nats_url, {s: cluster.url(s) for s in SERVICES}, operator_seed).save(directory)
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
