"""The incident report as HTML (Jinja2, autoescaped) or PDF (WeasyPrint), in English or
Chinese, with the timeline chart embedded as SVG.

Chinese needs a CJK font, for the PDF's text and the chart's: a configured family, or the
first fontconfig lists for `:lang=zh`. With none, a Chinese report fails naming the Debian
package to install, rather than printing boxes.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader
from matplotlib import font_manager

from services.supervision.adapters.report.chart import duration_words, timeline_svg
from services.supervision.adapters.report.labels import Labels
from services.supervision.domain.incident import IncidentReport, handoff_party
from services.supervision.incident_reports import Language, RenderingUnavailable, ReportFormat

CJK_PACKAGES = "fonts-noto-cjk (or fonts-wqy-microhei)"
LATIN_FONT = "DejaVu Sans"  # matplotlib's own, always there


def fontconfig_families(pattern: str) -> list[str]:
    """The font families fontconfig knows for a pattern such as `:lang=zh`."""
    if shutil.which("fc-list") is None:
        return []
    listed = subprocess.run(["fc-list", pattern, "family"], capture_output=True, text=True,
                            check=False).stdout
    return sorted({line.split(",")[0].strip() for line in listed.splitlines() if line.strip()})


def _found(family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family),
                              fallback_to_default=False)
    except ValueError:
        return False
    return True


def _drawable(family: str) -> bool:
    """Whether matplotlib can draw the chart's text in the family. Its list of fonts is
    cached when it first runs: a font installed since then is added from fontconfig's."""
    if _found(family):
        return True
    if shutil.which("fc-list") is None:
        return False
    files = subprocess.run(["fc-list", f"{family}:lang=zh", "file"], capture_output=True,
                           text=True, check=False).stdout
    for line in files.splitlines():
        path = line.strip().rstrip(":")
        if path:
            font_manager.fontManager.addfont(path)
    return _found(family)


def _preference(family: str) -> tuple[bool, bool, bool, str]:
    """Simplified Chinese first, sans-serif before serif, proportional before mono."""
    return (not family.endswith((" SC", " CN")) and "Micro Hei" not in family,
            "Sans" not in family and "Hei" not in family, "Mono" in family, family)


class WeasyReportRenderer:
    def __init__(self, *, cjk_font: str | None = None, zone: str = "Asia/Shanghai") -> None:
        self._configured = cjk_font
        self.zone = ZoneInfo(zone)
        self.templates = Environment(
            loader=PackageLoader("services.supervision.adapters.report", "templates"),
            autoescape=True, trim_blocks=True, lstrip_blocks=True)

    @cached_property
    def cjk_font(self) -> str:
        """The CJK family to draw Chinese with; RenderingUnavailable if there is none."""
        candidates = [self._configured] if self._configured else sorted(
            fontconfig_families(":lang=zh"), key=_preference)
        for family in candidates:
            if family in fontconfig_families(f"{family}:lang=zh") and _drawable(family):
                return family
        wanted = f"the font family {self._configured!r}" if self._configured else "a CJK font"
        raise RenderingUnavailable(
            f"a Chinese report needs {wanted}, and fontconfig has none: install the Debian "
            f"package {CJK_PACKAGES}, e.g. apt-get install -y fonts-noto-cjk")

    def font_for(self, language: Language) -> str:
        """Chinese needs the CJK font; English takes it too when there is one (its Latin is
        narrow enough for the tables' times), else matplotlib's own."""
        if language is Language.ZH:
            return self.cjk_font
        try:
            return self.cjk_font
        except RenderingUnavailable:
            return LATIN_FONT

    def render(self, report: IncidentReport, language: Language,
               report_format: ReportFormat) -> bytes:
        html = self.html(report, language)
        if report_format is ReportFormat.HTML:
            return html.encode()
        from weasyprint import HTML  # imported on first use: it loads pango

        pdf: bytes = HTML(string=html).write_pdf()
        return pdf

    def html(self, report: IncidentReport, language: Language) -> str:
        labels = Labels(language.value)
        font = self.font_for(language)
        chart = timeline_svg(report, labels, font)
        return self.templates.get_template("report.html.j2").render(
            r=report, t=labels, lang=language.value, font=font, zone=str(self.zone),
            chart=base64.b64encode(chart.encode()).decode(),
            when=self._when, span=lambda d: self._span(d, labels), party=handoff_party,
            verification=report.verification)

    def _when(self, moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    @staticmethod
    def _span(duration: timedelta | None, labels: Labels) -> str:
        if duration is None:
            return "—"
        minutes = duration.total_seconds() / 60
        if 60 <= minutes < 24 * 60 and minutes % 60:
            return f"{int(minutes // 60)} {labels.ui('hours')} {int(minutes % 60)} " \
                f"{labels.ui('minutes')}"
        return duration_words(minutes, labels)

