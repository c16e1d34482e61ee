"""A hospital's reference liaison client for casetrail's FHIR R4 facade (httpx and
fhir.resources only: no casetrail code), for integrators to read and to run.

    python deploy/fhir/liaison_client.py --base http://127.0.0.1:8004 --token "$T" list
    python deploy/fhir/liaison_client.py ... show <referral id>
    python deploy/fhir/liaison_client.py ... answer <referral id> accepted
    python deploy/fhir/liaison_client.py ... answer <id> rejected --reason no_capacity
    python deploy/fhir/liaison_client.py ... answer <id> discharged \\
        --summary DocumentReference/ds-1 --recommendations "half days for two weeks"
    python deploy/fhir/liaison_client.py ... poll --interval 30   # acknowledges new ones

Every update is made on the version just read (If-Match), carries an Idempotency-Key and
is sent again with the same key on a connection error, a 5xx or a 409 with Retry-After.
What goes out and what comes back is validated as FHIR R4 (fhir.resources.R4B).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from typing import Any

import httpx
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

FHIR_JSON = "application/fhir+json"
BSER = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"
FEEDBACK = "urn:casetrail:feedback"
DECLINE = "urn:casetrail:decline-reason"
# Each answer as its R4 status and BSeR business status (None: the status says it).
ANSWERS: dict[str, tuple[str, str | None]] = {
    "received": ("received", None), "accepted": ("accepted", "3.0"),
    "rejected": ("rejected", "4.0"), "scheduled": ("in-progress", "5.1.1"),
    "no-show": ("on-hold", "5.1.2"), "admitted": ("in-progress", "admitted"),
    "discharged": ("completed", "7.0"), "failed": ("failed", None),
    "cancelled": ("cancelled", "6.0")}
ATTEMPTS = 5


class Refused(Exception):
    """The facade's OperationOutcome, as its status and diagnostics."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            outcome = OperationOutcome.model_validate(response.json())
            words = "; ".join(f"{', '.join(map(str, i.expression or []))} {i.diagnostics or i.code}"
                              .strip() for i in outcome.issue)
        except ValueError:
            words = response.text
        super().__init__(f"{self.status}: {words}")


class LiaisonClient:
    def __init__(self, http: httpx.AsyncClient, base: str, token: str) -> None:
        self.http, self.base = http, base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Accept": FHIR_JSON}

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, sent again as it was on a passing failure."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await self.http.request(method, self.base + path, **kwargs)
            except httpx.TransportError:
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(attempt)
                continue
            retry = response.status_code >= 500 or (
                response.status_code == 409 and "retry-after" in response.headers)
            if not retry or attempt == ATTEMPTS:
                break
            await asyncio.sleep(float(response.headers.get("retry-after", attempt)))
        if response.status_code >= 400:
            raise Refused(response)
        return response

    async def tasks(self, status: str | None = None) -> list[dict[str, Any]]:
        """Our own Tasks (of an R4 status, if given)."""
        params = {"status": status} if status else {}
        response = await self._send("GET", "/fhir/Task", params=params, headers=self.headers)
        bundle = Bundle.model_validate(response.json())
        return [json.loads(e.resource.model_dump_json()) for e in bundle.entry or []
                if e.resource is not None]

    async def task(self, referral_id: str) -> tuple[dict[str, Any], str]:
        """The Task and its ETag (the version an update is made on)."""
        response = await self._send("GET", f"/fhir/Task/{referral_id}", headers=self.headers)
        Task.model_validate(response.json())
        return response.json(), response.headers["etag"]

    async def answer(self, referral_id: str, answer: str, *, reason: str | None = None,
                     summary: str | None = None,
                     recommendations: str | None = None) -> dict[str, Any]:
        """Our answer, on the version just read; the hospital's feedback with it."""
        current, etag = await self.task(referral_id)
        status, business = ANSWERS[answer]
        task: dict[str, Any] = {k: v for k, v in current.items()
                                if k not in ("meta", "businessStatus", "statusReason")}
        task["status"] = status
        if business:
            system = BSER if business[0].isdigit() else "urn:casetrail:referral-status"
            task["businessStatus"] = {"coding": [{"system": system, "code": business}]}
        if reason:
            task["statusReason"] = {"coding": [{"system": DECLINE, "code": reason}]}
        output = []
        if summary:
            output.append({"type": {"coding": [{"system": FEEDBACK,
                                                "code": "discharge-summary"}]},
                           "valueReference": {"reference": summary}})
        if recommendations:
            output.append({"type": {"coding": [{"system": FEEDBACK,
                                                "code": "return-to-school-recommendations"}]},
                           "valueString": recommendations})
        if output:
            task["output"] = output
        body = Task.model_validate(task).model_dump_json()
        response = await self._send("PUT", f"/fhir/Task/{referral_id}", content=body,
                                    headers={**self.headers, "Content-Type": FHIR_JSON,
                                             "If-Match": etag,
                                             "Idempotency-Key": str(uuid.uuid4())})
        Task.model_validate(response.json())
        answered: dict[str, Any] = response.json()
        return answered

    async def acknowledge_new(self) -> list[str]:
        """Each Task still `requested` marked `received` (BSeR: the referral arrived)."""
        acknowledged = []
        for task in await self.tasks("requested"):
            await self.answer(task["id"], "received")
            acknowledged.append(task["id"])
        return acknowledged


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="referral's address")
    parser.add_argument("--token", required=True, help="the receiver's bearer token")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--status")
    commands.add_parser("show").add_argument("referral_id")
    answering = commands.add_parser("answer")
    answering.add_argument("referral_id")
    answering.add_argument("answer", choices=sorted(ANSWERS))
    answering.add_argument("--reason")
    answering.add_argument("--summary")
    answering.add_argument("--recommendations")
    commands.add_parser("poll").add_argument("--interval", type=float, default=30)
    return parser.parse_args(argv)


async def main(argv: list[str], transport: httpx.AsyncBaseTransport | None = None) -> int:
    args = _arguments(argv)
    async with httpx.AsyncClient(transport=transport, timeout=30) as http:
        client = LiaisonClient(http, args.base, args.token)
        try:
            if args.command == "list":
                shown: Any = await client.tasks(args.status)
            elif args.command == "show":
                shown = (await client.task(args.referral_id))[0]
            elif args.command == "answer":
                shown = await client.answer(args.referral_id, args.answer, reason=args.reason,
                                            summary=args.summary,
                                            recommendations=args.recommendations)
            else:
                while True:
                    for referral_id in await client.acknowledge_new():
                        print(f"received {referral_id}", flush=True)
                    await asyncio.sleep(args.interval)
        except Refused as refused:
            print(f"refused {refused}", file=sys.stderr)
            return 1
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
