"""`casetrail audit export CASE_ID`: the case's proof bundle, for `python -m trailproof`."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from uuid import UUID

from casetrail.cli.runtime import Runtime
from casetrail.ledger.export import CaseBundle, case_bundle
from casetrail.ledger.keeper import CommittedLogBroken
from casetrail.service import connect
from contracts.envelope import SERVICES


async def _bundle(runtime: Runtime, case_id: UUID, keys: dict[str, str]) -> CaseBundle:
    nc = await connect(runtime.nats_url, "casetrail-audit", runtime.login())
    try:
        return await case_bundle(nc, case_id, SERVICES, keys)
    finally:
        await nc.close()


def export(runtime: Runtime, case_id: UUID, keys: dict[str, str], output: Path | None) -> int:
    """0 once every event of the case on CASES is in the bundle with its proof; 1 if some
    are not committed yet (they are named, and left out). `keys`: by service."""
    try:
        found = asyncio.run(_bundle(runtime, case_id, keys))
    except CommittedLogBroken as broken:  # `casetrail verify` says more
        print(f"casetrail audit export: {broken}", file=sys.stderr)
        return 1
    events = found.bundle["events"]
    if not events and not found.uncommitted:
        print(f"casetrail audit export: no events of case {case_id} on CASES",
              file=sys.stderr)
        return 1
    path = output or Path(f"case-{case_id}.proof.json")
    path.write_text(json.dumps(found.bundle, indent=2, ensure_ascii=False) + "\n")
    for event in found.uncommitted:
        print(f"not yet in a signed checkpoint, left out: {event}", file=sys.stderr)
    print(f"{path}: {len(events)} events of case {case_id}, each with its inclusion proof; "
          f"check it with: python -m trailproof {path} "
          + " ".join(f"--key {key}" for key in found.bundle["keys"].values()))
    return 1 if found.uncommitted else 0
