"""Fakes of the console's ports: services that answer canned JSON (and record what was
asked of them), and tokens that say who acts without a signature."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casetrail.identity.principal import Principal
from contracts.codes import Role
from services.console.application import Answer, Call
from services.console.bootstrap import build
from services.console.config import ConsoleSettings
from services.console.entrypoints.session import SESSION_COOKIE, csrf_for

# Just enough of intake's OpenAPI for the screening forms the console draws from it.
INTAKE_OPENAPI: dict[str, Any] = {
    "paths": {
        "/screenings": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/ScreeningIn"}}}}}},
        "/screenings/{screening_id}/consents": {"post": {"requestBody": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ConsentsIn"}}}}}},
    },
    "components": {"schemas": {
        "ScreeningIn": {"type": "object", "required": ["instrument", "held_on"], "properties": {
            "instrument": {"$ref": "#/components/schemas/Instrument"},
            "held_on": {"type": "string", "format": "date"},
            "grade_label": {"anyOf": [{"type": "string"}, {"type": "null"}]}}},
        "Instrument": {"type": "string", "enum": ["asq", "phq_9"]},
        "ConsentsIn": {"type": "object", "required": ["consents"], "properties": {
            "consents": {"type": "array", "items": {"$ref": "#/components/schemas/ConsentIn"}}}},
        "ConsentIn": {"type": "object", "required": ["school_student_id"], "properties": {
            "school_student_id": {"type": "string"},
            "student_consented": {"type": "boolean"},
            "guardian_consented": {"type": "boolean"}}},
    }},
}


@dataclass
class FakeServices:
    """Each service's answer by method and path (no query), else 404; every call kept."""

    answers: dict[tuple[str, str, str], Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    openapis: dict[str, Mapping[str, Any]] = field(
        default_factory=lambda: {"intake": INTAKE_OPENAPI})

    def answer(self, service: str, method: str, path: str, body: Any, status: int = 200,
               content_type: str = "application/json",
               headers: Mapping[str, str] | None = None) -> None:
        self.answers[(service, method, path)] = Answer(status, body, content_type,
                                                       dict(headers or {}))

    async def call(self, call: Call, token: str) -> Answer:
        self.calls.append(call)
        return self.answers.get((call.service, call.method, call.path),
                                Answer(404, {"detail": "no such record here"}))

    async def openapi(self, service: str) -> Mapping[str, Any]:
        return self.openapis[service]

    async def changes(self, token: str) -> AsyncIterator[str]:
        nothing: tuple[str, ...] = ()
        for case_id in nothing:
            yield case_id

    async def close(self) -> None:
        return None

    def asked(self, service: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.service == service and c.path == path]


class FakeTokens:
    """A token is `role:subject`, and says so."""

    def principal(self, token: str) -> Principal:
        role, _, subject = token.partition(":")
        return Principal(subject=subject, role=Role(role), school="school-1")


def console_app(services: FakeServices) -> FastAPI:
    return build(ConsoleSettings(), services, None, FakeTokens())


def signed_in(app: FastAPI, role: str, subject: str = "p-1") -> tuple[TestClient, str]:
    """A browser signed in as `role`, and the CSRF token its forms carry."""
    token = f"{role}:{subject}"
    client = TestClient(app, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, token)
    return client, csrf_for(app.state.secret, token)
