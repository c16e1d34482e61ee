"""The directory of receivers: whom a case may be referred to, in routing order, each
disclosed no more than its type may receive."""

from __future__ import annotations

from typing import Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from contracts.codes import ReceiverType
from services.referral.domain.receivers import DISCLOSURE, Receiver

RECEIVER_ID = r"^[A-Za-z0-9_.:-]+$"


class ReceiverEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=RECEIVER_ID)
    type: ReceiverType
    name: str = Field(min_length=1, max_length=200)
    endpoint: AnyHttpUrl | None = None
    order: int = Field(1, ge=1)
    answer_within_minutes: float = Field(gt=0)
    may_receive: list[str] | None = None  # default: everything its type may receive

    @model_validator(mode="after")
    def _within_its_type(self) -> Self:
        allowed = DISCLOSURE[self.type]
        wider = sorted(set(self.may_receive or []) - set(allowed))
        if wider:
            raise ValueError(f"may_receive: a {self.type.value} may not receive {wider}")
        return self

    def receiver(self) -> Receiver:
        allowed = DISCLOSURE[self.type]
        chosen = self.may_receive if self.may_receive is not None else allowed
        return Receiver(self.id, self.type, tuple(c for c in allowed if c in chosen),
                        self.answer_within_minutes)


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    receivers: list[ReceiverEntry]

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [r.id for r in self.receivers]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"receiver ids listed twice: {twice}")
        return self

    def find(self, receiver_id: str) -> ReceiverEntry | None:
        return next((r for r in self.receivers if r.id == receiver_id), None)

    def of_type(self, receiver_type: ReceiverType) -> list[ReceiverEntry]:
        """The receivers of one type, in routing order."""
        return sorted((r for r in self.receivers if r.type == receiver_type),
                      key=lambda r: (r.order, r.id))

    def next_after(self, receiver_type: ReceiverType,
                   tried: set[str]) -> ReceiverEntry | None:
        """The first receiver of the type, in routing order, the case has not tried yet."""
        return next((r for r in self.of_type(receiver_type) if r.id not in tried), None)
