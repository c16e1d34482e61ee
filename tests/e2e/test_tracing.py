"""One trace follows a reported crisis through every process it passes, and carries no
personal data."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from casetrail.cli.desk import Desk
from casetrail.cli.scenarios.common import register_guardians
from casetrail.cli.traces import SpanRecord, case_traces, read_spans, tree_lines
from casetrail.tracing import CASE_ID, traces_dir
from tests.system import System, running_system

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The processes with their spans written to `<data dir>/traces`."""
    with running_system(tmp_path_factory.mktemp("traced"),
                        {"CASETRAIL_TRACES_EXPORTER": "console"}) as system:
        yield system


def _hop(spans: list[SpanRecord], process: str, kind: str, name: str) -> SpanRecord | None:
    return next((s for s in spans if (s.process, s.kind) == (process, kind)
                 and s.name.startswith(name)), None)


# Intake's command, its relay, assessment's and notification's consumers, the gateway.
HOPS = [("intake", "SERVER", "POST /reports"), ("intake-relay", "PRODUCER", "publish "),
        ("assessment", "CONSUMER", "handle "), ("notification", "CONSUMER", "handle "),
        ("notification", "CLIENT", "gateway send")]


async def _reported_trace(directory: Path, case_id: UUID,
                          timeout: float = 20.0) -> list[SpanRecord]:
    """The case's trace that starts at intake's report, once every hop has written its
    span (each process writes a span when it ends)."""
    for _ in range(int(timeout / 0.2)):
        for spans in case_traces(read_spans(directory), case_id).values():
            if all(_hop(spans, *hop) for hop in HOPS):
                return spans
        await asyncio.sleep(0.2)
    raise AssertionError(f"no trace of {case_id} covers {HOPS}")


def _written_as(text: str) -> list[str]:
    """A value as it may appear in a span file: itself, and JSON-escaped."""
    return [text, json.dumps(text)[1:-1]]


async def test_a_reported_crisis_is_one_trace_from_intake_to_the_guardians_gateway(
        desk: Desk, system: System) -> None:
    student, name = f"s-{secrets.token_hex(4)}", "欧阳小明"
    await register_guardians(desk, student, primary="sms")
    received = await desk.report(student, name=name, signs=["weapon"], imminent=True)
    case_id = UUID(received["case_id"])
    await desk.event(case_id, "notification", "GuardianNoticeDispatched")

    directory = traces_dir(system.data_dir)
    spans = await _reported_trace(directory, case_id)
    print("\n".join(tree_lines(spans)))
    hops = [_hop(spans, *hop) for hop in HOPS]
    assert all(hop is not None and hop.attributes[CASE_ID] == str(case_id) for hop in hops)
    # Consumers and the gateway are children of what came before them, not new traces.
    assert all(hop is not None and hop.parent_id for hop in hops[1:])

    written = "".join(path.read_text() for path in directory.glob("*.jsonl"))
    for secret in (name, student, "+86 138 0000 0001", "母亲"):
        for form in _written_as(secret):
            assert form not in written, f"a span file carries {secret!r}"
