import tomllib
from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from casetrail.settings import ServiceSettings
from contracts.codes import Tier
from services.notification.adapters.smtp import SmtpSettings
from services.notification.domain.glass import GLASS_RECIPIENT
from services.notification.domain.policy import COMMISSION, NotificationPolicy

SHIPPED_POLICY = Path(__file__).resolve().parent / "policy.toml"


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    service: str = "notification"
    http_port: int = 8003
    # Key of the student pseudonyms: the guardian directory is keyed as intake keys students.
    pseudonym_key: SecretStr = Field(validation_alias="CASETRAIL_PSEUDONYM_KEY")
    # Waits and ladders per tier, incident report time (DOMAIN.md defaults in the shipped file).
    policy_file: Path = SHIPPED_POLICY
    # Overrides of the policy file's wait for a guardian's acknowledgement, per tier.
    escalate_crisis_after_seconds: float | None = Field(None, gt=0)
    escalate_serious_after_seconds: float | None = Field(None, gt=0)
    escalate_general_after_seconds: float | None = Field(None, gt=0)
    timer_tick_seconds: float = Field(1.0, gt=0)
    dispatch_poll_seconds: float = Field(0.1, gt=0)
    # Tries of a guardian's notice through a failing gateway before it counts as failed.
    dispatch_attempts: int = Field(3, ge=1)
    gateway_file: Path | None = None
    # Contacts beyond the family (a phone number, or an e-mail address with "@").
    crisis_team_head_contact: str | None = None
    police_contact: str | None = None
    commission_contact: str | None = None
    # SMS through a signed HTTP webhook, when a URL is set.
    sms_webhook_url: str | None = None
    sms_webhook_secret: SecretStr | None = None
    # Set when the provider's contract says it drops a repeated Idempotency-Key: the trail
    # then records its messages as delivered once, else at least once.
    sms_webhook_honours_idempotency_key: bool = False
    # E-mail through SMTP, when a host is set.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "casetrail@localhost"
    smtp_starttls: bool = True

    def policy(self) -> NotificationPolicy:
        with self.policy_file.open("rb") as file:
            policy = NotificationPolicy.model_validate(tomllib.load(file))
        overrides = {Tier.CRISIS: self.escalate_crisis_after_seconds,
                     Tier.SERIOUS: self.escalate_serious_after_seconds,
                     Tier.GENERAL: self.escalate_general_after_seconds}
        return policy.waiting({tier: timedelta(seconds=seconds)
                               for tier, seconds in overrides.items() if seconds is not None})

    def contacts(self) -> dict[str, str]:
        contacts = {"crisis_team_head": self.crisis_team_head_contact,
                    "police": self.police_contact, COMMISSION: self.commission_contact}
        return {recipient: to for recipient, to in contacts.items() if to}

    def missing_contacts(self) -> list[str]:
        """Who the policy escalates to, or reports to, with no contact set: each such message
        fails for want of a contact (no_contact) and goes on the team's list instead. The
        crisis-team head is always needed: every break-glass alert goes to them."""
        policy, contacts = self.policy(), self.contacts()  # the policy file read once
        ladders = {step for tier in (Tier.CRISIS, Tier.SERIOUS, Tier.GENERAL)
                   for step in policy.for_tier(tier).ladder} | {GLASS_RECIPIENT}
        missing = [f"NOTIFICATION_{recipient.upper()}_CONTACT is not set: an escalation to "
                   f"the {recipient.replace('_', ' ')} will reach nobody (no_contact)"
                   for recipient in ("crisis_team_head", "police")
                   if recipient in ladders and recipient not in contacts]
        if COMMISSION not in contacts:
            missing.append("NOTIFICATION_COMMISSION_CONTACT is not set: an incident's report "
                           "to the education commission will reach nobody (no_contact)")
        return missing

    def smtp(self) -> SmtpSettings | None:
        if not self.smtp_host:
            return None
        password = self.smtp_password.get_secret_value() if self.smtp_password else None
        return SmtpSettings(host=self.smtp_host, port=self.smtp_port, sender=self.smtp_sender,
                            username=self.smtp_username, password=password,
                            starttls=self.smtp_starttls)

    def sent_ledger_path(self) -> Path:
        return self.data_dir / "sent-messages.sqlite"

    def gateway_path(self) -> Path:
        return self.gateway_file or self.data_dir / "guardian-messages.jsonl"
