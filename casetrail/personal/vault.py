"""Students' data keys in the service's own database, each wrapped (AES key wrap, RFC 3394)
by the service's master key; personal values sealed with AES-GCM under them.

Deleting a student's row is the erasure: whatever was sealed under that key, in the events,
in a backup or in a copy of the store, can no longer be opened.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from casetrail.personal.sealing import ERASED, SEALED_PREFIX
from casetrail.settings import ServiceSettings

NONCE_BYTES = 12
# Students whose keys one statement looks up or makes (a bound parameter each).
PREPARED_AT_ONCE = 500
# Students whose keys a process keeps unwrapped at once (and of how many it keeps that they
# have none): a grade's file is a few thousand.
KEYS_KEPT = 20_000

V = TypeVar("V")


class Recent(Generic[V]):
    """The `size` entries used most recently."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, V] = OrderedDict()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def pop(self, key: str) -> None:
        self._entries.pop(key, None)


def data_keys_table(service: str) -> Table:
    """The service's table of data keys, one row per student (beside its `<service>_events`,
    so that services sharing a database schema keep apart)."""
    return Table(
        f"{service}_data_keys", MetaData(),
        Column("student_key", String(64), primary_key=True),
        # Names the key a value was sealed under: a key made after an erasure opens none of
        # the values sealed before it.
        Column("key_id", String(32), nullable=False),
        Column("wrapped_key", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


def master_key_from(text: str) -> bytes:
    """A master key as settings hold it: 32 bytes, base64 (as `casetrail up` makes it)."""
    key = base64.b64decode(text, validate=True)
    if len(key) != 32:
        raise ValueError("a data master key is 32 bytes, base64-encoded")
    return key


def new_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


# The master keys of transient vaults, one per store for the life of the process.
_transient: dict[str, bytes] = {}


class DataKeyVault:
    """The PersonalData port on one service's database."""

    def __init__(self, engine: Engine, master_key: bytes, service: str) -> None:
        self._engine = engine
        self._master = master_key
        self._table = data_keys_table(service)
        # The recently used keys, unwrapped, by student, and students known to have none:
        # only so many, since a province's students would otherwise all stay in memory.
        self._keys: Recent[tuple[str, bytes]] = Recent(KEYS_KEPT)
        self._none: Recent[bool] = Recent(KEYS_KEPT)
        self._lock = threading.Lock()
        try:
            self._table.metadata.create_all(engine)
        except DBAPIError:
            # The service's other process (its relay) made the table at the same moment.
            if not inspect(engine).has_table(self._table.name):
                raise

    @classmethod
    def beside(cls, env: dict[str, str], master_key: bytes, service: str) -> DataKeyVault:
        """The service's vault in the database of its event store's settings
        (casetrail.store)."""
        return cls(create_engine(env["SQLALCHEMY_URL"]), master_key, service)

    @classmethod
    def transient(cls, env: dict[str, str], service: str) -> DataKeyVault:
        """A vault whose master key is this process's own: what is sealed opens in no other
        process (tests, and tools that build an application for a moment)."""
        url = env["SQLALCHEMY_URL"]
        return cls.beside(env, _transient.setdefault(url, secrets.token_bytes(32)), service)

    def close(self) -> None:
        self._engine.dispose()

    def seal(self, student_key: str, value: Any) -> str:
        key_id, data_key = self._key(student_key, create=True) or self._made(student_key)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, json.dumps(value).encode(), student_key.encode())
        return f"{SEALED_PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def prepare(self, student_keys: Iterable[str]) -> None:
        with self._lock:
            wanted = [key for key in dict.fromkeys(student_keys) if key not in self._keys]
            for start in range(0, len(wanted), PREPARED_AT_ONCE):
                self._prepare(wanted[start:start + PREPARED_AT_ONCE])

    def _prepare(self, wanted: list[str]) -> None:
        """Under the lock, as `erase`: no key is kept that an erasure has just deleted."""
        table = self._table
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(table.c.student_key, table.c.key_id, table.c.wrapped_key)
                .where(table.c.student_key.in_(wanted))).all()
        found = {str(row.student_key): self._unwrapped(row.key_id, row.wrapped_key)
                 for row in rows}
        made = {key: (secrets.token_hex(8), AESGCM.generate_key(bit_length=256))
                for key in wanted if key not in found}
        try:
            if made:
                now = datetime.now(UTC)
                with self._engine.begin() as connection:
                    connection.execute(insert(table), [
                        self._row(key, key_id, data_key, now)
                        for key, (key_id, data_key) in made.items()])
                found |= made
        except IntegrityError:
            pass  # another writer made some first: those left are made one by one on sealing
        for key, known in found.items():
            self._keys.put(key, known)
            self._none.pop(key)

    def open(self, student_key: str, sealed: str) -> Any:
        key_id, _, body = sealed.removeprefix(SEALED_PREFIX).partition(":")
        found = self._key(student_key, create=False)
        if found is None or found[0] != key_id:
            return ERASED
        data = base64.b64decode(body)
        try:
            plain = AESGCM(found[1]).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:],
                                     student_key.encode())
        except InvalidTag:
            # Sealed for another student: never shown as this one's.
            return ERASED
        return json.loads(plain)

    def erase(self, student_key: str) -> bool:
        with self._lock, self._engine.begin() as connection:
            deleted = connection.execute(
                delete(self._table).where(self._table.c.student_key == student_key)).rowcount
            self._keys.pop(student_key)
            self._none.put(student_key, True)
        return bool(deleted)

    def _key(self, student_key: str, *, create: bool) -> tuple[str, bytes] | None:
        with self._lock:
            if (known := self._keys.get(student_key)) is not None:
                return known
            if student_key in self._none and not create:
                return None
            with self._engine.connect() as connection:
                row = connection.execute(
                    select(self._table.c.key_id, self._table.c.wrapped_key)
                    .where(self._table.c.student_key == student_key)).first()
            if row is None:
                self._none.put(student_key, True)
                return None
            found = self._unwrapped(row.key_id, row.wrapped_key)
            self._keys.put(student_key, found)
            self._none.pop(student_key)
            return found

    def _unwrapped(self, key_id: str, wrapped_key: bytes) -> tuple[str, bytes]:
        return str(key_id), aes_key_unwrap(self._master, wrapped_key)

    def _row(self, student_key: str, key_id: str, data_key: bytes,
             at: datetime) -> dict[str, Any]:
        """A student's row of the table: the data key stored wrapped by the master key."""
        return {"student_key": student_key, "key_id": key_id, "created_at": at,
                "wrapped_key": aes_key_wrap(self._master, data_key)}

    def _made(self, student_key: str) -> tuple[str, bytes]:
        key_id = secrets.token_hex(8)
        data_key = AESGCM.generate_key(bit_length=256)
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(self._table).values(
                    self._row(student_key, key_id, data_key, datetime.now(UTC))))
        except IntegrityError:
            # Another writer made the student's key first: that one is the key.
            with self._lock:
                self._none.pop(student_key)
            found = self._key(student_key, create=True)
            assert found is not None
            return found
        made = (key_id, data_key)
        with self._lock:
            self._keys.put(student_key, made)
            self._none.pop(student_key)
        return made


def vault_of(settings: ServiceSettings) -> DataKeyVault:
    """The service's vault, beside its events; no master key, no service."""
    if settings.data_master_key is None:
        raise ValueError(f"{settings.service.upper()}_DATA_MASTER_KEY is not set: it wraps "
                         "the students' data keys (32 bytes, base64; `casetrail up` makes one)")
    return DataKeyVault.beside(settings.event_store_env(),
                               master_key_from(settings.data_master_key.get_secret_value()),
                               settings.service)
