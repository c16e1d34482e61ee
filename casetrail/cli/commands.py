"""Sending a command so that it is done once: one Idempotency-Key per logical action, and the
very same request sent again on a connection error, a 5xx, or a 409 that says to retry (the
first attempt is still being carried out). The services answer a retry from their store.

A person's tools sign in with a bearer token (`casetrail login`): `--token`, else
CASETRAIL_TOKEN."""

from __future__ import annotations

import os
from typing import Any
from uuid import uuid4

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_delay,
    wait_exponential_jitter,
)

IDEMPOTENCY_KEY = "Idempotency-Key"
TOKEN_VARIABLE = "CASETRAIL_TOKEN"
# Long enough for a killed API to be restarted by its supervisor.
RETRY_FOR_SECONDS = 60.0


class RequestRefused(RuntimeError):
    """A 4xx answer: the service's `detail` says why (401: the token; 403: who may)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url.path} → "
                         f"{response.status_code}: {response.text}")
        self.status_code = response.status_code
        try:
            self.detail: Any = response.json().get("detail")
        except ValueError:
            self.detail = response.text or None

    def service_says(self) -> str:
        return f"HTTP {self.status_code}: {self.detail}"


class NotSignedIn(RuntimeError):
    """No token given: the message says how to get one."""


def bearer(token: str | None = None) -> dict[str, str]:
    """The Authorization header of the given token, else of CASETRAIL_TOKEN's."""
    token = token or os.environ.get(TOKEN_VARIABLE)
    if not token:
        raise NotSignedIn(f"sign in first: `export {TOKEN_VARIABLE}=$(casetrail login NAME)`, "
                          "or pass --token")
    return {"Authorization": f"Bearer {token}"}


def _try_again(response: httpx.Response) -> bool:
    return response.status_code >= 500 or (
        response.status_code == 409 and "retry-after" in response.headers)


def _last_outcome(state: RetryCallState) -> httpx.Response:
    """Out of time: the last answer as it was (or its error raised), not tenacity's."""
    assert state.outcome is not None
    response: httpx.Response = state.outcome.result()
    return response


async def send_command(http: httpx.AsyncClient, method: str, url: str, *,
                       retry_for: float = RETRY_FOR_SECONDS, **request: Any) -> httpx.Response:
    """`method url` with a new key, built once (a file upload keeps its multipart boundary,
    so every attempt is the same request byte for byte) and sent until it gets an answer."""
    headers = {IDEMPOTENCY_KEY: str(uuid4()), **request.pop("headers", {})}
    built = http.build_request(method, url, headers=headers, **request)
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(httpx.TransportError) | retry_if_result(_try_again),
        wait=wait_exponential_jitter(multiplier=0.1, max=2.0, jitter=0.1),
        stop=stop_after_delay(retry_for), retry_error_callback=_last_outcome)
    response: httpx.Response = await retrying(http.send, built)
    return response
