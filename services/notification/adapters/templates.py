"""Message texts by template id, from the service's data file: fixed texts, nothing of a case
can be put into them (no placeholders)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from contracts.codes import Tier
from services.notification.domain.messages import (
    GLASS_TEMPLATE,
    LANGUAGES,
    REPORT_TEMPLATE,
    escalation_template,
    template_for,
)
from services.notification.domain.policy import NotificationPolicy, guardian_rank_of

SHIPPED = Path(__file__).resolve().parent.parent / "templates.toml"


class UnknownTemplate(LookupError):
    pass


class MissingTemplates(ValueError):
    """The policy can ask for a message the templates file has no text for."""


def required_templates(policy: NotificationPolicy) -> set[str]:
    """Every template the policy can ask for: each tier's ladder step, in each language a
    guardian may have, the commission's incident report and the break-glass alert."""
    needed = {REPORT_TEMPLATE, GLASS_TEMPLATE}
    for tier in (Tier.CRISIS, Tier.SERIOUS, Tier.GENERAL):
        for step in policy.for_tier(tier).ladder:
            if guardian_rank_of(step) is None:
                needed.add(escalation_template(step, tier.value))
            else:
                needed.update(template_for(tier.value, language) for language in LANGUAGES)
    return needed


class Templates:
    def __init__(self, texts: dict[str, str]) -> None:
        for template_id, text in texts.items():
            if "{" in text or "}" in text:
                raise ValueError(f"template {template_id} has a placeholder: texts are fixed")
        self.texts = texts

    @classmethod
    def load(cls, path: Path = SHIPPED) -> Templates:
        with path.open("rb") as file:
            data = tomllib.load(file)
        return cls({template_id: str(entry["text"]) for template_id, entry in data.items()})

    def cover(self, policy: NotificationPolicy) -> None:
        """Refuse to start with a policy step that has no text: found at start, not when a
        crisis notice is due."""
        missing = sorted(required_templates(policy) - self.texts.keys())
        if missing:
            raise MissingTemplates("the templates file has no text for " + ", ".join(missing))

    def render(self, template_id: str) -> str:
        try:
            return self.texts[template_id]
        except KeyError:
            raise UnknownTemplate(template_id) from None
