from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", extra="ignore")

    service: str = "assessment"
    http_port: int = 8002
