"""A service's request body, as its OpenAPI schema declares it, turned into a form, the form's
values back into the body, and the service's 422 answer back onto the form's fields.

The services validate; the console only draws what they ask for, so a form cannot drift from
the API it sends to. Fields are named by their path in the body (`participants.0.role`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# Fields the console never asks for: when a step happened is the moment it is sent.
LEFT_OUT = frozenset({"at"})
# How many rows a list of records (participants, guardians, staff) offers.
ROWS = 3
# Text that is written in sentences rather than a word or an id.
LONG_TEXT = frozenset({"description", "rationale", "notes"})


class Kind(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"  # one of an enum
    CHOICES = "choices"  # any of an enum
    LINES = "lines"  # a list of strings, one a line
    FLAG = "flag"
    YES_NO = "yes_no"  # a required yes or no without a default: asked, never assumed
    JSON = "json"  # an object without declared properties (an instrument's answers)
    GROUP = "group"  # an object: its fields
    ROWS = "rows"  # a list of objects: `ROWS` groups


@dataclass(frozen=True)
class Field:
    name: str  # the path in the body, dotted
    key: str  # the last part of the path: what the catalogue words
    kind: Kind
    required: bool
    enum: str | None = None  # the enum's name, which words its values in the catalogue
    options: tuple[str, ...] = ()
    default: Any = None
    fields: tuple[Field, ...] = ()  # a group's, or one row's template
    rows: tuple[tuple[Field, ...], ...] = ()
    labels: tuple[str, ...] = ()  # beside each option, what it is called (else its code)


class FormError(ValueError):
    """A value the form itself cannot turn into the body (a malformed date or JSON)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


def body_schema(openapi: Mapping[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The JSON schema of the route's request body; None for a route that takes none."""
    operation = openapi["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else _resolved(openapi, schema)


def fields_of(openapi: Mapping[str, Any], schema: Mapping[str, Any],
              prefix: str = "") -> tuple[Field, ...]:
    required = set(schema.get("required", ()))
    return tuple(
        _field(openapi, f"{prefix}{name}", name, prop, name in required)
        for name, prop in schema.get("properties", {}).items()
        if name not in LEFT_OUT)


def _field(openapi: Mapping[str, Any], name: str, key: str, prop: Mapping[str, Any],
           required: bool) -> Field:
    prop, enum = _unwrapped(openapi, prop)
    default = prop.get("default")
    if "enum" in prop:
        return Field(name, key, Kind.CHOICE, required, enum, tuple(prop["enum"]), default)
    kind = prop.get("type")
    if kind == "array":
        items, item_enum = _unwrapped(openapi, prop.get("items", {}))
        if "enum" in items:
            return Field(name, key, Kind.CHOICES, required, item_enum, tuple(items["enum"]))
        if items.get("type") == "object" and "properties" in items:
            rows = tuple(fields_of(openapi, items, f"{name}.{i}.") for i in range(ROWS))
            return Field(name, key, Kind.ROWS, required, fields=rows[0], rows=rows)
        return Field(name, key, Kind.LINES, required)
    if kind == "object":
        if "properties" not in prop:
            return Field(name, key, Kind.JSON, required)
        return Field(name, key, Kind.GROUP, required, fields=fields_of(openapi, prop, f"{name}."))
    if kind == "boolean":
        if required and default is None:
            return Field(name, key, Kind.YES_NO, True, options=("true", "false"))
        return Field(name, key, Kind.FLAG, False, default=default)
    if kind in ("integer", "number"):
        return Field(name, key, Kind.NUMBER, required, default=default)
    fmt = prop.get("format")
    if fmt == "date":
        return Field(name, key, Kind.DATE, required)
    if fmt == "date-time":
        return Field(name, key, Kind.DATETIME, required)
    return Field(name, key, Kind.LONG_TEXT if key in LONG_TEXT else Kind.TEXT, required)


def _unwrapped(openapi: Mapping[str, Any],
               prop: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """The schema behind a reference or an optional (`anyOf` with null), and the name of
    the component it refers to."""
    name = None
    if "anyOf" in prop:
        others = [p for p in prop["anyOf"] if p.get("type") != "null"]
        if len(others) == 1:
            prop = {**others[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        prop = {**_resolved(openapi, prop), **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop, name


def _resolved(openapi: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    if "$ref" not in schema:
        return dict(schema)
    name = schema["$ref"].rsplit("/", 1)[-1]
    return dict(openapi["components"]["schemas"][name])


def chosen_from(fields: Sequence[Field], name: str,
                options: Sequence[tuple[str, str]]) -> tuple[Field, ...]:
    """The fields, with `name` to be chosen among these (value, label) rather than typed."""
    return tuple(
        replace(f, kind=Kind.CHOICE, options=tuple(v for v, _ in options),
                labels=tuple(label for _, label in options), enum=None)
        if f.name == name else f for f in fields)


def body_of(fields: Sequence[Field], form: Mapping[str, Sequence[str]],
            zone: ZoneInfo) -> dict[str, Any]:
    """The request body from the submitted form; what was left empty is left out, and so is
    a row of a list left as drawn."""
    body: dict[str, Any] = {}
    for f in fields:
        value = _value(f, form, zone)
        if value is not None:
            body[f.key] = value
    return body


def _value(f: Field, form: Mapping[str, Sequence[str]], zone: ZoneInfo) -> Any:
    given = [v for v in form.get(f.name, ()) if v.strip()]
    first = given[0].strip() if given else None
    match f.kind:
        case Kind.GROUP:
            return body_of(f.fields, form, zone) or None
        case Kind.ROWS:
            rows = [row for row in (body_of(r, form, zone) for r in f.rows)
                    if not _as_drawn(row, f.fields)]
            return rows or None
        case Kind.CHOICES:
            return given or None
        case Kind.LINES:
            lines = [line.strip() for v in given for line in v.splitlines() if line.strip()]
            return lines or None
        case Kind.FLAG:
            return first is not None
        case Kind.YES_NO:
            return {"true": True, "false": False}.get(first or "")
        case Kind.NUMBER:
            return None if first is None else _number(f, first)
        case Kind.DATETIME:
            return None if first is None else _moment(f, first, zone)
        case Kind.JSON:
            return None if first is None else _json(f, first)
        case _:
            return first


def _as_drawn(row: Mapping[str, Any], fields: Sequence[Field]) -> bool:
    """A row left empty: nothing of it changed from how the form drew it, every value a
    default (a participant's affiliation, a guardian's language), every box unticked."""
    defaults = {f.key: f.default for f in fields}
    return all(value is False or value == defaults.get(key) for key, value in row.items())


def _number(f: Field, text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise FormError(f.name, "number") from None


def _moment(f: Field, text: str, zone: ZoneInfo) -> str:
    """A `datetime-local` value is the school's wall clock."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(f.name, "datetime") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def _json(f: Field, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise FormError(f.name, "json") from None


@dataclass
class Refusal:
    """A service's 422, laid on the form: each field's rule, and what names no field."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def refusal_of(detail: Any, fields: Sequence[Field]) -> Refusal:
    """FastAPI's `detail` list (`loc`, `type`, `msg`) by the form's field names."""
    names = set(_names(fields))
    refusal = Refusal()
    entries = detail if isinstance(detail, list) else [{"msg": str(detail)}]
    for entry in entries:
        loc = [str(part) for part in entry.get("loc", ()) if part != "body"]
        name = ".".join(loc)
        message = str(entry.get("msg", ""))
        while name and name not in names:
            name = name.rpartition(".")[0]
        if name:
            refusal.by_field.setdefault(name, []).append(message)
        else:
            refusal.general.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return refusal


def _names(fields: Sequence[Field]) -> list[str]:
    names = []
    for f in fields:
        names.append(f.name)
        names += _names(f.fields) if f.kind is Kind.GROUP else []
        for row in f.rows:
            names += _names(row)
    return names
