"""The bus as an AsyncAPI 3.0 document, drawn from the contracts alone so it cannot drift.

Each service's events are one channel of CASES (`case.{case_id}.{service}.{event_type}`),
each version of an event type one message there: the envelope, with the contract's data.
Each service sends its own; a receive operation per durable consumer names the types the
service acts on (`HANDLES`). The DLQ and CHECKPOINTS streams are channels too. The outbox's
wake-ups (core NATS, a service to its own relay) are no one else's business and left out.
`casetrail asyncapi` prints it; `contracts/asyncapi.json` is the copy kept in the repository.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contracts.checkpoints import CHECKPOINT_SUBJECTS, CheckpointMessage
from contracts.dead_letters import DeadLetter
from contracts.envelope import SERVICES, Envelope
from contracts.events import EVENT_DATA, EventKey
from contracts.subjects import (
    CASES_STREAM,
    CHECKPOINTS_STREAM,
    DLQ_STREAM,
    HANDLES,
    MSG_ID_HEADER,
    POSITION_HEADER,
    TRACEPARENT_HEADER,
    durable_name,
)

SCHEMAS = "#/components/schemas/"
# Supervision reads every event of CASES (an ordered consumer, no durable) and acts on none.
TRAIL_READERS = ("supervision",)


def message_name(service: str, event_type: str, version: int) -> str:
    """The document's name for one version of an event type: `intake.CaseDetected.v1`."""
    return f"{service}.{event_type}.v{version}"


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(part.replace("~", "~0").replace("/", "~1")
                                     for part in path)}


def _schemas() -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """Every model's schema, its nested models in components/schemas (one name each)."""
    models: list[type[BaseModel]] = [Envelope, DeadLetter, CheckpointMessage,
                                     *EVENT_DATA.values()]
    unique = list(dict.fromkeys(models))
    refs, definitions = models_json_schema([(model, "validation") for model in unique],
                                           ref_template=SCHEMAS + "{model}")
    return ({model: refs[(model, "validation")] for model in unique},
            definitions.get("$defs", {}))


def _event_message(key: EventKey, model: type[BaseModel],
                   schema_of: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    service, event_type, version = key
    return {
        "name": message_name(*key),
        "title": f"{event_type} v{version}",
        "summary": " ".join((model.__doc__ or event_type).split()),
        "contentType": "application/json",
        "headers": {"$ref": SCHEMAS + "CaseEventHeaders"},
        "correlationId": _ref("components", "correlationIds", "correlation"),
        "payload": {"allOf": [schema_of[Envelope], {
            "type": "object",
            "properties": {"service": {"const": service}, "type": {"const": event_type},
                           "version": {"const": version}, "data": schema_of[model]}}]},
    }


def _headers() -> dict[str, Any]:
    return {"type": "object", "required": [MSG_ID_HEADER, POSITION_HEADER], "properties": {
        MSG_ID_HEADER: {"type": "string", "format": "uuid",
                        "description": "the envelope's event_id: JetStream drops a copy "
                                       "re-published within its duplicate window"},
        POSITION_HEADER: {"type": "string", "pattern": "^[1-9][0-9]*$",
                          "description": "the event's position in its service's "
                                         "notification log, for matching it to the store"},
        TRACEPARENT_HEADER: {"type": "string",
                             "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                             "description": "W3C trace context of the work that recorded the "
                                            "event, when tracing is on: telemetry only, "
                                            "nothing is decided by it"}}}


def _by_service() -> dict[str, list[EventKey]]:
    return {service: sorted(key for key in EVENT_DATA if key[0] == service)
            for service in SERVICES}


def _event_channel(service: str, keys: list[EventKey]) -> dict[str, Any]:
    types = sorted({event_type for _, event_type, _ in keys})
    return {
        "address": f"case.{{case_id}}.{service}.{{event_type}}",
        "title": f"{service}'s events",
        "description": f"Every event {service} records of a case, on the {CASES_STREAM} "
                       "stream, kept for good (no delete, no purge).",
        "parameters": {
            "case_id": {"description": "the case's id (a UUID)"},
            "event_type": {"enum": types, "description": "the envelope's type"}},
        "messages": {message_name(*key): _ref("components", "messages", message_name(*key))
                     for key in keys},
    }


def _messages_of(channel: str, names: Iterable[str]) -> list[dict[str, str]]:
    return [_ref("channels", channel, "messages", name) for name in names]


def _operations(by_service: dict[str, list[EventKey]]) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for service, keys in by_service.items():
        operations[f"{service}.sends"] = {
            "action": "send", "channel": _ref("channels", service),
            "summary": f"{service}'s relay publishes each event it committed, once",
            "messages": _messages_of(service, (message_name(*key) for key in keys))}
    for service, upstreams in HANDLES.items():
        for upstream, types in sorted(upstreams.items()):
            durable = durable_name(service, upstream)
            operations[durable] = {
                "action": "receive", "channel": _ref("channels", upstream),
                "summary": f"{service} acts on these of {upstream}'s events, through its "
                           f"durable consumer {durable}; it acknowledges the rest unread",
                "messages": _messages_of(upstream, (
                    message_name(*key) for key in by_service[upstream] if key[1] in types))}
    for reader in TRAIL_READERS:
        for service, keys in by_service.items():
            operations[f"{reader}.reads.{service}"] = {
                "action": "receive", "channel": _ref("channels", service),
                "summary": f"{reader} reads every event of the trail, acting on none",
                "messages": _messages_of(service, (message_name(*key) for key in keys))}
    for service in SERVICES:
        operations[f"{service}.dead-letters"] = {
            "action": "send", "channel": _ref("channels", "dlq"),
            "summary": f"{service} sets aside an event it cannot handle, with the reason",
            "messages": _messages_of("dlq", ["DeadLetter"])}
        operations[f"{service}.checkpoints"] = {
            "action": "send", "channel": _ref("channels", "checkpoints"),
            "summary": f"{service} publishes each signed checkpoint of its log",
            "messages": _messages_of("checkpoints", ["CheckpointMessage"])}
    return operations


def _record(model: type[BaseModel], schema_of: dict[type[BaseModel], dict[str, Any]],
            msg_id: str) -> dict[str, Any]:
    return {"name": model.__name__, "summary": " ".join((model.__doc__ or "").split()),
            "contentType": "application/json",
            "headers": {"type": "object", "properties": {
                MSG_ID_HEADER: {"type": "string", "description": msg_id}}},
            "payload": schema_of[model]}


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the bus."""
    schema_of, definitions = _schemas()
    by_service = _by_service()
    messages = {message_name(*key): _event_message(key, model, schema_of)
                for key, model in sorted(EVENT_DATA.items())}
    messages["DeadLetter"] = _record(DeadLetter, schema_of,
                                     "<consumer>:<stream sequence>: set aside once")
    messages["CheckpointMessage"] = _record(CheckpointMessage, schema_of,
                                            "checkpoint/<service>/<size>: one per size")
    channels: dict[str, Any] = {service: _event_channel(service, keys)
                                for service, keys in by_service.items()}
    channels["dlq"] = {
        "address": "dlq.{service}", "title": "dead letters",
        "description": f"The {DLQ_STREAM} stream: what a service's consumer could not "
                       "handle, for a person to look at (`casetrail dead-letters`).",
        "parameters": {"service": {"enum": list(SERVICES)}},
        "messages": {"DeadLetter": _ref("components", "messages", "DeadLetter")}}
    channels["checkpoints"] = {
        "address": CHECKPOINT_SUBJECTS.replace(">", "{service}"), "title": "checkpoints",
        "description": f"The {CHECKPOINTS_STREAM} stream: each service's signed "
                       "checkpoints of its log (hashes only), kept as long as the trail.",
        "parameters": {"service": {"enum": list(SERVICES)}},
        "messages": {"CheckpointMessage": _ref("components", "messages",
                                               "CheckpointMessage")}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "casetrail bus", "version": "1",
                 "description": "The events of every crisis case between casetrail's "
                                "services, over NATS JetStream: ids and codes only, never "
                                "a student's data. Generated from `contracts/`."},
        "defaultContentType": "application/json",
        "servers": {"nats": {
            "host": "127.0.0.1:4222", "protocol": "nats",
            "description": "The deployment's NATS (NATS_URL); each service signs in as its "
                           "own identity, allowed only its own subjects."}},
        "channels": channels,
        "operations": _operations(by_service),
        "components": {
            "schemas": {**definitions, "CaseEventHeaders": _headers()},
            "messages": messages,
            "correlationIds": {"correlation": {
                "description": "the command or upstream event the event follows from",
                "location": "$message.payload#/correlation_id"}}},
    }


@cache
def document_json() -> str:
    """The document as `contracts/asyncapi.json` keeps it (made once a process)."""
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"
