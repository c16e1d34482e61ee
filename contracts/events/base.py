from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import Instrument

# A keyed pseudonym of the school-issued student id (HMAC held by intake), never the id itself.
StudentKey = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class EventData(BaseModel):
    """Event data on the bus: ids and codes only, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    VERSION: ClassVar[int] = 1


class CaseViewed(EventData):
    """A person read the case record held by this service (who: the envelope's actor)."""

    purpose: str = Field(pattern=r"^[a-z_]+$", max_length=40)


class ScreenResult(EventData):
    """A scored instrument: the result codes, never the answers."""

    instrument: Instrument
    band: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    total: int | None = None
    positive: bool
    acute: bool = False
    flagged_items: list[str] = Field(default_factory=list)
