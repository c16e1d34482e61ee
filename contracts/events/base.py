from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Event data on the bus: ids and codes only, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    VERSION: ClassVar[int] = 1
