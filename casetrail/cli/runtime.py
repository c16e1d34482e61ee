"""Where a running system listens: written by `casetrail up`, read by every other command.

The tools talk only to the system recorded in the data directory, and only while it runs:
no record, or a record whose `up` process is gone or whose ports are closed, is no system,
never a guess at the usual ports (where some other system may be listening).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from casetrail.bus.embedded import port_open
from casetrail.bus.identities import OPERATOR, BusLogin
from casetrail.service import servers

RECORD = "runtime.json"
HOW_TO_POINT = ("Start one with `casetrail up`, or point at the data directory of the one "
                "that runs: set CASETRAIL_DATA_DIR or pass --data-dir.")


class NotRunning(RuntimeError):
    """No running system in the data directory; the message says where we looked."""


def data_dir(given: Path | None = None) -> Path:
    return given or Path(os.environ.get("CASETRAIL_DATA_DIR", "data"))


@dataclass(frozen=True)
class Runtime:
    nats_url: str
    services: dict[str, str]  # service -> base URL
    # The `casetrail up` running them (None when a test started them); by keyword, so that
    # what else a record holds can be added beside it.
    pid: int | None = field(default=None, kw_only=True)
    # The operators' NATS identity (read-only on the bus) and the CA of a TLS server.
    nats_seed_file: str | None = field(default=None, kw_only=True)
    nats_tls_ca_file: str | None = field(default=None, kw_only=True)
    # The school the services serve, and who signs the tokens they take when it is not the
    # built-in issuer of the data directory (an OpenID Connect provider, a JWKS).
    school: str | None = field(default=None, kw_only=True)
    signed_by: str | None = field(default=None, kw_only=True)
    # The console's base URL (people's pages: no API, only /health).
    console: str | None = field(default=None, kw_only=True)

    def login(self) -> BusLogin:
        """How the tools sign in to this system's bus."""
        return BusLogin(OPERATOR, Path(self.nats_seed_file) if self.nats_seed_file else None,
                        Path(self.nats_tls_ca_file) if self.nats_tls_ca_file else None)

    def save(self, directory: Path) -> None:
        path = directory / RECORD
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(self), indent=2))
        partial.replace(path)  # a reader sees the old record or the new one, never half

    @staticmethod
    def forget(directory: Path) -> None:
        (directory / RECORD).unlink(missing_ok=True)

    @classmethod
    def load(cls, directory: Path | None = None, *, listening: bool = True) -> Runtime:
        """The system recorded in the data directory, if it runs (NotRunning otherwise);
        `listening=False` leaves it to the caller to see which of its ports answer."""
        path = (data_dir(directory) / RECORD).absolute()
        try:
            runtime = cls(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise NotRunning(f"No running casetrail system found: {path} does not exist. "
                             f"{HOW_TO_POINT}") from None
        except (ValueError, TypeError) as error:
            raise NotRunning(f"No running casetrail system found: {path} is not a record "
                             f"written by `casetrail up` ({type(error).__name__}). "
                             f"{HOW_TO_POINT}") from None
        if (stopped := runtime.stopped(listening=listening)) is not None:
            raise NotRunning(f"The casetrail system recorded in {path} is not running: "
                             f"{stopped}. {HOW_TO_POINT}")
        return runtime

    def stopped(self, *, listening: bool = True) -> str | None:
        """Why this recorded system is not running, or None while it is."""
        if self.pid is not None and not _alive(self.pid):
            return f"its `casetrail up` (process {self.pid}) is gone"
        if not listening:
            return None
        for service, url in self.services.items():
            if not listening_at(url):
                return f"{service} does not listen at {url}"
        if not any(listening_at(server) for server in servers(self.nats_url)):
            return f"NATS does not listen at {self.nats_url}"
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, though hardly ours
    return True


def listening_at(url: str) -> bool:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        return False
    return port_open(parts.port, parts.hostname)
