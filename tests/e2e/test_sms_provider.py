"""The notification API SIGKILLed again and again while it sends crisis notices through a real
HTTP stand-in SMS provider that answers after 150 ms and drops a repeated Idempotency-Key.

The sent ledger cannot close the provider's round trip: a kill inside it resends the message.
With the key on every post, the provider delivers each notice once all the same."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from casetrail.bus.identities import OPERATOR
from casetrail.cli.desk import Desk
from casetrail.service import connect
from tests.crisis_flow import (
    assert_on_cases_exactly_once,
    families_on_file,
    report_crisis_cases,
    wait_until_complete,
)
from tests.identity import cast
from tests.integration.gateway_servers import WebhookServer
from tests.system import running_system

pytestmark = pytest.mark.e2e

SECRET = "stand-in-provider-secret"
CASES = 40
KILLS = 12
PROVIDER_ANSWERS_AFTER_SECONDS = 0.15


async def posted_since(provider: WebhookServer, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(provider.received) > count:
            return
        await asyncio.sleep(0.01)


async def test_each_crisis_notice_reaches_its_family_once_while_the_api_is_killed_mid_send(
        tmp_path: Path) -> None:
    provider = WebhookServer(SECRET.encode(), answer_after_seconds=PROVIDER_ANSWERS_AFTER_SECONDS,
                             dedupe=True)
    with provider.running():
        settings = {"NOTIFICATION_SMS_WEBHOOK_URL": provider.url,
                    "NOTIFICATION_SMS_WEBHOOK_SECRET": SECRET,
                    "NOTIFICATION_SMS_WEBHOOK_HONOURS_IDEMPOTENCY_KEY": "true",
                    # Nobody acknowledges here: no escalation muddles the count of notices.
                    "NOTIFICATION_ESCALATE_CRISIS_AFTER_SECONDS": "3600"}
        with running_system(tmp_path, settings) as system:
            nc = await connect(system.nats_url, "e2e-sms-provider", system.login(OPERATOR))
            async with httpx.AsyncClient(timeout=30.0) as http:
                desk = Desk(system.runtime, nc, http, cast())
                case_ids = await report_crisis_cases(desk, await families_on_file(desk, CASES))
                api = system.cluster.processes["notification"]
                kills, chance = 0, random.Random(8)
                while kills < KILLS and len(provider.delivered) < CASES:
                    # Kill inside a post's round trip: after the provider took it, before the
                    # answer (and so the ledger's write).
                    await posted_since(provider, len(provider.received))
                    await asyncio.sleep(chance.uniform(0, PROVIDER_ANSWERS_AFTER_SECONDS))
                    api.kill()
                    kills += 1
                    api = await asyncio.to_thread(system.cluster.start, "notification", "serve")
                await wait_until_complete(desk, case_ids)
                on_bus = await assert_on_cases_exactly_once(system, nc, case_ids)
            await nc.close()

    issued = {UUID(e.data["notice_id"]) for e in on_bus if e.type == "GuardianNoticeIssued"}
    delivered = Counter(UUID(m["message_id"]) for m in provider.delivered)
    duplicates = sum(n - 1 for n in delivered.values())
    missing = issued - set(delivered)
    print(f"\nkills {kills}, messages {len(issued)}, posts {len(provider.received)}, "
          f"duplicate posts the provider dropped {provider.dropped}, "
          f"duplicate deliveries {duplicates}, missing {len(missing)}")
    assert len(issued) == CASES
    assert duplicates == 0
    assert not missing
    assert set(provider.keys) == {str(notice_id) for notice_id in issued}
    # The trail says so: a copy after a crash could not have reached a family.
    assert {e.data["delivery"] for e in on_bus if e.type == "GuardianNoticeDispatched"} == {
        "once"}
