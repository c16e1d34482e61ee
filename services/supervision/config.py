from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings

DEFAULT_SERVICE_URLS = {"intake": "http://127.0.0.1:8001",
                        "assessment": "http://127.0.0.1:8002",
                        "notification": "http://127.0.0.1:8003",
                        "referral": "http://127.0.0.1:8004"}


class SupervisionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUPERVISION_", extra="ignore")

    service: str = "supervision"
    http_port: int = 8005
    # Where each publishing service answers its own part of a case (JSON, by service name):
    # the auditor's view side by side with what CASES says.
    service_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SERVICE_URLS))
    # How long a service may take to answer its part before the trail says it did not.
    service_timeout_seconds: float = Field(5.0, gt=0)
    # The school's calendar, as referral keeps it: when a follow-up's day has passed.
    school_timezone: str = "Asia/Shanghai"
    # The CJK font family the incident report draws Chinese with; unset: the first one
    # fontconfig lists for Chinese (`fc-list :lang=zh family`).
    report_cjk_font: str | None = None

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.school_timezone)
