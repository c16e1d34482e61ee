"""Settings every service has; each service's `config.py` subclasses this with its prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import limits
from pydantic import AfterValidator, AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from casetrail.identity.issuer import AUDIENCE, ISSUER, issuer_dir
from casetrail.identity.tokens import Claims, KeySource, OtherCredentials, TokenVerifier
from casetrail.ledger.signing import log_origin, public_verifier_key
from casetrail.store import store_env
from casetrail.tracing import Exporter


def _rate(rate: str) -> str:
    limits.parse(rate)  # a ValueError names what it cannot read
    return rate


# "N/second", "N/minute", "N/hour", "N/day" (the `limits` notation), e.g. "600/minute".
Rate = Annotated[str, AfterValidator(_rate)]
MIB = 1024 * 1024


# Where each process listens on one machine, as `casetrail up` starts them.
LOCAL_PORTS = {"intake": 8001, "assessment": 8002, "notification": 8003, "referral": 8004,
               "supervision": 8005, "console": 8006}


def local_urls(*names: str) -> dict[str, str]:
    """The HTTP address of each named process on this machine, by default."""
    return {name: f"http://127.0.0.1:{LOCAL_PORTS[name]}" for name in names}


class ServiceSettings(BaseSettings):
    """From the environment: `<SERVICE>_…` for one service, `CASETRAIL_…`/`NATS_URL` for all."""

    model_config = SettingsConfigDict(extra="ignore")

    service: str = "service"
    data_dir: Path = Field(Path("data"), validation_alias="CASETRAIL_DATA_DIR")
    nats_url: str = Field("nats://127.0.0.1:4222", validation_alias="NATS_URL")
    # This service's NATS identity (an nkey seed, casetrail.bus.identities); unset, it
    # connects anonymously, which a secured server refuses.
    nats_seed_file: Path | None = None
    # A private CA for a NATS server with TLS (the grown-up deployment).
    nats_tls_ca_file: Path | None = Field(None, validation_alias="NATS_TLS_CA_FILE")
    # Replicas of CASES and DLQ when this service creates them: 3 on a NATS cluster.
    stream_replicas: int = Field(1, ge=1, le=5, validation_alias="CASETRAIL_STREAM_REPLICAS")
    store_url: str | None = None
    store_schema: str | None = None
    cipher_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("CASETRAIL_CIPHER_KEY"))
    # Wraps the students' data keys (casetrail.personal): 32 bytes, base64;
    # `<SERVICE>_DATA_MASTER_KEY`.
    data_master_key: SecretStr | None = None
    # Signs this service's checkpoints of its log (casetrail.ledger): a 32-byte Ed25519
    # seed, base64; `<SERVICE>_LEDGER_SIGNING_KEY`. Unset, the service commits no checkpoint.
    ledger_signing_key: SecretStr | None = None
    # How often the relay's process commits new events of the log to a signed checkpoint.
    checkpoint_seconds: float = Field(10.0, gt=0,
                                      validation_alias="CASETRAIL_CHECKPOINT_SECONDS")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # The largest request body any route takes (413 beyond), and a route taking a file (a
    # screening's CSV/XLSX answers): counted as it streams, declared length or not.
    max_body_bytes: int = Field(MIB, ge=1024, validation_alias="CASETRAIL_MAX_BODY_BYTES")
    max_upload_bytes: int = Field(20 * MIB, ge=1024,
                                  validation_alias="CASETRAIL_MAX_UPLOAD_BYTES")
    # Requests per identity (a verified token's subject, else the client's address) to this
    # service; beyond it 429 with Retry-After. Health and the docs are not counted.
    rate_limit: Rate = Field("600/minute", validation_alias="CASETRAIL_RATE_LIMIT")
    # Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses); none by
    # default, or anyone could pick the address a rate limit counts against.
    trusted_proxies: str = Field("", validation_alias="CASETRAIL_TRUSTED_PROXIES")
    # The relay is woken after each commit; polling is the fallback for a lost wake-up.
    relay_poll_seconds: float = Field(0.5, gt=0)
    relay_batch: int = Field(500, ge=1, le=10_000)
    # The relay as a task beside the API, woken by each commit in the same process, rather
    # than a process of its own: fewer processes and one hop less; a crash of either takes
    # both, and the supervisor (casetrail up, compose) starts the one process again.
    relay_beside_api: bool = Field(False, validation_alias="CASETRAIL_RELAY_BESIDE_API")
    # How often the relay saves how far it has published (and when it stops): a crash
    # re-publishes what went out since, which the bus and the consumers drop as copies.
    relay_save_seconds: float = Field(1.0, ge=0)
    # Readiness fails when events have waited this long with the relay not moving.
    relay_stall_seconds: float = Field(60.0, gt=0)
    # Readiness fails when a consumer's loop has not turned (fetched, or timed out waiting)
    # this long: a handler that hangs, or a fetch that never returns.
    consumer_stall_seconds: float = Field(60.0, gt=0)
    # Who signs the bearer tokens: the school's or district's OpenID Connect provider
    # (issuer URL, audience, JWKS URL), else the built-in issuer's keys in data/secrets.
    oidc_issuer: str = Field(ISSUER, validation_alias="CASETRAIL_OIDC_ISSUER")
    oidc_audience: str = Field(AUDIENCE, validation_alias="CASETRAIL_OIDC_AUDIENCE")
    oidc_jwks_url: str | None = Field(None, validation_alias="CASETRAIL_OIDC_JWKS_URL")
    oidc_jwks_file: Path | None = Field(None, validation_alias="CASETRAIL_OIDC_JWKS_FILE")
    # The provider's claim names for the role, the school and a liaison's receiver.
    oidc_role_claim: str = Field("role", validation_alias="CASETRAIL_OIDC_ROLE_CLAIM")
    oidc_school_claim: str = Field("school", validation_alias="CASETRAIL_OIDC_SCHOOL_CLAIM")
    oidc_receiver_claim: str = Field("receiver",
                                     validation_alias="CASETRAIL_OIDC_RECEIVER_CLAIM")
    # The school this deployment serves (a directory id, as tokens' `school` claim has it).
    school_id: str | None = Field(None, validation_alias="CASETRAIL_SCHOOL_ID")
    # Spans of each case's actions: none (the default), console (JSON lines in
    # <data dir>/traces/<process>.jsonl) or otlp (to OTEL_EXPORTER_OTLP_ENDPOINT, read by
    # OpenTelemetry itself).
    traces_exporter: Exporter = Field("none", validation_alias="CASETRAIL_TRACES_EXPORTER")
    max_deliver: int = Field(5, ge=1)
    redelivery_delay_seconds: float = Field(0.5, ge=0)

    def ledger_origin(self) -> str | None:
        """The name of this service's log (and of its key); None while no school is set."""
        return log_origin(self.school_id, self.service) if self.school_id else None

    def ledger_verifier_key(self) -> str | None:
        """The public key auditors check this service's checkpoints by, if it signs any."""
        origin = self.ledger_origin()
        if origin is None or self.ledger_signing_key is None:
            return None
        return public_verifier_key(origin, self.ledger_signing_key.get_secret_value())

    def token_verifier(self, other: OtherCredentials | None = None) -> TokenVerifier:
        keys = (KeySource(url=self.oidc_jwks_url) if self.oidc_jwks_url else
                KeySource(file=self.oidc_jwks_file or issuer_dir(self.data_dir) / "jwks.json"))
        return TokenVerifier(self.oidc_issuer, self.oidc_audience, keys,
                             claims=Claims(self.oidc_role_claim, self.oidc_school_claim,
                                           self.oidc_receiver_claim), other=other)

    def event_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / self.service}.db"

    def event_store_env(self) -> dict[str, str]:
        key = self.cipher_key.get_secret_value() if self.cipher_key else None
        return store_env(url=self.event_store_url(), schema=self.store_schema, cipher_key=key)

    def relay_store_env(self) -> dict[str, str]:
        """The relay's position: beside the events in PostgreSQL, its own file with SQLite,
        so the service's SQLite file keeps a single writing process."""
        url = self.event_store_url()
        if url.startswith("sqlite"):
            url = f"sqlite:///{self.data_dir / self.service}-relay.db"
        return store_env(url=url, schema=self.store_schema)
