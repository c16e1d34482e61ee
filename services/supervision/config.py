from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings, local_urls
from contracts.envelope import SERVICES
from contracts.events.base import DirectoryId

DEFAULT_DISTRICTS = Path(__file__).with_name("districts.toml")
# The school a deployment's CASES is counted under when CASETRAIL_SCHOOL_ID is unset.
UNNAMED_SCHOOL = "school"


class Districts(BaseModel):
    """Which district each school is in (directory ids), from a file the district keeps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schools: dict[DirectoryId, DirectoryId] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Districts:
        return cls.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


class SupervisionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUPERVISION_", extra="ignore")

    service: str = "supervision"
    http_port: int = 8005
    # Where each publishing service answers its own part of a case (JSON, by service name):
    # the auditor's view side by side with what CASES says.
    service_urls: dict[str, str] = Field(default_factory=lambda: local_urls(*SERVICES))
    # How long a service may take to answer its part before the trail says it did not.
    service_timeout_seconds: float = Field(5.0, gt=0)
    # The school's calendar, as referral keeps it: when a follow-up's day has passed, and
    # the day a case was detected on for the figures.
    school_timezone: str = "Asia/Shanghai"
    # The figures per district place each school by this file.
    districts_file: Path = DEFAULT_DISTRICTS
    # The CJK font family the incident report draws Chinese with; unset: the first one
    # fontconfig lists for Chinese (`fc-list :lang=zh family`).
    report_cjk_font: str | None = None
    # The services' verifier keys, one `service vkey` a line (`casetrail up` writes
    # <data-dir>/ledger-keys.txt): a report checks its case's events against the checkpoints
    # signed by these keys. Unset: reports say the checkpoints could not be checked.
    ledger_keys_file: Path | None = None
    # How long a report waits for the bus to verify its case before it says it could not.
    verify_timeout_seconds: float = Field(10.0, gt=0)
    # The worklist's live changes: a comment this often (the token's expiry checked then),
    # and how many changes a reader may fall behind before its stream is closed.
    worklist_heartbeat_seconds: float = Field(15.0, gt=0)
    worklist_queue_size: int = Field(256, ge=1)
    # How long one stream of changes lasts at most before it ends and the console connects
    # again (as a proxy may cut it anyway); unset: until the token expires.
    worklist_stream_seconds: float | None = Field(None, gt=0)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.school_timezone)

    def school(self) -> str:
        return self.school_id or UNNAMED_SCHOOL
