"""The CHECKPOINTS stream's messages: each service's signed checkpoints of its log.

One message per checkpoint on `checkpoint.<service>`: the signed note (C2SP tlog-checkpoint)
and the leaves that extend the service's previous checkpoint, from index `start`. Only
hashes travel here, no data: CASES and CHECKPOINTS together are the whole transparency log.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

CHECKPOINT_SUBJECTS = "checkpoint.>"

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def checkpoint_subject(service: str) -> str:
    return f"checkpoint.{service}"


def checkpoint_msg_id(service: str, size: int) -> str:
    """One message per size of a service's log: a re-published checkpoint is dropped."""
    return f"checkpoint/{service}/{size}"


class CheckpointLeaf(BaseModel):
    """One entry of a service's log: its store position, the digest of the record as
    stored, and the digest of the envelope as published (None for an internal event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position: int = Field(ge=1)
    stored: Sha256Hex
    envelope: Sha256Hex | None


class CheckpointMessage(BaseModel):
    """A signed checkpoint of a service's log and the leaves it adds to the one before."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    VERSION: ClassVar[int] = 1

    service: str = Field(pattern=r"^[a-z]+$", max_length=40)
    note: str = Field(max_length=4096)
    start: int = Field(ge=0)
    leaves: list[CheckpointLeaf] = Field(min_length=1)

    @property
    def size(self) -> int:
        """The size of the log this checkpoint signs."""
        return self.start + len(self.leaves)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> CheckpointMessage:
        return cls.model_validate_json(body)
