from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service: str = "intake"
    http_port: int = 8001
    # Key of the student pseudonyms on the bus; also held by notification (guardian directory).
    pseudonym_key: SecretStr = Field(validation_alias="CASETRAIL_PSEUDONYM_KEY")
