from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings
from services.notification.domain.notice import AcknowledgementPolicy


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    service: str = "notification"
    http_port: int = 8003
    # How long a guardian has to acknowledge before the notice escalates (DOMAIN.md defaults).
    escalate_crisis_after_seconds: float = Field(15 * 60, gt=0)
    escalate_serious_after_seconds: float = Field(24 * 3600, gt=0)
    escalate_general_after_seconds: float = Field(3 * 24 * 3600, gt=0)
    timer_tick_seconds: float = Field(1.0, gt=0)
    dispatch_poll_seconds: float = Field(0.1, gt=0)
    gateway_file: Path | None = None

    def policy(self) -> AcknowledgementPolicy:
        return AcknowledgementPolicy(
            crisis=timedelta(seconds=self.escalate_crisis_after_seconds),
            serious=timedelta(seconds=self.escalate_serious_after_seconds),
            general=timedelta(seconds=self.escalate_general_after_seconds))

    def gateway_path(self) -> Path:
        return self.gateway_file or self.data_dir / "guardian-messages.jsonl"
