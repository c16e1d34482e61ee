"""`casetrail up`: the whole system on this machine, until Ctrl-C or SIGTERM.

Its children die with it: stopped in order when it is asked to stop, killed by the kernel
when it is killed (casetrail.children). What runs is recorded in `<data dir>/runtime.json`
for the other commands, and the record goes when the system does.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from casetrail.bus.embedded import EmbeddedNats, free_port, port_open
from casetrail.bus.identities import OPERATOR, BusIdentities
from casetrail.cli.keys import machine_secrets, write_ledger_keys
from casetrail.cli.processes import CONSOLE, LISTENING, SERVED, Cluster
from casetrail.cli.runtime import NotRunning, Runtime
from casetrail.identity.issuer import ISSUER, LocalIssuer, issuer_dir

NATS_PORT = 4222
DEFAULT_SCHOOL = "school-1"


class _Stopping(Exception):
    """SIGTERM or SIGINT: whatever `up` is doing, starting included, it stops now."""


def _stop_on_signals() -> None:
    def stop(*_: object) -> None:
        # Once: a second Ctrl-C must not interrupt the stopping itself.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise _Stopping

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _already_running(directory: Path) -> Runtime | None:
    try:
        return Runtime.load(directory)
    except NotRunning:
        return None


def up(directory: Path) -> int:
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if (running := _already_running(directory)) is not None:
        print(f"casetrail up: a system already runs from {directory} (casetrail up, process "
              f"{running.pid}); stop it first, or give this one another --data-dir.",
              file=sys.stderr)
        return 2
    _stop_on_signals()
    nats: EmbeddedNats | None = None
    cluster: Cluster | None = None
    try:
        nats_url = os.environ.get("NATS_URL")
        # Given a server, its identities are given too (<SERVICE>_NATS_SEED_FILE, the tools'
        # CASETRAIL_NATS_SEED_FILE); the embedded server admits only those made here.
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
            nats = EmbeddedNats(directory / "nats", port, identities.authorization(),
                                bound_to_parent=True).start()
            nats_url = nats.url
        # The services create the streams they need when they start.
        cluster = Cluster(env={"NATS_URL": nats_url, "CASETRAIL_DATA_DIR": str(directory),
                               **bus_env, **machine_secrets(directory),
                               **_identity_env(directory)},
                          log_dir=directory / "logs", bound_to_parent=True)
        for service in LISTENING:
            if port_text := os.environ.get(f"{service.upper()}_HTTP_PORT"):
                cluster.ports[service] = int(port_text)
        for service, warnings in cluster.warnings().items():
            for warning in warnings:
                print(f"warning: {service}: {warning}")
        write_ledger_keys(directory, cluster.env["CASETRAIL_SCHOOL_ID"], cluster.env)
        cluster.start_all()
        Runtime(nats_url, {s: cluster.url(s) for s in SERVED},
                pid=os.getpid(), nats_seed_file=operator_seed,
                nats_tls_ca_file=os.environ.get("NATS_TLS_CA_FILE"),
                school=cluster.env["CASETRAIL_SCHOOL_ID"],
                signed_by=_signed_by(), console=cluster.url(CONSOLE)).save(directory)
        print(f"NATS          {nats_url}" + (" (embedded)" if nats else ""))
        for service in SERVED:
            print(f"{service:<14}{cluster.url(service)}  (API docs: {cluster.url(service)}/docs)")
        print(f"{CONSOLE:<14}{cluster.url(CONSOLE)}  (the crisis team's pages: sign in there)")
        print(f"school        {cluster.env['CASETRAIL_SCHOOL_ID']}; sign in: casetrail users "
              "add NAME --role ROLE --school SCHOOL, then casetrail login NAME")
        print(f"data and logs in {directory}; Ctrl-C stops everything", flush=True)
        _supervise(cluster, directory)
    except _Stopping:
        pass
    finally:
        print("stopping…", flush=True)
        Runtime.forget(directory)
        if cluster is not None:
            cluster.stop_all()
        if nats is not None:
            nats.stop()
    return 0


def _identity_env(directory: Path) -> dict[str, str]:
    """The school served, and the built-in issuer's keys unless a provider is configured."""
    env = {"CASETRAIL_SCHOOL_ID": os.environ.get("CASETRAIL_SCHOOL_ID", DEFAULT_SCHOOL)}
    if _signed_by() is None:
        env["CASETRAIL_OIDC_JWKS_FILE"] = str(LocalIssuer(issuer_dir(directory)).ensure()
                                              .jwks_file)
    return env


def _signed_by() -> str | None:
    """Who signs the tokens the services take, when it is not the built-in issuer: the
    school's OpenID Connect provider, or keys given as a JWKS."""
    issuer = os.environ.get("CASETRAIL_OIDC_ISSUER")
    return ((issuer if issuer and issuer != ISSUER else None)
            or os.environ.get("CASETRAIL_OIDC_JWKS_URL")
            or os.environ.get("CASETRAIL_OIDC_JWKS_FILE"))


def _supervise(cluster: Cluster, directory: Path) -> None:
    """Restarts a process that stopped; returns only by a signal (_Stopping)."""
    while True:
        for process in list(cluster.processes.values()):
            if not process.running:
                print(f"{process.name} stopped unexpectedly; restarting "
                      f"(log: {directory / 'logs' / process.name}.log)", flush=True)
                cluster.start(process.service, process.role)
        time.sleep(0.5)
