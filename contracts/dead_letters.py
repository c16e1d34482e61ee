"""The DLQ stream's messages: what a service set aside on `dlq.<service>`, and why."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeadLetter(BaseModel):
    """A message of CASES that a service's consumer could not handle, for a person to look
    at: the reason, where it was, and the message as it came (an envelope: ids and codes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    consumer: str
    reason: str
    subject: str
    stream: str
    stream_seq: int = Field(ge=1)
    deliveries: int = Field(ge=1)
    payload: str

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
