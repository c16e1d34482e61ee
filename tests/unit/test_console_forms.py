"""The console draws each step's form from the service's OpenAPI, turns what was typed back
into the body the service declares, and lays the service's 422 on the fields it names."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from contracts.codes import Role, Tier
from services.console.domain.forms import (
    FormError,
    Kind,
    body_of,
    body_schema,
    fields_of,
    refusal_of,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Participant(BaseModel):
    role: Role
    id: str
    affiliation: Literal["internal", "external"] = "internal"


class Decision(BaseModel):
    at: str | None = None
    tier: Tier
    rationale: str
    participants: list[Participant]
    overrides_proposal: bool = False
    review_on: str | None = None


class Call(BaseModel):
    called_at: datetime | None = None


def openapi() -> dict[str, Any]:
    api = FastAPI()

    @api.post("/cases/{case_id}/decision")
    def decide(case_id: str, body: Decision) -> None: ...

    @api.get("/cases/{case_id}")
    def read(case_id: str) -> None: ...

    return api.openapi()


def decision_fields() -> tuple[Any, ...]:
    spec = openapi()
    schema = body_schema(spec, "POST", "/cases/{case_id}/decision")
    assert schema is not None
    return fields_of(spec, schema)


def test_a_form_asks_for_what_the_body_declares_but_when_it_happened() -> None:
    fields = {f.key: f for f in decision_fields()}

    assert "at" not in fields
    assert fields["tier"].kind is Kind.CHOICE and fields["tier"].required
    assert fields["tier"].options == tuple(t.value for t in Tier)
    assert fields["tier"].enum == "Tier"
    assert fields["rationale"].kind is Kind.LONG_TEXT
    assert fields["overrides_proposal"].kind is Kind.FLAG
    assert fields["participants"].kind is Kind.ROWS
    assert [f.name for f in fields["participants"].rows[1]] == [
        "participants.1.role", "participants.1.id", "participants.1.affiliation"]


def test_a_route_without_a_body_has_no_form() -> None:
    assert body_schema(openapi(), "GET", "/cases/{case_id}") is None


def test_what_was_left_empty_is_left_out_and_so_is_an_empty_row() -> None:
    body = body_of(decision_fields(), {
        "tier": ["crisis"], "rationale": [" ideation with a plan "], "review_on": [""],
        "participants.0.role": ["crisis_team"], "participants.0.id": ["team-1"],
        "participants.1.role": [""], "participants.1.id": [""]}, SHANGHAI)

    assert body == {"tier": "crisis", "rationale": "ideation with a plan",
                    "participants": [{"role": "crisis_team", "id": "team-1"}],
                    "overrides_proposal": False}


def test_a_row_left_as_drawn_is_left_out_though_its_choices_have_defaults() -> None:
    body = body_of(decision_fields(), {
        "tier": ["crisis"], "rationale": ["ideation with a plan"],
        "participants.0.role": ["crisis_team"], "participants.0.id": ["team-1"],
        "participants.0.affiliation": ["external"],
        "participants.1.role": [""], "participants.1.id": [""],
        "participants.1.affiliation": ["internal"]}, SHANGHAI)

    assert body["participants"] == [
        {"role": "crisis_team", "id": "team-1", "affiliation": "external"}]


def test_a_ticked_box_is_true() -> None:
    body = body_of(decision_fields(), {"overrides_proposal": ["true"]}, SHANGHAI)

    assert body["overrides_proposal"] is True


def test_a_moment_typed_on_the_schools_clock_is_sent_with_its_offset() -> None:
    api = FastAPI()

    @api.post("/calls")
    def call(body: Call) -> None: ...

    spec = api.openapi()
    schema = body_schema(spec, "POST", "/calls")
    assert schema is not None
    fields = fields_of(spec, schema)

    assert body_of(fields, {"called_at": ["2026-03-02T16:00"]}, SHANGHAI) == {
        "called_at": "2026-03-02T16:00:00+08:00"}
    with pytest.raises(FormError) as refused:
        body_of(fields, {"called_at": ["yesterday"]}, SHANGHAI)
    assert refused.value.field == "called_at"


def test_the_services_refusal_lands_on_the_field_it_names() -> None:
    refusal = refusal_of([
        {"loc": ["body", "participants", 0, "role"], "msg": "Input should be a role"},
        {"loc": ["body", "rationale"], "msg": "Field required"},
        {"loc": ["query", "purpose"], "msg": "unknown purpose"},
    ], decision_fields())

    assert refusal.by_field == {"participants.0.role": ["Input should be a role"],
                                "rationale": ["Field required"]}
    assert refusal.general == ["query.purpose: unknown purpose"]


def test_a_refusal_of_a_whole_list_lands_on_the_list() -> None:
    refusal = refusal_of([{"loc": ["body", "participants"], "msg": "at least two"}],
                         decision_fields())

    assert refusal.by_field == {"participants": ["at least two"]}


def test_a_refusal_in_words_is_shown_as_it_is() -> None:
    assert refusal_of("the case is closed", decision_fields()).general == [
        "the case is closed"]


class Plan(BaseModel):
    agreed: bool


def test_a_yes_or_no_the_service_requires_is_asked_not_assumed() -> None:
    api = FastAPI()

    @api.post("/plans")
    def plan(body: Plan) -> None: ...

    spec = api.openapi()
    schema = body_schema(spec, "POST", "/plans")
    assert schema is not None
    (agreed,) = fields_of(spec, schema)

    assert agreed.kind is Kind.YES_NO
    assert body_of((agreed,), {}, SHANGHAI) == {}  # left unanswered: the service says so
    assert body_of((agreed,), {"agreed": ["false"]}, SHANGHAI) == {"agreed": False}
