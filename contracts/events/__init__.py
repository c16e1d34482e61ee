"""Versioned `data` of every event type on the bus, and the upcasters between versions.

A new optional field keeps the version; a breaking change adds a new model under the same
type with `version + 1` and an upcaster from the old version, so old messages still replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from contracts.envelope import Envelope
from contracts.events import assessment, intake, notification, referral

EventKey = tuple[str, str, int]  # (service, type, version)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

EVENT_DATA: dict[EventKey, type[BaseModel]] = {
    (module.SERVICE, name, model.VERSION): model
    for module in (intake, assessment, notification, referral)
    for name, model in module.EVENTS.items()
}

# (service, type, from_version) -> function turning that version's data into the next one's.
UPCASTERS: dict[EventKey, Upcaster] = {}


class UnknownEvent(ValueError):
    """A message whose (service, type, version) no contract describes."""


def latest_version(service: str, event_type: str) -> int:
    versions = [v for (s, t, v) in EVENT_DATA if (s, t) == (service, event_type)]
    if not versions:
        raise UnknownEvent(f"unknown event type {service}.{event_type}")
    return max(versions)


def read_data(envelope: Envelope) -> BaseModel:
    """Validate an envelope's data against its contract, upcast to the latest version."""
    service, event_type, version = envelope.service, envelope.type, envelope.version
    latest = latest_version(service, event_type)
    if version > latest:
        raise UnknownEvent(f"{service}.{event_type} v{version} is newer than v{latest}")
    data = dict(envelope.data)
    while version < latest:
        try:
            data = UPCASTERS[(service, event_type, version)](data)
        except KeyError:
            raise UnknownEvent(f"no upcaster for {service}.{event_type} v{version}") from None
        version += 1
    return EVENT_DATA[(service, event_type, latest)].model_validate(data)
