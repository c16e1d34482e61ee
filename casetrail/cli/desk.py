"""The crisis team's desk: the HTTP calls people make, each with their own token, and
waiting for the bus to catch up.

Used by `casetrail demo`, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from nats.aio.client import Client
from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_delay, wait_fixed

from casetrail.bus.replay import wait_for_event
from casetrail.cli.cast import (
    CLASS_TEACHER,
    CRISIS_TEAM,
    CRISIS_TEAM_HEAD,
    PSYCH_TEACHER,
    Cast,
    Person,
)
from casetrail.cli.commands import RequestRefused, send_command
from casetrail.cli.runtime import Runtime
from casetrail.cli.watch import EventWatch
from contracts.envelope import Envelope

# How long the other services may take to learn of an assignment from intake's event.
ASSIGNMENT_TRAVELS_SECONDS = 30.0


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RequestRefused(response)
    return response.json()


def _record(response: httpx.Response) -> dict[str, Any]:
    answer: dict[str, Any] = _answer(response)
    return answer


class Desk:
    """Every command goes with its own Idempotency-Key and is retried with it until answered
    (casetrail/cli/commands.py): a timeout or a restarted service never does it twice. Each
    request is made `by` one of the cast, with their token. Given a started watch, it waits
    for events through it rather than a JetStream consumer per wait."""

    def __init__(self, runtime: Runtime, nc: Client, http: httpx.AsyncClient,
                 cast: Cast, watch: EventWatch | None = None) -> None:
        self.runtime = runtime
        self.nc = nc
        self.http = http
        self.cast = cast
        self.watch = watch

    async def post(self, service: str, path: str, body: dict[str, Any], *,
                   by: Person) -> dict[str, Any]:
        return _record(await send_command(self.http, "POST",
                                          f"{self.runtime.services[service]}{path}", json=body,
                                          headers=self.cast.headers(by)))

    async def put(self, service: str, path: str, body: dict[str, Any], *,
                  by: Person) -> dict[str, Any]:
        return _record(await send_command(self.http, "PUT",
                                          f"{self.runtime.services[service]}{path}", json=body,
                                          headers=self.cast.headers(by)))

    async def upload(self, service: str, path: str, filename: str, content: bytes, *,
                     by: Person) -> dict[str, Any]:
        return _record(await send_command(
            self.http, "POST", f"{self.runtime.services[service]}{path}",
            files={"file": (filename, content)}, headers=self.cast.headers(by)))

    async def get(self, service: str, path: str, *, by: Person,
                  purpose: str = "case_work") -> Any:
        """A person's read: why goes with it (who is the token's), and the service logs it."""
        return _answer(await self._get(service, path, by, purpose))

    async def _get(self, service: str, path: str, by: Person,
                   purpose: str = "case_work") -> httpx.Response:
        return await self.http.get(f"{self.runtime.services[service]}{path}",
                                   params={"purpose": purpose}, headers=self.cast.headers(by))

    async def read(self, service: str, case_id: UUID, *, by: Person,
                   purpose: str = "case_work") -> dict[str, Any]:
        result: dict[str, Any] = await self.get(service, f"/cases/{case_id}", by=by,
                                                purpose=purpose)
        return result

    async def assign(self, case_id: UUID, person: Person, *, working_in: tuple[str, ...]
                     ) -> None:
        """The crisis-team head assigns `person` to the case; returns once each service
        they will work it in knows. Intake records the assignment; the others learn of it
        from intake's event a moment later, so there the assignee opens the case first."""
        await self.post("intake", f"/cases/{case_id}/assignments",
                        {"assignee_id": person.id, "assignee_role": person.role.value},
                        by=CRISIS_TEAM_HEAD)
        for service in working_in:
            if service != "intake":
                await self.allowed(service, case_id, person)

    async def allowed(self, service: str, case_id: UUID, person: Person) -> None:
        """Until the service lets `person` read the case (an answer other than 403)."""
        retrying = AsyncRetrying(retry=retry_if_result(lambda r: r.status_code == 403),
                                 wait=wait_fixed(0.1),
                                 stop=stop_after_delay(ASSIGNMENT_TRAVELS_SECONDS),
                                 retry_error_callback=_last_answer)
        response: httpx.Response = await retrying(self._get, service, f"/cases/{case_id}",
                                                  person)
        if response.status_code == 403:
            raise RequestRefused(response)

    async def event(self, case_id: UUID, service: str, event_type: str,
                    timeout: float = 30.0, **data: Any) -> Envelope:
        """Wait for the case's event whose data has the given values."""

        def matching(envelope: Envelope) -> bool:
            return all(envelope.data.get(k) == v for k, v in data.items())

        if self.watch is not None:
            return await self.watch.wait(case_id, service, event_type, matching, timeout)
        return await wait_for_event(self.nc, case_id, service, event_type, matching=matching,
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
                     description: str = "", by: Person = CLASS_TEACHER) -> dict[str, Any]:
        return await self.post("intake", "/reports", {
            "student": {"school_student_id": student_id, "name": name},
            "channel": channel, "signs": signs, "imminent": imminent,
            "description": description}, by=by)

    async def decide(self, case_id: UUID, tier: str, rationale: str, *,
                     overrides_proposal: bool = False) -> dict[str, Any]:
        return await self.post("assessment", f"/cases/{case_id}/decision", {
            "tier": tier, "rationale": rationale, "overrides_proposal": overrides_proposal,
            "participants": [staff(CRISIS_TEAM), staff(PSYCH_TEACHER)]}, by=CRISIS_TEAM)

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
        """The psychology teacher (assigned to the case) records the guardian's answer."""
        return await self.post("notification", f"/cases/{case_id}/acknowledgements", {
            "guardian_rank": guardian_rank, "channel": channel}, by=PSYCH_TEACHER)

    async def refer(self, case_id: UUID, receiver_type: str, receiver_id: str) -> UUID:
        """On the primary guardian's consent, just given, to share the codes only."""
        consent = await self.post("referral", f"/cases/{case_id}/consents", {
            "given_by_guardian_rank": 1,
            "given_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            "scope": ["student_pseudonym", "risk_tier", "signs_observed"],
            "receivers": [receiver_id]}, by=CRISIS_TEAM)
        result = await self.post("referral", f"/cases/{case_id}/referrals", {
            "receiver_type": receiver_type, "receiver_id": receiver_id,
            "consent_id": consent["consent_id"]}, by=CRISIS_TEAM)
        return UUID(result["referral_id"])

    async def answer(self, case_id: UUID, referral_id: UUID, response: str) -> dict[str, Any]:
        """The receiver's answer, given by phone or letter: the team records it."""
        return await self.post("referral", f"/cases/{case_id}/referrals/{referral_id}/answers",
                               {"response": response}, by=CRISIS_TEAM)

    async def follow_up(self, case_id: UUID, outcome: str) -> dict[str, Any]:
        return await self.post("referral", f"/cases/{case_id}/follow-ups",
                               {"outcome": outcome}, by=PSYCH_TEACHER)

    async def close(self, case_id: UUID, reason: str) -> dict[str, Any]:
        return await self.post("referral", f"/cases/{case_id}/closure", {"reason": reason},
                               by=CRISIS_TEAM)

    async def through_every_stage(self, student_id: str, tier: str, *,
                                  imminent: bool = False, signs: list[str]) -> UUID:
        """One case from report to closure, the way the team would walk it: the psychology
        teacher, assigned to it, talks with the family and follows the student up."""
        received = await self.report(student_id, signs=signs, imminent=imminent,
                                     name=f"Student {student_id}",
                                     description="observed in class; details stay in intake")
        case_id = UUID(received["case_id"])
        proposed = await self.event(case_id, "assessment", "TierProposed")
        await self.decide(case_id, tier, rationale=f"team meeting graded it {tier}",
                          overrides_proposal=proposed.data["tier"] != tier)
        await self.event(case_id, "referral", "TierNoted", tier=tier, decided=True)
        if tier != "none":
            await self.assign(case_id, PSYCH_TEACHER, working_in=("notification", "referral"))
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
        record = await self.read("referral", case_id, by=CRISIS_TEAM)
        for referral in record["referrals"]:
            if referral["receiver_type"] == "police" and referral["status"] == "requested":
                referral_id = UUID(referral["referral_id"])
                await self.answer(case_id, referral_id, "accepted")
                await self.answer(case_id, referral_id, "discharged")


def _last_answer(state: RetryCallState) -> httpx.Response:
    assert state.outcome is not None
    response: httpx.Response = state.outcome.result()
    return response


def staff(person: Person) -> dict[str, str]:
    """A person as a decision's participant or a plan's responsible names them."""
    return {"role": person.role.value, "id": person.id}
