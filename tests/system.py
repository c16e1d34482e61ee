"""The real system on a NATS server of its own: the services and the console as their own
processes, on free ports, with their own data dir (the e2e and browser tests start it)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from casetrail.bus.embedded import EmbeddedNats, free_port
from casetrail.bus.identities import OPERATOR, BusIdentities, BusLogin
from casetrail.cli.processes import LISTENING, SERVED, Cluster
from casetrail.cli.runtime import Runtime
from casetrail.ledger.signing import new_signing_key
from contracts.envelope import SERVICES
from tests.conftest import CIPHER_KEY, DATA_MASTER_KEYS, PSEUDONYM_KEY

# Short enough to watch an escalation happen, long enough for the happy path to acknowledge.
ESCALATE_CRISIS_AFTER_SECONDS = 4


@dataclass
class System:
    cluster: Cluster
    nats_url: str
    data_dir: Path
    identities: BusIdentities
    tls_ca_file: Path | None = None

    @property
    def runtime(self) -> Runtime:
        return Runtime(self.nats_url, {s: self.cluster.url(s) for s in SERVED},
                       nats_seed_file=str(self.identities.seed_file(OPERATOR)),
                       nats_tls_ca_file=str(self.tls_ca_file) if self.tls_ca_file else None)

    def login(self, principal: str) -> BusLogin:
        """A client on this system's bus as one of its principals (a service, the operator)."""
        return BusLogin(principal, self.identities.seed_file(principal), self.tls_ca_file)


def secured_nats(data: Path, port: int | None = None) -> EmbeddedNats:
    """A nats-server that admits only the identities kept in `data/secrets`, as `up` runs."""
    identities = BusIdentities.kept_in(data / "secrets")
    return EmbeddedNats(data / "nats", port, identities.authorization())


@contextlib.contextmanager
def running_services(data: Path, nats_url: str,
                     settings: dict[str, str] | None = None) -> Iterator[System]:
    """The nine processes on the given NATS (secured by `secured_nats(data)`); SQLite stores
    unless `settings` say otherwise."""
    identities = BusIdentities.kept_in(data / "secrets")
    cluster = Cluster(
        env={"NATS_URL": nats_url, "CASETRAIL_DATA_DIR": str(data),
             **identities.service_env(),
             "CASETRAIL_PSEUDONYM_KEY": PSEUDONYM_KEY, "CASETRAIL_CIPHER_KEY": CIPHER_KEY,
             **DATA_MASTER_KEYS,
             # Each service signs its log's checkpoints, as under `casetrail up`.
             **{f"{s.upper()}_LEDGER_SIGNING_KEY": new_signing_key() for s in SERVICES},
             "NOTIFICATION_ESCALATE_CRISIS_AFTER_SECONDS": str(ESCALATE_CRISIS_AFTER_SECONDS),
             "NOTIFICATION_TIMER_TICK_SECONDS": "0.2",
             "ASSESSMENT_REDELIVERY_DELAY_SECONDS": "0.1",
             "ASSESSMENT_MAX_DELIVER": "3", **(settings or {})},
        log_dir=data / "logs",
        ports={service: free_port() for service in LISTENING})
    try:
        cluster.start_all()
        tls_ca_file = (settings or {}).get("NATS_TLS_CA_FILE")
        yield System(cluster, nats_url, data, identities,
                     Path(tls_ca_file) if tls_ca_file else None)
    finally:
        cluster.stop_all()


@contextlib.contextmanager
def running_system(data: Path, settings: dict[str, str] | None = None) -> Iterator[System]:
    """A secured NATS server of its own, and the eight processes on it."""
    nats = secured_nats(data).start()
    try:
        with running_services(data, nats.url, settings) as system:
            yield system
    finally:
        nats.stop()
