"""The one message body every event on the bus travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer

from contracts.codes import Role

SERVICES = ("intake", "assessment", "notification", "referral")


class Actor(BaseModel):
    """Who did it: a role code and an opaque id, never a name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class Envelope(BaseModel):
    """Metadata every event carries, with the event's own `data` inside."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    case_id: UUID
    service: str
    type: str = Field(pattern=r"^[A-Z][A-Za-z]+$")
    version: int = Field(ge=1)
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None
    data: dict[str, Any]

    @field_serializer("occurred_at", "recorded_at")
    def _utc_iso(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)
