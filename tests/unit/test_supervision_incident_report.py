"""The incident report of a crisis case, from its envelopes alone: every stage, handoff and
breach, in Chinese and in English, as HTML and as a PDF with its CJK font embedded."""

from __future__ import annotations

import io
from datetime import date, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject

from contracts.events import EVENT_DATA
from services.supervision.adapters.report.labels import CHECKS, CODES, EVENTS, STAGES, UI
from services.supervision.adapters.report.renderer import WeasyReportRenderer
from services.supervision.domain.incident import (
    Check,
    Checked,
    IncidentReport,
    Stage,
    VerificationSummary,
    incident_report,
)
from services.supervision.incident_reports import Language, RenderingUnavailable, ReportFormat
from tests.supervision_case import (
    CASE_ID,
    CENTRE,
    CENTRE_2,
    HOSPITAL,
    POLICE,
    START,
    crisis_case,
    incident_then_transfer,
)

AFTER = START + timedelta(weeks=10)
VERIFIED = VerificationSummary(Checked.PASSED, checked=37, checkpoints=4)


@pytest.fixture(scope="module")
def report() -> IncidentReport:
    return incident_report(CASE_ID, crisis_case(), as_of=AFTER, verification=VERIFIED)


@pytest.fixture(scope="module")
def renderer() -> WeasyReportRenderer:
    return WeasyReportRenderer()


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: bytes) -> str:
    parser = Text()
    parser.feed(html.decode())
    return " ".join(" ".join(parser.parts).split())


def embedded_fonts(page: PageObject) -> set[str]:
    """The base names of the fonts a page's resources embed (a font file in the descriptor
    of the font, or of its descendant for a CID font)."""
    def dictionary(value: object) -> DictionaryObject:
        resolved = value.get_object() if hasattr(value, "get_object") else value
        assert isinstance(resolved, DictionaryObject)
        return resolved

    embedded = set()
    for font in dictionary(dictionary(page["/Resources"])["/Font"]).values():
        font = dictionary(font)
        parts = [dictionary(p) for p in font.get("/DescendantFonts", [font])]
        if any(key in dictionary(part["/FontDescriptor"])
               for part in parts if "/FontDescriptor" in part
               for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            embedded.add(str(font["/BaseFont"]))
    return embedded


def test_the_report_reaches_every_stage_of_the_crisis_case_in_order(
        report: IncidentReport) -> None:
    assert [s.stage for s in report.stages] == [
        Stage.DETECTED, Stage.ASSESSED, Stage.FAMILY_NOTIFIED, Stage.REFERRED,
        Stage.REFERRAL_ACCEPTED, Stage.ACKNOWLEDGED, Stage.FOLLOWED_UP, Stage.CLOSED]
    assert report.stages[2].since_detection == timedelta(minutes=41)


def test_the_late_acknowledgement_and_the_late_follow_up_are_the_breaches(
        report: IncidentReport) -> None:
    assert [(b.check, b.subject) for b in report.breaches] == [
        (Check.ACKNOWLEDGEMENT, "guardian_1"), (Check.FOLLOW_UP, "3")]
    ack = report.breaches[0]
    assert ack.allowed == timedelta(minutes=15)
    assert ack.taken == timedelta(minutes=37)


def test_the_policy_times_are_those_the_events_carry_not_copies(
        report: IncidentReport) -> None:
    answers = {d.subject: d.allowed for d in report.deadlines
               if d.check is Check.REFERRAL_ANSWER}
    assert answers[POLICE] == timedelta(minutes=30)
    assert answers[HOSPITAL] == timedelta(hours=1)
    assert answers[CENTRE] == timedelta(days=1)
    follow_ups = [d for d in report.deadlines if d.check is Check.FOLLOW_UP]
    assert len(follow_ups) == 8


def test_an_unmet_deadline_past_its_time_is_a_breach_as_the_record_stood() -> None:
    early = incident_report(CASE_ID, crisis_case(), as_of=START + timedelta(minutes=70),
                            verification=VERIFIED)
    (ack,) = [d for d in early.deadlines if d.check is Check.ACKNOWLEDGEMENT]
    assert ack.done is None and ack.breached
    assert Stage.ACKNOWLEDGED not in [s.stage for s in early.stages]


def test_the_tier_decision_names_who_decided_the_participants_and_the_reason_codes(
        report: IncidentReport) -> None:
    (decision,) = report.decisions
    assert (decision.tier, decision.decided_by_role, decision.decided_by_id) == \
        ("crisis", "crisis_team_head", "h-1")
    assert decision.participant_roles == ("crisis_team_head", "psych_teacher", "principal")
    assert decision.reasons == ("sign:suicidal_ideation", "sign:self_harm")


@pytest.mark.parametrize(("language", "words"), [
    (Language.EN, ["Incident report", "Detected", "Assessed", "Family notified",
                   "Referred", "Referral accepted", "Followed up", "Closed",
                   "hospital (green channel)", "police", "district guidance centre",
                   "guardian", "BREACH", "safety override (no consent)", "declined",
                   "no capacity", "break-glass", "Verified: no finding", "crisis team head",
                   "Guardian notice sent", "Case closed"]),
    (Language.ZH, ["事件报告", "发现", "研判", "通知家长", "转介", "转介接收", "跟踪", "结案",
                   "医院（绿色通道）", "公安", "区心理辅导中心", "监护人", "超时",
                   "安全优先（未经同意）", "已拒绝", "无接收能力", "紧急访问",
                   "验证通过：未发现问题",
                   "危机干预小组组长", "监护人通知已发送", "个案结案"]),
])
def test_the_html_report_shows_every_stage_handoff_and_breach_in_its_language(
        report: IncidentReport, renderer: WeasyReportRenderer, language: Language,
        words: list[str]) -> None:
    text = text_of(renderer.render(report, language, ReportFormat.HTML))
    missing = [w for w in words if w not in text]
    assert missing == []
    for receiver in (HOSPITAL, POLICE, CENTRE, CENTRE_2):
        assert receiver in text


def test_the_chinese_report_has_no_english_event_names(
        report: IncidentReport, renderer: WeasyReportRenderer) -> None:
    text = text_of(renderer.render(report, Language.ZH, ReportFormat.HTML))
    assert not [e for e in {t.type for t in report.timeline} if EVENTS[e][0] in text]


def test_the_html_embeds_the_timeline_chart_as_svg(
        report: IncidentReport, renderer: WeasyReportRenderer) -> None:
    html = renderer.render(report, Language.EN, ReportFormat.HTML).decode()
    assert 'src="data:image/svg+xml;base64,' in html


def test_every_event_type_stage_and_check_has_english_and_chinese_words() -> None:
    types = {t for (_, t, _) in EVENT_DATA}
    assert types - set(EVENTS) == set()
    assert {s.value for s in Stage} - set(STAGES) == set()
    assert {c.value for c in Check} - set(CHECKS) == set()
    for words in (UI, EVENTS, STAGES, CHECKS, CODES):
        assert all(en and zh and en != zh for en, zh in words.values())


def test_the_pdf_is_a_pdf_with_the_cjk_font_embedded_and_the_chinese_text_in_it(
        report: IncidentReport, renderer: WeasyReportRenderer) -> None:
    pdf = renderer.render(report, Language.ZH, ReportFormat.PDF)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {name for page in reader.pages for name in embedded_fonts(page)}
    assert any("CJK" in name for name in fonts)
    assert "事件报告" in reader.pages[0].extract_text()


def test_a_chinese_report_without_its_cjk_font_fails_naming_the_package_to_install(
        report: IncidentReport) -> None:
    bare = WeasyReportRenderer(cjk_font="No Such CJK Font")
    with pytest.raises(RenderingUnavailable, match="fonts-noto-cjk"):
        bare.render(report, Language.ZH, ReportFormat.PDF)
    assert bare.render(report, Language.EN, ReportFormat.HTML).startswith(b"<!DOCTYPE html>")


def test_a_follow_up_is_due_by_the_end_of_its_day_in_the_schools_time_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    report = incident_report(CASE_ID, crisis_case(), as_of=AFTER, verification=None,
                             school_timezone=shanghai)
    first = next(d for d in report.deadlines if d.check is Check.FOLLOW_UP)
    assert first.due.astimezone(shanghai).date() == date(2026, 3, 16)
    assert first.due.astimezone(shanghai).hour == 23


def test_each_stage_is_marked_once_on_the_timeline_where_it_was_first_reached(
        report: IncidentReport) -> None:
    marked = [e.stage for e in report.timeline if e.stage is not None]
    # A referral accepted is an answer's, which the timeline shows as "Referral answered".
    assert marked == [s.stage for s in report.stages if s.stage is not Stage.REFERRAL_ACCEPTED]


def test_an_incident_reported_late_to_the_commission_is_a_breach_in_both_languages(
        renderer: WeasyReportRenderer) -> None:
    report = incident_report(CASE_ID, incident_then_transfer(),
                             as_of=START + timedelta(days=100), verification=None)
    assert [(b.check, b.subject) for b in report.breaches] == [
        (Check.AUTHORITY_REPORT, "district_education_commission")]
    assert report.breaches[0].allowed == timedelta(hours=1)
    english = text_of(renderer.render(report, Language.EN, ReportFormat.HTML))
    assert "Report to the authority" in english and "district education commission" in english
    assert "next school" in english and "not verified here" in english
    chinese = text_of(renderer.render(report, Language.ZH, ReportFormat.HTML))
    assert "向主管部门报告" in chinese and "区教委" in chinese and "转入学校" in chinese
