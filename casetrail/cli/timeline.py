"""`casetrail timeline CASE_ID`: one case replayed from the CASES stream alone; with
`--as-of`, the case as the record stood at that moment, from supervision, beside each
service's own store, and where they differ."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from casetrail.bus.identities import SUPERVISION
from casetrail.bus.replay import case_timeline
from casetrail.cli.commands import RequestRefused, bearer
from casetrail.cli.runtime import Runtime
from casetrail.service import connect
from contracts.case_state import STAGE_ORDER, STAGES, stages_reached
from contracts.envelope import Envelope

__all__ = ["STAGE_ORDER", "render", "stages_reached", "timeline", "timeline_as_of"]



async def fetch(runtime: Runtime, case_id: UUID) -> list[Envelope]:
    nc = await connect(runtime.nats_url, "casetrail-timeline", runtime.login())
    try:
        return await case_timeline(nc, case_id)
    finally:
        await nc.close()


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


def _show(value: Any) -> str:
    return "-" if value is None else json.dumps(value, ensure_ascii=False)


def render_as_of(view: dict[str, Any]) -> str:
    """The state at the moment, what was open, and each difference between CASES and a
    service's store."""
    state = view["state"]
    assessment, referral = state["assessment"], state["referral"]
    decided = assessment["decided"]
    lines = [f"case {view['case_id']} as of {view['as_of']}: {state['events']} events on "
             f"CASES by then",
             f"  stage       {state['stage'] or '-'}" + ("  (closed)" if state["closed"]
                                                          else ""),
             f"  tier        {assessment['tier'] or '-'}" + (
                 f"  decided by {decided['by']['role']}:{decided['by']['id']} at "
                 f"{decided['at']}" if decided else ""
                 + (f"  (proposed {assessment['proposed_tier']})"
                    if assessment["proposed_tier"] else ""))]
    for told in state["told"]:
        acknowledged = (f"acknowledged {told['acknowledged_at']} by "
                        f"{told['acknowledged_by']['role']}:{told['acknowledged_by']['id']}"
                        if told["acknowledged_at"] else "not acknowledged")
        lines.append(f"  told        guardian {told['guardian_rank']} by {told['channel']} "
                     f"at {told['issued_at']} (notice {told['notice_id']}), {acknowledged}")
    for r in referral["referrals"]:
        lines.append(f"  referral    {r['receiver_id']} ({r['receiver_type']}): {r['status']}"
                     + (f", re-routed to {r['rerouted_to']}" if r["rerouted_to"] else ""))
    if state["follow_ups_due"] or state["follow_ups_overdue"]:
        lines.append(f"  follow-ups  due {', '.join(state['follow_ups_due']) or '-'}; "
                     f"overdue {', '.join(state['follow_ups_overdue']) or '-'}")
    for flag in state["flags"]:
        lines.append(f"  open        {flag['kind']} since {flag['since']}"
                     + (f" ({flag['about']})" if flag["about"] else ""))
    lines.append("  stores      " + ", ".join(
        f"{service}: {answer['status']}" for service, answer in view["stores"].items()))
    if not view["differences"]:
        lines.append("  no differences between CASES and the services' own stores")
    for d in view["differences"]:
        lines.append(f"  DIFFERS     {d['service']}.{d['field']}: CASES says "
                     f"{_show(d['cases_says'])}, the store says {_show(d['store_says'])}")
    return "\n".join(lines)


def timeline_as_of(runtime: Runtime, case_id: UUID, as_of: datetime, token: str | None,
                   as_json: bool) -> int:
    """As the one signed in (an auditor: `--token` or CASETRAIL_TOKEN); 1 if any store
    differs from CASES."""
    response = httpx.get(f"{runtime.services[SUPERVISION]}/cases/{case_id}/trail",
                         params={"as_of": as_of.isoformat(), "purpose": "audit"},
                         headers=bearer(token), timeout=30.0)
    if response.is_error:
        raise RequestRefused(response)
    view = response.json()
    print(json.dumps(view, indent=2, ensure_ascii=False) if as_json else render_as_of(view))
    return 1 if view["differences"] else 0
