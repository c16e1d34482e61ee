from zoneinfo import ZoneInfo

from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings


class ReferralSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REFERRAL_", extra="ignore")

    service: str = "referral"
    http_port: int = 8004
    # Follow-up dates are school days, counted in the school's own time zone.
    school_timezone: str = "Asia/Shanghai"

    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.school_timezone)
