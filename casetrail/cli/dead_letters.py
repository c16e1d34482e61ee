"""`casetrail dead-letters SERVICE`: what a service set aside, and why."""

from __future__ import annotations

import asyncio

from casetrail.bus.replay import dead_letters
from casetrail.cli.runtime import Runtime
from casetrail.service import connect


async def _dead_letters(runtime: Runtime, service: str) -> list[dict[str, object]]:
    nc = await connect(runtime.nats_url, "casetrail-dead-letters", runtime.login())
    try:
        return await dead_letters(nc, service)
    finally:
        await nc.close()


def show_dead_letters(runtime: Runtime, service: str) -> int:
    """`casetrail dead-letters SERVICE`: one line per message the service set aside."""
    letters = asyncio.run(_dead_letters(runtime, service))
    for letter in letters:
        print(f"CASES seq {letter['stream_seq']:<8} {letter['subject']}  "
              f"(delivered {letter['deliveries']}x): {letter['reason']}")
    print(f"{len(letters)} dead letter(s) for {service}")
    return 0
