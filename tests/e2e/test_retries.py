"""Retried commands under SIGKILL: each report and each decision exists exactly once."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from nats.aio.client import Client

from casetrail.bus.replay import read_all
from casetrail.cli.cast import CLASS_TEACHER, CRISIS_TEAM, PSYCH_TEACHER
from casetrail.cli.commands import IDEMPOTENCY_KEY, send_command
from casetrail.cli.desk import Desk, staff
from casetrail.pseudonym import Pseudonyms
from contracts.envelope import Envelope
from contracts.subjects import CASES_STREAM
from tests.conftest import PSEUDONYM_KEY
from tests.system import System

pytestmark = pytest.mark.e2e

CASES = 24
KILLS_PER_API = 3


@dataclass
class Sent:
    """One logical action: its key, its request (with the sender's token), and the first
    answer it got."""

    url: str
    body: dict[str, Any]
    signed_in: dict[str, str]
    key: str = field(default_factory=lambda: str(uuid4()))
    answer: httpx.Response | None = None


@dataclass
class Attempts:
    count: int = 0

    async def __call__(self, _: httpx.Request) -> None:
        self.count += 1


async def send(http: httpx.AsyncClient, sent: Sent) -> httpx.Response:
    return await send_command(http, "POST", sent.url, json=sent.body,
                              headers={IDEMPOTENCY_KEY: sent.key, **sent.signed_in})


async def send_all_staggered(http: httpx.AsyncClient, actions: list[Sent]) -> None:
    """Each action sent (and retried with its key) until answered, spread over a few seconds
    so that some are always in flight."""

    async def one(n: int, sent: Sent) -> None:
        await asyncio.sleep(n * 0.1)
        sent.answer = await send(http, sent)

    await asyncio.gather(*(one(n, sent) for n, sent in enumerate(actions)))


async def kill_repeatedly(system: System, service: str) -> None:
    """SIGKILL the service's API while requests are in flight, and start it again."""
    for _ in range(KILLS_PER_API):
        await asyncio.sleep(0.5)
        system.cluster.processes[service].kill()
        await asyncio.to_thread(system.cluster.start, service, "serve")


def all_answered(actions: list[Sent]) -> None:
    for sent in actions:
        assert sent.answer is not None
        assert sent.answer.status_code == 201, sent.answer.text


async def resend_each_and_get_its_first_answer(http: httpx.AsyncClient,
                                               actions: list[Sent]) -> None:
    for sent in actions:
        again = await send(http, sent)
        assert sent.answer is not None
        assert (again.status_code, again.content) == (sent.answer.status_code,
                                                      sent.answer.content)


async def on_cases(nc: Client) -> list[Envelope]:
    return [Envelope.from_bytes(b) for b in await read_all(nc, CASES_STREAM, "case.>", 2.0)]


async def test_reports_and_decisions_retried_across_sigkills_exist_exactly_once(
        system: System, desk: Desk, nc: Client) -> None:
    attempts = Attempts()
    run = secrets.token_hex(3)
    students = [f"retry-{run}-{n}" for n in range(CASES)]
    intake = system.cluster.url("intake")
    reports = [Sent(f"{intake}/reports", {
        "student": {"school_student_id": s, "name": "王小明"},
        "channel": "staff_observation", "signs": ["self_harm"]}, desk.cast.headers(CLASS_TEACHER))
        for s in students]
    async with httpx.AsyncClient(timeout=5.0,
                                 event_hooks={"request": [attempts]}) as http:
        await asyncio.gather(send_all_staggered(http, reports),
                             kill_repeatedly(system, "intake"))
        all_answered(reports)
        await resend_each_and_get_its_first_answer(http, reports)

        keys = Pseudonyms(PSEUDONYM_KEY.encode())
        student_keys = {keys.student_key(s) for s in students}
        await asyncio.sleep(2)  # the relay publishes what the last request committed
        detected = [e for e in await on_cases(nc) if e.type == "CaseDetected"
                    and e.data["student_key"] in student_keys]
        per_student = Counter(e.data["student_key"] for e in detected)
        assert per_student == dict.fromkeys(student_keys, 1)
        case_ids = [e.case_id for e in detected]
        assert not [e for e in await on_cases(nc) if e.type == "ReportAttached"
                    and e.case_id in case_ids]
        for sent in reports:
            assert sent.answer is not None
            record = await desk.read("intake", UUID(sent.answer.json()["case_id"]),
                                     by=CRISIS_TEAM)
            assert len(record["reports"]) == 1

        proposals = await asyncio.gather(*(desk.event(c, "assessment", "TierProposed")
                                           for c in case_ids))
        assessment = system.cluster.url("assessment")
        decisions = [Sent(f"{assessment}/cases/{p.case_id}/decision", {
            "tier": p.data["tier"], "rationale": "team meeting",
            "participants": [staff(CRISIS_TEAM), staff(PSYCH_TEACHER)]},
            desk.cast.headers(CRISIS_TEAM)) for p in proposals]
        await asyncio.gather(send_all_staggered(http, decisions),
                             kill_repeatedly(system, "assessment"))
        all_answered(decisions)
        await resend_each_and_get_its_first_answer(http, decisions)
        retried = attempts.count - 2 * (len(reports) + len(decisions))

    await asyncio.sleep(2)
    decided = Counter(e.case_id for e in await on_cases(nc) if e.type == "TierDecided")
    assert {c: decided[c] for c in case_ids} == dict.fromkeys(case_ids, 1)
    for case_id in case_ids:
        record = await desk.read("assessment", case_id, by=CRISIS_TEAM)
        assert len(record["decisions"]) == 1
    # Work done whose answer the kill kept from the client: without keys, each a duplicate.
    replayed = sum(1 for s in reports + decisions
                   if s.answer is not None and "idempotent-replayed" in s.answer.headers)
    print(f"{len(reports)} reports, {len(decisions)} decisions, "
          f"{2 * KILLS_PER_API} SIGKILLs, {attempts.count} HTTP attempts "
          f"({retried} retries), {replayed} answered from the store")
