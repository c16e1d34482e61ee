"""`casetrail verify [--case ID]`: every service's store, its signed checkpoints and CASES
held against each other; each finding names the event, and the exit code says if any."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx

from casetrail.cli.commands import RequestRefused, bearer
from casetrail.cli.runtime import Runtime
from casetrail.ledger.sources import verified
from casetrail.ledger.verification import INFO_KINDS, Verdict
from casetrail.service import connect
from contracts.envelope import SERVICES


async def _verdict(runtime: Runtime, keys: dict[str, str], token: str | None,
                   case_id: UUID | None) -> Verdict:
    headers = bearer(token)
    nc = await connect(runtime.nats_url, "casetrail-verify", runtime.login())
    # The services that publish on CASES, each with its store (not a read side's).
    stores = {service: httpx.Client(base_url=url, timeout=60.0)
              for service, url in runtime.services.items() if service in SERVICES}
    try:
        return await verified(nc, stores, headers, keys, case_id)
    except httpx.HTTPStatusError as refused:
        raise RequestRefused(refused.response) from None
    finally:
        for client in stores.values():
            client.close()
        await nc.close()


def verify(runtime: Runtime, keys: dict[str, str], token: str | None,
           case_id: UUID | None) -> int:
    """0 when the trail verifies clean, 1 with findings; `keys` are the services' verifier
    keys, by service."""
    verdict = asyncio.run(_verdict(runtime, keys, token, case_id))
    for finding in verdict.findings:
        print(finding.line())
    problems = [f for f in verdict.findings if f.kind not in INFO_KINDS]
    scope = f"case {case_id}" if case_id else "the whole trail"
    print(f"{scope}: {verdict.events_checked} events checked against "
          f"{verdict.checkpoints_checked} checkpoints: "
          + ("clean" if verdict.ok() else f"{len(problems)} findings"))
    return 0 if verdict.ok() else 1
