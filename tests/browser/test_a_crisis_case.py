"""A crisis case worked from the report to its closure through the console's pages alone,
each step by the role that takes it in a school."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from contracts.codes import Role
from tests.browser.case_page import recorded
from tests.browser.conftest import PEOPLE, Screenshots, Site, signed_in, until_shown

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SCHOOL_ZONE = ZoneInfo("Asia/Shanghai")
STUDENT = "s-browser-crisis"
TEAM, HEAD, PSYCH = PEOPLE[Role.CRISIS_TEAM], PEOPLE[Role.CRISIS_TEAM_HEAD], PEOPLE[
    Role.PSYCH_TEACHER]
CLASS_TEACHER = PEOPLE[Role.CLASS_TEACHER]
RECORD = "section.record"


def reported_by_a_class_teacher(page: Page, shot: Screenshots) -> str:
    signed_in(page, CLASS_TEACHER)
    page.click("nav a[href='/report']")
    form = page.locator("form[data-test=form-report_concern]")
    form.locator("[name='student.school_student_id']").fill(STUDENT)
    form.locator("[name='student.name']").fill("学生浏览")
    form.locator("[name=channel]").select_option("staff_observation")
    form.locator("[name=signs][value=suicide_attempt]").check()
    form.locator("[name=description]").fill("took pills at home, told a friend")
    shot(page, "report-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]+\?done=report_concern$"))
    expect(page.locator("[data-test=done]")).to_be_visible()
    shot(page, "report-recorded")
    return page.url.split("?")[0]


def test_a_crisis_case_is_worked_from_its_report_to_its_closure_through_the_pages(
        page: Page, shot: Screenshots, site: Site) -> None:
    case = reported_by_a_class_teacher(page, shot)
    case_id = case.rsplit("/", 1)[1]
    assert site.read("intake", f"/cases/{case_id}", TEAM)["reports"]

    signed_in(page, HEAD)
    until_shown(page, case, RECORD, "系统建议等级: 危机")

    def assign(form: Locator) -> None:
        form.locator("[name=assignee_id]").select_option(PSYCH.id)
        form.locator("[name=assignee_role]").select_option("psych_teacher")

    recorded(page, case, "assign", assign, shot)
    expect(page.locator(RECORD)).to_contain_text(f"负责人: {PSYCH.id} (心理教师)")

    signed_in(page, PSYCH)
    until_shown(page, case, RECORD, "报告")  # intake lets her in once assigned

    def guardians(form: Locator) -> None:
        for row, (rank, relation, name, phone, channel) in enumerate((
                ("1", "mother", "母亲", "+86 138 0000 0001", "phone"),
                ("2", "father", "父亲", "+86 138 0000 0002", "sms"))):
            form.locator(f"[name='guardians.{row}.rank']").select_option(rank)
            form.locator(f"[name='guardians.{row}.relation']").fill(relation)
            form.locator(f"[name='guardians.{row}.name']").fill(name)
            form.locator(f"[name='guardians.{row}.phone']").fill(phone)
            form.locator(f"[name='guardians.{row}.preferred_channel']").select_option(channel)

    recorded(page, case, "record_guardians", guardians, shot)

    signed_in(page, TEAM)

    def decision(form: Locator) -> None:
        form.locator("[name=tier]").select_option("crisis")
        form.locator("[name=rationale]").fill("an attempt within the last 24 hours")
        for row, person in enumerate((TEAM, PSYCH)):
            form.locator(f"[name='participants.{row}.role']").select_option(person.role.value)
            form.locator(f"[name='participants.{row}.id']").fill(person.id)

    recorded(page, case, "decide_tier", decision, shot)
    expect(page.locator("[data-test=tier]")).to_have_text("危机")
    decided = page.locator("[data-test=decision]")
    expect(decided).to_contain_text("an attempt within the last 24 hours")
    expect(decided).to_contain_text(f"心理教师 {PSYCH.id}")

    signed_in(page, PSYCH)
    # The decision reaches notification over the bus; the mother is to be phoned.
    until_shown(page, case, RECORD, "监护人 1 · 电话")

    def no_answer(form: Locator) -> None:
        form.locator("[name=guardian_rank]").select_option("1")
        form.locator("[name=outcome]").select_option("no_answer")

    recorded(page, case, "record_call", no_answer, shot)
    expect(page.locator(RECORD)).to_contain_text("电话 · 监护人 1 · 无人接听")
    # The ladder moves on to the father at once.
    until_shown(page, case, RECORD, "监护人 2 · 短信")

    def acknowledged(form: Locator) -> None:
        form.locator("[name=guardian_rank]").select_option("2")
        form.locator("[name=channel]").select_option("sms")

    recorded(page, case, "record_acknowledgement", acknowledged, shot)
    expect(page.locator(RECORD)).to_contain_text(re.compile(r"监护人 2 · 短信 · [^\n]* · 已确认"))
    notices = site.read("notification", f"/cases/{case_id}", TEAM)["notices"]
    assert [n["acknowledged"] for n in notices if n["guardian_rank"] == 2] == [True]

    signed_in(page, TEAM)
    now = datetime.now(SCHOOL_ZONE)

    def consent(form: Locator) -> None:
        form.locator("[name=purpose]").select_option("referral")
        form.locator("[name=given_by_guardian_rank]").select_option("2")
        form.locator("[name=relationship]").select_option("father")
        form.locator("[name=given_at]").fill(
            (now - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"))
        form.locator("[name=scope]").fill("\n".join((
            "student_identity", "guardian_contact", "risk_tier", "signs_observed",
            "assessment_summary")))
        form.locator("[name=receiver_type]").select_option("hospital_green_channel")

    recorded(page, case, "record_consent", consent, shot)
    expect(page.locator(RECORD)).to_contain_text("同意书: 1")
    consent_id = site.read("referral", f"/cases/{case_id}", TEAM)["consents"][0]["consent_id"]
    hospital = next(r for r in site.read("referral", "/receivers", TEAM)
                    if r["type"] == "hospital_green_channel")

    def referral(form: Locator) -> None:
        form.locator("[name=receiver_id]").select_option(hospital["id"])
        form.locator("[name=receiver_type]").select_option("hospital_green_channel")
        form.locator("[name=basis]").select_option("consent")
        form.locator("[name=consent_id]").select_option(consent_id)
        form.locator("[name='packet.patient.name']").fill("学生浏览")
        form.locator("[name='packet.patient.birth_date']").fill("2011-05-02")
        form.locator("[name='packet.patient.gender']").fill("female")
        form.locator("[name='packet.patient.school_student_id']").fill(STUDENT)
        form.locator("[name='packet.guardian.name']").fill("父亲")
        form.locator("[name='packet.guardian.phone']").fill("+86 138 0000 0002")
        form.locator("[name='packet.guardian.relation']").fill("father")
        form.locator("[name='packet.summary']").fill("overdose yesterday; ASQ acute positive")

    recorded(page, case, "refer", referral, shot)
    expect(page.locator("[data-test=referral]")).to_contain_text(hospital["id"])

    for response, shown in (("accepted", "已接收"), ("discharged", "已出院")):
        def answer(form: Locator, response: str = response) -> None:
            form.locator("[name=response]").select_option(response)

        recorded(page, case, "record_answer", answer, shot)
        expect(page.locator("[data-test=referral]")).to_contain_text(shown)

    def return_plan(form: Locator) -> None:
        form.locator("[name=study_support][value=reduced_timetable]").check()
        form.locator("[name=study_support][value=regular_counselling]").check()
        form.locator("[name=review_on]").fill((now + timedelta(days=28)).strftime("%Y-%m-%d"))
        for row, person in enumerate((PSYCH, CLASS_TEACHER)):
            form.locator(f"[name='responsible.{row}.role']").select_option(person.role.value)
            form.locator(f"[name='responsible.{row}.id']").fill(person.id)

    recorded(page, case, "return_plan", return_plan, shot)
    expect(page.locator("[data-test=return-plan]")).to_contain_text("减少课时")

    signed_in(page, PSYCH)
    for outcome, shown in (("stable", "稳定"), ("improving", "好转")):
        def follow_up(form: Locator, outcome: str = outcome) -> None:
            form.locator("[name=outcome]").select_option(outcome)

        recorded(page, case, "follow_up", follow_up, shot)
        expect(page.locator(".follow-ups")).to_contain_text(shown)

    signed_in(page, TEAM)

    def closure(form: Locator) -> None:
        form.locator("[name=reason]").select_option("resolved")

    recorded(page, case, "close", closure, shot)
    expect(page.locator("[data-test=closed]")).to_have_text("已结案")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "closed-on-a-phone")
    aftercare = site.read("referral", f"/cases/{case_id}", TEAM)
    assert aftercare["closed"] and [c["reason"] for c in aftercare["closures"]] == ["resolved"]
    assert [f["outcome"] for f in aftercare["follow_ups"][:2]] == ["stable", "improving"]
