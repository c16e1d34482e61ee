"""The crisis team's desk: the HTTP calls people make, and waiting for the bus to catch up.

Used by `casetrail demo`, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from nats.aio.client import Client

from casetrail.bus.replay import wait_for_event
from casetrail.cli.commands import send_command
from casetrail.cli.runtime import Runtime
from contracts.envelope import Envelope

CRISIS_TEAM = {"role": "crisis_team", "id": "team-lead-1"}
PSYCH_TEACHER = {"role": "psych_teacher", "id": "psy-1"}
CLASS_TEACHER = {"role": "class_teacher", "id": "teacher-1"}
GRADE_LEADER = {"role": "grade_leader", "id": "grade-8-lead"}
PRINCIPAL = {"role": "principal", "id": "principal-1"}


class RequestRefused(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url.path} → "
                         f"{response.status_code}: {response.text}")
        self.status_code = response.status_code
        self.detail = response.json().get("detail") if response.content else None


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RequestRefused(response)
    return response.json()


def _record(response: httpx.Response) -> dict[str, Any]:
    answer: dict[str, Any] = _answer(response)
    return answer


class Desk:
    """Every command goes with its own Idempotency-Key and is retried with it until answered
    (casetrail/cli/commands.py): a timeout or a restarted service never does it twice."""

    def __init__(self, runtime: Runtime, nc: Client, http: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.nc = nc
        self.http = http

    async def post(self, service: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _record(await send_command(self.http, "POST",
                                          f"{self.runtime.services[service]}{path}", json=body))

    async def put(self, service: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _record(await send_command(self.http, "PUT",
                                          f"{self.runtime.services[service]}{path}", json=body))

    async def upload(self, service: str, path: str, filename: str, content: bytes,
                     actor: dict[str, str]) -> dict[str, Any]:
        return _record(await send_command(
            self.http, "POST", f"{self.runtime.services[service]}{path}",
            files={"file": (filename, content)},
            data={"actor_role": actor["role"], "actor_id": actor["id"]}))

    async def get(self, service: str, path: str, actor: dict[str, str],
                  purpose: str = "case_work") -> Any:
        """A person's read: who and why go with it, and the service logs it."""
        return _answer(await self.http.get(
            f"{self.runtime.services[service]}{path}", params={"purpose": purpose},
            headers={"X-Actor-Role": actor["role"], "X-Actor-Id": actor["id"]}))

    async def read(self, service: str, case_id: UUID, actor: dict[str, str],
                   purpose: str = "case_work") -> dict[str, Any]:
        result: dict[str, Any] = await self.get(service, f"/cases/{case_id}", actor, purpose)
        return result

    async def event(self, case_id: UUID, service: str, event_type: str,
                    timeout: float = 30.0, **data: Any) -> Envelope:
        """Wait for the case's event whose data has the given values."""
        return await wait_for_event(
            self.nc, case_id, service, event_type,
            matching=lambda e: all(e.data.get(k) == v for k, v in data.items()),
            timeout=timeout)

    async def first_event(self, case_id: UUID, service: str, event_types: list[str],
                          timeout: float = 30.0) -> Envelope:
        """Wait for whichever of the case's events of these types comes first."""
        waits = [asyncio.create_task(self.event(case_id, service, t, timeout))
                 for t in event_types]
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in pending:
            wait.cancel()
        return await next(iter(done))

    async def report(self, student_id: str, *, signs: list[str], imminent: bool = False,
                     channel: str = "staff_observation", name: str | None = None,
                     description: str = "",
                     reporter: dict[str, str] | None = None) -> dict[str, Any]:
        return await self.post("intake", "/reports", {
            "student": {"school_student_id": student_id, "name": name},
            "reporter": reporter or CLASS_TEACHER,
            "channel": channel, "signs": signs, "imminent": imminent,
            "description": description})

    async def decide(self, case_id: UUID, tier: str, rationale: str, *,
                     overrides_proposal: bool = False) -> dict[str, Any]:
        return await self.post("assessment", f"/cases/{case_id}/decision", {
            "tier": tier, "rationale": rationale, "actor": CRISIS_TEAM,
            "overrides_proposal": overrides_proposal,
            "participants": [CRISIS_TEAM, PSYCH_TEACHER]})

    async def decided_case(self, student_id: str, tier: str, rationale: str, *,
                           signs: list[str]) -> UUID:
        """A reported case whose tier the team decided, once referral has noted it."""
        received = await self.report(student_id, signs=signs)
        case_id = UUID(received["case_id"])
        await self.event(case_id, "assessment", "TierProposed")
        await self.decide(case_id, tier, rationale=rationale)
        await self.event(case_id, "referral", "TierNoted", decided=True)
        return case_id

    async def acknowledge(self, case_id: UUID, channel: str = "phone",
                          guardian_rank: int = 1) -> dict[str, Any]:
        return await self.post("notification", f"/cases/{case_id}/acknowledgements", {
            "guardian_rank": guardian_rank, "channel": channel, "actor": PSYCH_TEACHER})

    async def refer(self, case_id: UUID, receiver_type: str, receiver_id: str) -> UUID:
        """On the primary guardian's consent, just given, to share the codes only."""
        consent = await self.post("referral", f"/cases/{case_id}/consents", {
            "given_by_guardian_rank": 1,
            "given_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            "scope": ["student_pseudonym", "risk_tier", "signs_observed"],
            "receivers": [receiver_id], "actor": CRISIS_TEAM})
        result = await self.post("referral", f"/cases/{case_id}/referrals", {
            "receiver_type": receiver_type, "receiver_id": receiver_id,
            "consent_id": consent["consent_id"], "actor": CRISIS_TEAM})
        return UUID(result["referral_id"])

    async def answer(self, case_id: UUID, referral_id: UUID, response: str) -> dict[str, Any]:
        return await self.post("referral", f"/cases/{case_id}/referrals/{referral_id}/answers",
                                {"response": response,
                                 "actor": {"role": "receiver_liaison", "id": "liaison-1"}})

    async def follow_up(self, case_id: UUID, outcome: str) -> dict[str, Any]:
        return await self.post("referral", f"/cases/{case_id}/follow-ups",
                                {"outcome": outcome, "actor": PSYCH_TEACHER})

    async def close(self, case_id: UUID, reason: str) -> dict[str, Any]:
        return await self.post("referral", f"/cases/{case_id}/closure",
                                {"reason": reason, "actor": CRISIS_TEAM})

    async def through_every_stage(self, student_id: str, tier: str, *,
                                  imminent: bool = False, signs: list[str]) -> UUID:
        """One case from report to closure, the way the team would walk it."""
        received = await self.report(student_id, signs=signs, imminent=imminent,
                                     name=f"Student {student_id}",
                                     description="observed in class; details stay in intake")
        case_id = UUID(received["case_id"])
        proposed = await self.event(case_id, "assessment", "TierProposed")
        await self.decide(case_id, tier, rationale=f"team meeting graded it {tier}",
                          overrides_proposal=proposed.data["tier"] != tier)
        await self.event(case_id, "referral", "TierNoted", tier=tier, decided=True)
        if tier != "none":
            await self.event(case_id, "notification", "GuardianNoticeIssued")
            await self.acknowledge(case_id)
        if tier in ("serious", "crisis"):
            receiver = (("hospital_green_channel", "anding-hospital") if tier == "crisis"
                        else ("district_guidance_centre", "district-centre"))
            referral_id = await self.refer(case_id, *receiver)
            await self.answer(case_id, referral_id, "accepted")
            if tier == "crisis":
                await self.answer(case_id, referral_id, "admitted")
            await self.answer(case_id, referral_id, "discharged")
        await self._close_police_alerts(case_id)
        if tier != "none":
            await self.follow_up(case_id, "improving")
        await self.close(case_id, "resolved" if tier != "none" else "no_further_action")
        await self.event(case_id, "referral", "CaseClosed")
        return case_id

    async def _close_police_alerts(self, case_id: UUID) -> None:
        """Imminent danger with a weapon (or harm to others, a missing student) alerted the
        police; the team enters their answer: they came, and their part is done."""
        record = await self.read("referral", case_id, CRISIS_TEAM)
        for referral in record["referrals"]:
            if referral["receiver_type"] == "police" and referral["status"] == "requested":
                referral_id = UUID(referral["referral_id"])
                await self.answer(case_id, referral_id, "accepted")
                await self.answer(case_id, referral_id, "discharged")
