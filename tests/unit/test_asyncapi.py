"""The bus's AsyncAPI document: valid AsyncAPI 3.0, every contract in it, and the copy in the
repository the one the contracts make."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from contracts.asyncapi import document, document_json, message_name
from contracts.checkpoints import CheckpointMessage
from contracts.dead_letters import DeadLetter
from contracts.envelope import Envelope
from contracts.events import EVENT_DATA
from contracts.subjects import HANDLES, durable_name

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "contracts" / "asyncapi.json"
# The official AsyncAPI JSON Schemas (npm's @asyncapi/specs), put here by scripts/install.
SPEC = ROOT / ".venv/asyncapi-specs/node_modules/@asyncapi/specs/schemas/3.0.0.json"


def _inlined(schema: Any, resolve: dict[str, Any]) -> Any:
    """The schema with every $ref replaced by what it names."""
    if isinstance(schema, dict):
        if set(schema) == {"$ref"}:
            return _inlined(resolve[schema["$ref"]], resolve)
        return {key: _inlined(value, resolve) for key, value in schema.items()
                if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, resolve) for item in schema]
    return schema


def _contract_schema(model: type[Any]) -> Any:
    schema = model.model_json_schema()
    return _inlined(schema, {f"#/$defs/{name}": definition
                             for name, definition in schema.get("$defs", {}).items()})


DOC = document()
IN_DOC = {f"#/components/schemas/{name}": schema
          for name, schema in DOC["components"]["schemas"].items()}


def test_the_committed_document_is_the_one_the_contracts_make() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == document_json(), (
        "contracts/asyncapi.json differs from what contracts/ make: regenerate it with "
        "`.venv/bin/casetrail asyncapi > contracts/asyncapi.json`")


def test_the_document_is_valid_asyncapi_3_0() -> None:
    assert SPEC.is_file(), f"no AsyncAPI 3.0.0 schema at {SPEC}: run scripts/install"
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(spec)(spec)
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(DOC)]
    assert errors == []
    assert DOC["asyncapi"] == "3.0.0"


def test_every_version_of_every_event_type_is_a_message_of_its_services_channel() -> None:
    for service, event_type, version in EVENT_DATA:
        name = message_name(service, event_type, version)
        assert name in DOC["components"]["messages"]
        assert name in DOC["channels"][service]["messages"]
        assert event_type in DOC["channels"][service]["parameters"]["event_type"]["enum"]


def test_each_message_carries_the_envelope_with_its_contracts_data() -> None:
    envelope = _contract_schema(Envelope)
    for (service, event_type, version), model in EVENT_DATA.items():
        payload = _inlined(
            DOC["components"]["messages"][message_name(service, event_type, version)]
            ["payload"], IN_DOC)
        whole, this = payload["allOf"]
        assert whole == envelope
        assert this["properties"]["data"] == _contract_schema(model)
        assert {key: this["properties"][key]["const"] for key in ("service", "type",
                                                                   "version")} \
            == {"service": service, "type": event_type, "version": version}


def test_the_dead_letters_and_checkpoints_are_their_contracts() -> None:
    for model in (DeadLetter, CheckpointMessage):
        payload = DOC["components"]["messages"][model.__name__]["payload"]
        assert _inlined(payload, IN_DOC) == _contract_schema(model)


def _types_of(operation: dict[str, Any]) -> set[str]:
    return {ref["$ref"].rsplit("/", 1)[1].split(".")[1] for ref in operation["messages"]}


def test_each_service_sends_its_own_events_and_receives_those_it_acts_on() -> None:
    operations = DOC["operations"]
    for service in HANDLES:
        assert _types_of(operations[f"{service}.sends"]) == \
            {event_type for s, event_type, _ in EVENT_DATA if s == service}
        for upstream, types in HANDLES[service].items():
            receiving = operations[durable_name(service, upstream)]
            assert receiving["action"] == "receive"
            assert receiving["channel"] == {"$ref": f"#/channels/{upstream}"}
            assert _types_of(receiving) == types
