"""The console's settings: where the services answer, the school's time zone, the cookies."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from casetrail.identity.issuer import ISSUER
from casetrail.settings import ServiceSettings, local_urls
from contracts.envelope import SERVICES


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    service: str = "console"
    http_port: int = 8006
    # Where each service's public API answers (JSON, by service name).
    service_urls: dict[str, str] = Field(
        default_factory=lambda: local_urls(*SERVICES, "supervision"))
    service_timeout_seconds: float = Field(10.0, gt=0)
    school_timezone: str = "Asia/Shanghai"
    # Binds each form to its session (CSRF); unset, one is made as the console starts, and
    # the forms of a console started again must be drawn again.
    session_secret: SecretStr | None = None
    # Behind TLS the cookies are sent over HTTPS only.
    secure_cookies: bool = False
    # Signing in with the school's OpenID Connect provider (CASETRAIL_OIDC_ISSUER): the
    # console's client there, and the address the provider sends people back to.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str = "http://127.0.0.1:8006/sign-in/callback"
    oidc_scope: str = "openid profile"

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.school_timezone)

    def built_in_issuer(self) -> bool:
        """Whether people sign in here with a password: no provider of the school's own."""
        return self.oidc_jwks_url is None and self.oidc_issuer == ISSUER
