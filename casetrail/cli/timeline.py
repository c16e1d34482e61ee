"""`casetrail timeline CASE_ID`: one case replayed from the CASES stream alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

from casetrail.bus.replay import case_timeline
from casetrail.cli.runtime import Runtime
from casetrail.service import connect
from contracts.envelope import Envelope

# The pipeline's stages, and the event that marks each one reached.
STAGES = {
    ("intake", "CaseDetected"): "detected",
    ("assessment", "TierDecided"): "assessed",
    ("notification", "GuardianNoticeIssued"): "family-notified",
    ("referral", "ReferralMade"): "referred",
    ("referral", "FollowUpRecorded"): "followed-up",
    ("referral", "CaseClosed"): "closed",
}
STAGE_ORDER = list(dict.fromkeys(STAGES.values()))


async def fetch(runtime: Runtime, case_id: UUID) -> list[Envelope]:
    nc = await connect(runtime.nats_url, "casetrail-timeline", runtime.login())
    try:
        return await case_timeline(nc, case_id)
    finally:
        await nc.close()


def stages_reached(trail: list[Envelope]) -> list[str]:
    reached = {STAGES[(e.service, e.type)] for e in trail if (e.service, e.type) in STAGES}
    return [stage for stage in STAGE_ORDER if stage in reached]


def _brief(data: dict[str, Any]) -> str:
    def show(value: Any) -> str:
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)

    return " ".join(f"{key}={show(value)}" for key, value in data.items()
                    if key not in {"student_key"})


def render(case_id: UUID, trail: list[Envelope]) -> str:
    lines = [f"case {case_id}: {len(trail)} events on CASES"]
    for e in trail:
        stage = STAGES.get((e.service, e.type), "")
        when = e.occurred_at.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {when}Z  {e.service:<12} {e.type:<24} "
                     f"{e.actor.role + ':' + e.actor.id:<28} {stage:<15} {_brief(e.data)}")
    reached = stages_reached(trail)
    lines.append("  stages: " + " → ".join(
        stage if stage in reached else f"({stage})" for stage in STAGE_ORDER))
    return "\n".join(lines)


def timeline(runtime: Runtime, case_id: UUID, as_json: bool) -> int:
    trail = asyncio.run(fetch(runtime, case_id))
    if as_json:
        print(json.dumps([e.model_dump(mode="json") for e in trail], indent=2,
                         ensure_ascii=False))
    else:
        print(render(case_id, trail))
    return 0 if trail else 1
