"""Clients send each command with one Idempotency-Key and retry that very request."""

from __future__ import annotations

import httpx

from casetrail.cli.commands import send_command


class FlakyService:
    """Drops the first connection, then fails once with a 503, once with 409 and Retry-After
    (the first attempt still running), then answers; remembers what each attempt sent."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.headers["Idempotency-Key"], request.read()))
        status = self.answers.pop(0)
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        headers = {"Retry-After": "1"} if status == 409 else {}
        return httpx.Response(status, json={"n": len(self.seen)}, headers=headers)


async def test_a_command_is_retried_with_its_key_until_answered_byte_for_byte() -> None:
    service = FlakyService([0, 503, 409, 201])
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        answer = await send_command(http, "POST", "http://intake/screenings/s/imports",
                                    files={"file": ("a.csv", b"q1\n1\n")},
                                    data={"actor_role": "psych_teacher"})
    assert answer.status_code == 201
    assert len(service.seen) == 4
    assert len(set(service.seen)) == 1  # one key, one body (the same multipart boundary)


async def test_each_logical_action_has_its_own_key_and_a_refusal_is_not_retried() -> None:
    service = FlakyService([404, 422])
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        first = await send_command(http, "POST", "http://a/x", json={"a": 1})
        second = await send_command(http, "POST", "http://a/x", json={"a": 1})
    assert (first.status_code, second.status_code) == (404, 422)
    assert service.seen[0][0] != service.seen[1][0]


async def test_a_service_that_stays_down_gets_its_last_answer_through() -> None:
    service = FlakyService([503] * 50)
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        answer = await send_command(http, "PUT", "http://a/x", json={}, retry_for=0.3)
    assert answer.status_code == 503
