"""The pages' templates in each language the console speaks: every string through the
gettext catalogues in `locales/`, dates and times in the school's time zone."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from casetrail.small_counts import WITHHELD

HERE = Path(__file__).parent
LOCALES = HERE.parent / "locales"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_COOKIE = "console_lang"


def translations(language: str) -> Translations:
    """The language's catalogue, compiled from its `.po` as the console starts."""
    po = LOCALES / language / "LC_MESSAGES" / "console.po"
    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="console")


def humanized(code: str) -> str:
    """A code as the English msgid of its words: `suicidal_ideation` → `Suicidal ideation`,
    an event's type `CaseDetected` → `Case detected`."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(code))
    text = text.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:].lower() if " " in text else text[:1].upper() + text[1:]


class Pages:
    """One template environment per language."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    @cached_property
    def environments(self) -> dict[str, Environment]:
        return {language: self._environment(language) for language in LANGUAGES}

    def _environment(self, language: str) -> Environment:
        env = Environment(loader=FileSystemLoader(HERE / "templates"),
                          autoescape=select_autoescape(("html", "svg")),
                          extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
        catalogue = translations(language)
        env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
        locale = "zh_Hans_CN" if language == "zh_CN" else language

        def words(code: object) -> str:
            return "" if code is None else catalogue.gettext(humanized(str(code)))

        def cell(value: object) -> str:
            """A figure's cell: a count, "<5", a withheld count, or nothing to measure."""
            if value is None:
                return "—"
            return words(value) if value == WITHHELD else str(value)

        env.filters["words"] = words
        # A service's own sentence (a 422's rule), in the reader's language where the
        # catalogue has it, else as the service said it.
        env.filters["said"] = lambda text: catalogue.gettext(str(text))
        env.filters["cell"] = cell
        env.filters["when"] = lambda value: self._when(value, locale)
        env.filters["day"] = lambda value: self._day(value, locale)
        env.filters["since"] = lambda value: self._since(value, locale)
        env.globals |= {"language": language, "languages": LANGUAGES,
                        "html_lang": "zh-CN" if language == "zh_CN" else language}
        return env

    def _moment(self, value: object) -> datetime | None:
        if isinstance(value, datetime):
            return value
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return None
        return None

    def _when(self, value: object, locale: str) -> str:
        moment = self._moment(value)
        if moment is None:
            return ""
        return format_datetime(moment, "yyyy-MM-dd HH:mm", tzinfo=self.zone, locale=locale)

    def _day(self, value: object, locale: str) -> str:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return ""
        return format_date(value, "medium", locale=locale) if isinstance(value, date) else ""

    def _since(self, value: object, locale: str) -> str:
        moment = self._moment(value)
        if moment is None:
            return ""
        return format_timedelta(datetime.now(UTC) - moment, threshold=1.5, locale=locale)

    def language_of(self, request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE, DEFAULT_LANGUAGE)
        return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE

    def render(self, request: Request, template: str, context: Mapping[str, Any],
               status: int = 200) -> HTMLResponse:
        env = self.environments[self.language_of(request)]
        page = env.get_template(template).render(request=request, **context)
        return HTMLResponse(page, status_code=status)
