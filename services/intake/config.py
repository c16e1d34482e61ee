from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings
from contracts.codes import SchoolStage
from services.intake.domain.report_chain import ChainKind
from services.intake.domain.retention import RetentionPolicy

DEFAULT_EMERGENCY_PLAN = Path(__file__).with_name("emergency_plan.toml")

ChecklistItem = Annotated[str, Field(pattern=r"^[a-z_]+$", max_length=40)]


class EmergencyPlan(BaseModel):
    """The checklist an incident starts, from a file the school may replace with its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checklist: list[ChecklistItem] = Field(min_length=1, max_length=40)

    @field_validator("checklist")
    @classmethod
    def _each_item_once(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError("an item is listed twice")
        return items

    @classmethod
    def load(cls, path: Path) -> EmergencyPlan:
        return cls.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service: str = "intake"
    http_port: int = 8001
    # Key of the student pseudonyms on the bus; also held by notification (guardian directory).
    pseudonym_key: SecretStr = Field(validation_alias="CASETRAIL_PSEUDONYM_KEY")
    # This deployment's school: the sending side of a transfer names it.
    school_code: str = Field("school", pattern=r"^[A-Za-z0-9_.:-]+$", max_length=64)
    # Its stage: a transfer sends the record on to a later one only.
    school_stage: SchoolStage = SchoolStage.PRIMARY
    # class → grade → school, or a university's dorm → class → faculty → school.
    report_chain: ChainKind = ChainKind.SCHOOL
    emergency_plan_file: Path = DEFAULT_EMERGENCY_PLAN
    screening_max_bytes: int = Field(5_000_000, ge=1_000, le=100_000_000)
    # The district's figures count cases by the school's months.
    school_timezone: str = "Asia/Shanghai"
    # Years each kind of record is kept (services.intake.domain.retention): the policy
    # documents set none, so these are the system's defaults.
    retention_case_years: int = Field(3, ge=1, le=100)
    retention_screening_answers_years: int = Field(1, ge=1, le=100)
    retention_transferred_record_years: int = Field(3, ge=1, le=100)

    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(self.retention_case_years,
                               self.retention_screening_answers_years,
                               self.retention_transferred_record_years)

    def emergency_plan(self) -> EmergencyPlan:
        """Read and validated at start-up: a broken plan stops the service, not an incident."""
        return EmergencyPlan.load(self.emergency_plan_file)
