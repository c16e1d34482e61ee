"""`casetrail status`: every service of the running system, whether it is ready (its
`/health`), how far behind it is (its `/status`: the outbox's backlog, how long the relay has
stood still, each consumer's pending messages) and the last error its work met; as a table,
or as JSON with the same keys for every service (`--json`).

The lags need a token whose role may read a service's status (`--token` or
CASETRAIL_TOKEN); without one the readiness is shown all the same, and each service says
who may read the rest. Exit 0 when every service is ready, else 1."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

import services
from casetrail.cli.commands import TOKEN_VARIABLE, NotSignedIn, RequestRefused, bearer
from casetrail.cli.runtime import Runtime, listening_at
from casetrail.identity.access import AccessMatrix
from casetrail.service import servers

CONSOLE = "console"
# Longer than a service takes to say that its store or the bus does not answer.
TIMEOUT_SECONDS = 10.0
READY = "ok"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Seen:
    """What one service answered."""

    url: str
    health: str  # "ok", the reason /health gives for a 503, "unreachable", or "http_<code>"
    health_detail: dict[str, Any] | None = None
    outbox: dict[str, Any] | None = None
    inbox: dict[str, Any] | None = None
    last_error: dict[str, Any] | None = None
    lags_unavailable: str | None = None  # why outbox, inbox and last error are unknown

    @property
    def ready(self) -> bool:
        return self.health == READY

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "ready": self.ready, "health": self.health,
                "health_detail": self.health_detail, "outbox": self.outbox,
                "inbox": self.inbox, "last_error": self.last_error,
                "lags_unavailable": self.lags_unavailable}


def who_may_read_status(service: str) -> str | None:
    """The roles whose token reads the service's /status, from its access matrix."""
    matrix = Path(services.__file__).parent / service / "access.toml"
    if not matrix.exists():
        return None
    return AccessMatrix.load(matrix)["read_status"].who_may()


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def look(http: httpx.AsyncClient, service: str, url: str,
               headers: dict[str, str] | None) -> Seen:
    """The service's readiness and, given a token and a service that has it, its status."""
    try:
        health = await http.get(f"{url}/health")
    except httpx.TransportError as lost:
        return Seen(url, UNREACHABLE, {"error": type(lost).__name__},
                    lags_unavailable="the service does not answer")
    body = _body(health)
    if health.status_code == 200:
        state = READY
    elif health.status_code == 503 and isinstance(body.get("status"), str):
        state = body["status"]
    else:
        state = f"http_{health.status_code}"
    detail = {key: value for key, value in body.items() if key != "status"} or None
    if service == CONSOLE:
        return Seen(url, state, detail, lags_unavailable="the console has no /status")
    if headers is None:
        who = who_may_read_status(service)
        return Seen(url, state, detail, lags_unavailable=(
            f"a token is needed (--token or ${TOKEN_VARIABLE})"
            + (f", of one of: {who}" if who else "")))
    try:
        status = await http.get(f"{url}/status", headers=headers)
    except httpx.TransportError as lost:
        return Seen(url, state, detail, lags_unavailable=f"/status: {type(lost).__name__}")
    if status.is_error:
        return Seen(url, state, detail, lags_unavailable=RequestRefused(status).service_says())
    lags = _body(status)
    return Seen(url, state, detail, outbox=lags.get("outbox"), inbox=lags.get("inbox"),
                last_error=lags.get("last_error"))


async def look_at_all(runtime: Runtime, token: str | None) -> dict[str, Seen]:
    try:
        headers: dict[str, str] | None = bearer(token)
    except NotSignedIn:
        headers = None  # readiness only
    targets = dict(runtime.services)
    if runtime.console is not None:
        targets[CONSOLE] = runtime.console
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        seen = await asyncio.gather(*(look(http, service, url, headers)
                                      for service, url in targets.items()))
    return dict(zip(targets, seen, strict=True))


def report(runtime: Runtime, seen: dict[str, Seen]) -> dict[str, Any]:
    listening = any(listening_at(server) for server in servers(runtime.nats_url))
    return {"ready": listening and all(s.ready for s in seen.values()),
            "nats": {"url": runtime.nats_url, "listening": listening},
            "services": {service: s.as_json() for service, s in seen.items()}}


def _number(value: object) -> str:
    return "?" if value is None else str(value)


def _outbox(outbox: dict[str, Any] | None) -> str:
    if outbox is None:
        return "—"
    lines = [f"{_number(outbox.get('backlog'))} waiting"]
    if outbox.get("backlog"):
        lines.append(f"still {_number(outbox.get('stalled_seconds'))}s")
    if stuck := outbox.get("stuck"):
        lines.append(f"stuck at {_number(stuck.get('position'))}")
    return "\n".join(lines)


def _counts(counts: object) -> str:
    if not isinstance(counts, dict):
        return _number(counts)
    if set(counts) == {"pending", "unacknowledged"}:  # a durable consumer's
        return f"{_number(counts['pending'])} ({_number(counts['unacknowledged'])})"
    return ", ".join(f"{key.replace('_', ' ')} {_number(value)}"
                     for key, value in counts.items())


def _inbox(service: str, inbox: dict[str, Any] | None) -> str:
    if inbox is None:
        return "—"
    if not inbox:
        return "no consumers"
    return "\n".join(f"{consumer.removeprefix(f'{service}-')} {_counts(counts)}"
                     for consumer, counts in inbox.items())


def _last_error(error: dict[str, Any] | None, known: bool) -> str:
    if not known:
        return "—"
    if error is None:
        return "none"
    at = str(error.get("at")).replace("T", " ").replace("+00:00", " UTC")
    return f"{error.get('kind')}\n{error.get('where')}\n{at}"


def _readiness(seen: Seen) -> Text:
    return (Text("ready", style="green") if seen.ready
            else Text(seen.health, style="bold red"))


def render(console: Console, seen: dict[str, Seen], summary: dict[str, Any]) -> None:
    nats = summary["nats"]
    table = Table(title=f"NATS {nats['url']}: "
                        + ("listening" if nats["listening"] else "NOT LISTENING"),
                  title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("service", "ready", "outbox", "inbox: pending (unacked)", "last error"):
        table.add_column(column)
    for service, s in seen.items():
        table.add_row(Text(service, style="bold"), _readiness(s), _outbox(s.outbox),
                      _inbox(service, s.inbox),
                      _last_error(s.last_error, s.lags_unavailable is None))
    console.print(table)
    for service, s in seen.items():
        if not s.ready and s.health_detail:
            console.print(f"{service}: {s.health}: " + ", ".join(
                str(value) if key == "detail" else f"{key}: {value}"
                for key, value in s.health_detail.items()),
                highlight=False, markup=False)
    unknown: dict[str, list[str]] = {}  # why, and of which services: said once
    for service, s in seen.items():
        if s.lags_unavailable and service != CONSOLE and s.health != UNREACHABLE:
            unknown.setdefault(s.lags_unavailable, []).append(service)
    for why, where in unknown.items():
        console.print(f"{', '.join(where)}: lags unknown: {why}", highlight=False,
                      markup=False)


def status(runtime: Runtime, token: str | None, as_json: bool) -> int:
    """`casetrail status [--json]`: 0 when every service is ready, 1 otherwise."""
    seen = asyncio.run(look_at_all(runtime, token))
    summary = report(runtime, seen)
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        render(Console(), seen, summary)
    return 0 if summary["ready"] else 1
