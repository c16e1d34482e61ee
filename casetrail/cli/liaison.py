"""A receiver's system, as the demo and the tests run it: deploy/fhir's reference liaison
client itself, loaded from its file. That file is the integrators' script (httpx and
fhir.resources only, no casetrail import), not a module of the package, so it is loaded by
path and typed here by what the demo uses of it."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, cast

import httpx

CLIENT = Path(__file__).parents[2] / "deploy" / "fhir" / "liaison_client.py"


class Liaison(Protocol):
    """A hospital's liaison system: reads its Tasks, answers one on the version it read."""

    async def tasks(self, status: str | None = None) -> list[dict[str, Any]]: ...

    async def task(self, referral_id: str) -> tuple[dict[str, Any], str]: ...

    async def answer(self, referral_id: str, answer: str, *, reason: str | None = None,
                     summary: str | None = None,
                     recommendations: str | None = None) -> dict[str, Any]: ...


@cache
def reference_client() -> ModuleType:
    """deploy/fhir/liaison_client.py as a module (loaded once)."""
    spec = importlib.util.spec_from_file_location("liaison_client", CLIENT)
    if spec is None or spec.loader is None:
        raise ImportError(f"the reference liaison client is not at {CLIENT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_liaison(http: httpx.AsyncClient, referral_url: str, token: str) -> Liaison:
    """The receiver's system signed in with `token` (its own, or its liaison's login)."""
    return cast(Liaison, reference_client().LiaisonClient(http, referral_url, token))
