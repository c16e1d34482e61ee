"""The deployment's bus credentials work with a real nats-server: nkeys over TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import nats
import pytest
from nats.errors import Error as NatsError

from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.identities import PRINCIPALS, BusLogin
from casetrail.cli.bus_credentials import write_bus_credentials
from casetrail.service import connect


async def test_each_principal_signs_in_over_tls_with_the_generated_files(
        tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    identities = write_bus_credentials(secrets, ["localhost", "127.0.0.1"])
    server = EmbeddedNats(tmp_path / "nats", more_config=(
        identities.directory / "auth.conf").read_text(), tls=secrets / "tls").start()
    try:
        for principal in PRINCIPALS:
            login = BusLogin(principal, identities.seed_file(principal),
                             secrets / "tls" / "ca.pem")
            client = await connect(server.url, "t", login)
            await client.flush()
            await client.close()
        with pytest.raises((NatsError, ssl.SSLError)):  # no client trusts another CA
            await nats.connect(servers=[server.url],
                               tls=ssl.create_default_context(), allow_reconnect=False,
                               max_reconnect_attempts=0, connect_timeout=3)
    finally:
        server.stop()


def test_generating_again_keeps_every_key_and_certificate(tmp_path: Path) -> None:
    write_bus_credentials(tmp_path, ["nats"])
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    write_bus_credentials(tmp_path, ["nats"])
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert all(p.stat().st_mode & 0o077 == 0 for p in before
               if p.suffix == ".nk" or p.name.endswith("key.pem"))
