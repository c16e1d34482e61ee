"""The port the supervision application renders incident reports through: the application
builds the report (domain/incident.py), an adapter turns it into HTML or PDF."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from services.supervision.domain.incident import IncidentReport


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return "text/html; charset=utf-8" if self is ReportFormat.HTML else "application/pdf"


class RenderingUnavailable(RuntimeError):
    """The machine lacks what the report needs (a CJK font for a Chinese PDF): the message
    says what to install."""


class ReportRenderer(Protocol):
    def render(self, report: IncidentReport, language: Language,
               report_format: ReportFormat) -> bytes: ...
