"""Message texts by template id, from the service's data file: fixed texts, nothing of a case
can be put into them (no placeholders)."""

from __future__ import annotations

import tomllib
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "templates.toml"


class UnknownTemplate(LookupError):
    pass


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

    def render(self, template_id: str) -> str:
        try:
            return self.texts[template_id]
        except KeyError:
            raise UnknownTemplate(template_id) from None
