from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import ErasureReason, Instrument

# Codes, not words: what a str on the bus may hold, so free text cannot slip through.
Code = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=64)]
ReasonCode = Annotated[str, Field(pattern=r"^[a-z0-9_:]+$", max_length=80)]  # sign:self_harm
TemplateId = Annotated[str, Field(pattern=r"^[a-z0-9-]+$", max_length=80)]
# An identifier from a directory or another school (receiver, school code), never a person.
DirectoryId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]+$", max_length=64)]

# A keyed pseudonym of the school-issued student id (HMAC held by intake), never the id itself.
StudentKey = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class EventData(BaseModel):
    """Event data on the bus: ids and codes only, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    VERSION: ClassVar[int] = 1


class CaseViewed(EventData):
    """A person read the case record held by this service, or the part of it `what` names
    (who: the envelope's actor)."""

    purpose: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    what: str = Field("case_record", pattern=r"^[a-z_]+$", max_length=40)


class ScreenResult(EventData):
    """A scored instrument: the result codes, never the answers."""

    instrument: Instrument
    band: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    total: int | None = None
    positive: bool
    acute: bool = False
    flagged_items: list[Code] = Field(default_factory=list)


class StudentErased(EventData):
    """The service deleted the student's data key: their personal fields there read as
    erased from now on; the trail (ids, codes, times, actors) stays. Who: the envelope's
    actor."""

    student_key: StudentKey
    reason: ErasureReason
