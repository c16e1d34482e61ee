"""Real local servers the gateways talk to in tests: a small SMTP responder and an HTTP
webhook receiver that checks signatures (and, as a stand-in SMS provider, answers late and
drops a repeated Idempotency-Key). Each records what it accepted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.notification.adapters.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)


@dataclass
class SmtpServer:
    """Speaks enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    refuse_recipients: bool = False
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    port: int = 0

    async def _session(self, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await reply("220 localhost test SMTP")
        sender, recipients = "", list[str]()
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250-localhost\r\n250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(), []
                await reply("250 OK")
            elif verb == "RCPT":
                if self.refuse_recipients:
                    await reply("550 No such user")
                else:
                    recipients.append(line.split(":", 1)[1].strip())
                    await reply("250 OK")
            elif verb == "DATA":
                await reply("354 End data with <CR><LF>.<CR><LF>")
                body = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    body += chunk
                self.messages.append((sender, recipients, body))
                await reply("250 OK queued")
            elif verb == "RSET":
                await reply("250 OK")
            elif verb == "QUIT":
                await reply("221 Bye")
                break
            else:
                await reply("502 Not implemented")
        writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SmtpServer]:
        server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        async with server:
            yield self


@dataclass
class WebhookServer:
    """An SMS gateway's webhook: accepts signed JSON with `status`, refuses a bad signature
    with 401.

    `received` is every signed post, as it arrived. As a provider would, it takes a message
    on receipt and answers `answer_after_seconds` later; with `dedupe` it delivers a repeated
    Idempotency-Key once (`delivered`) and counts the posts it dropped."""

    secret: bytes
    status: int = 200
    answer_after_seconds: float = 0.0
    dedupe: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    @property
    def dropped(self) -> int:
        """Posts not delivered because their key had been delivered already."""
        return len(self.received) - len(self.delivered)

    def _take(self, key: str | None, body: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(body)
            if key is not None:
                self.keys[key] += 1
            if not (self.dedupe and key is not None and self.keys[key] > 1):
                self.delivered.append(body)

    @contextlib.contextmanager
    def running(self) -> Iterator[WebhookServer]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = signature(receiver.secret, self.headers[TIMESTAMP_HEADER], body)
                if self.headers[SIGNATURE_HEADER] != expected:
                    self.send_response(401)
                else:
                    receiver._take(self.headers[IDEMPOTENCY_HEADER], json.loads(body))
                    time.sleep(receiver.answer_after_seconds)
                    self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, *args: Any) -> None:
                pass  # a sender killed before the answer: its post was taken all the same

        server = Server(("127.0.0.1", 0), Handler)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
