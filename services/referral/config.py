from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings
from contracts.codes import Sign
from services.referral.domain.receivers import POLICE_SIGNS

DEFAULT_RECEIVERS = Path(__file__).with_name("receivers.toml")


class ReferralSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REFERRAL_", extra="ignore")

    service: str = "referral"
    http_port: int = 8004
    # Follow-up dates are school days, counted in the school's own time zone.
    school_timezone: str = "Asia/Shanghai"
    # The directory of receivers (TOML); its bearer tokens are secrets, kept apart from it:
    # JSON {"receiver id": "token"}, the same token on the packets we send and their answers.
    receivers_file: Path = DEFAULT_RECEIVERS
    receiver_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    # How long a receiver named ad hoc (not in the directory) has to answer.
    ad_hoc_answer_within_minutes: float = Field(24 * 60, gt=0)
    # Imminent-danger signs on which the crisis path also calls the police (JSON list).
    police_signs: frozenset[Sign] = POLICE_SIGNS
    # Delivery to receivers' webhooks: poll, per-attempt timeout, backoff doubling to a cap.
    delivery_poll_seconds: float = Field(0.5, gt=0)
    delivery_timeout_seconds: float = Field(10.0, gt=0)
    delivery_backoff_seconds: float = Field(2.0, gt=0)
    delivery_backoff_max_seconds: float = Field(300.0, gt=0)
    # Unanswered referrals, overdue follow-ups, home visits due: checked every tick.
    timer_tick_seconds: float = Field(5.0, gt=0)

    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.school_timezone)
