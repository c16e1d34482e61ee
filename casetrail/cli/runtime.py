"""Where a running system listens: written by `casetrail up`, read by `demo` and `timeline`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from casetrail.bus.identities import OPERATOR, BusLogin
from casetrail.cli.processes import DEFAULT_PORTS


def data_dir() -> Path:
    return Path(os.environ.get("CASETRAIL_DATA_DIR", "data"))


@dataclass(frozen=True)
class Runtime:
    nats_url: str
    services: dict[str, str]  # service -> base URL
    # The operator's NATS identity, for the tools (read-only on the bus).
    nats_seed_file: str | None = None

    def login(self) -> BusLogin:
        ca = os.environ.get("NATS_TLS_CA_FILE")
        return BusLogin(OPERATOR, Path(self.nats_seed_file) if self.nats_seed_file else None,
                        Path(ca) if ca else None)

    def save(self, directory: Path) -> None:
        (directory / "runtime.json").write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, directory: Path | None = None) -> Runtime:
        """The running system: `data/runtime.json`, with NATS_URL and <SERVICE>_URL overriding."""
        path = (directory or data_dir()) / "runtime.json"
        saved = (cls(**json.loads(path.read_text())) if path.exists() else
                 cls("nats://127.0.0.1:4222",
                     {s: f"http://127.0.0.1:{p}" for s, p in DEFAULT_PORTS.items()}))
        services = {name: os.environ.get(f"{name.upper()}_URL", url)
                    for name, url in saved.services.items()}
        return cls(os.environ.get("NATS_URL", saved.nats_url), services,
                   os.environ.get("CASETRAIL_NATS_SEED_FILE", saved.nats_seed_file))
