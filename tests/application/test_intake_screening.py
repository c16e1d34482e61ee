"""Intake: a screening imported from a school's file, with consent, once."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from casetrail.kernel import CaseNotFound, EventMeta
from contracts.codes import Channel, Instrument
from contracts.instruments import INSTRUMENTS, Language
from services.intake.adapters.published import PUBLISHED
from services.intake.adapters.sheets import UnreadableSheet
from services.intake.application import Consent, IntakeApplication
from services.intake.application.screenings import BAD_STUDENT_ID, NO_CONSENT
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Case, Concern
from services.intake.domain.screening import Screening
from services.intake.domain.screening_sheet import SheetRefused
from tests.application.conftest import published
from tests.intake_files import csv_file, xlsx_file

PSYCH = EventMeta.by("psych_teacher", "p-1")
HEADER = ("school_student_id", "q1", "q2", "q3", "q4", "q5")
NEGATIVE = ("no", "no", "no", "no", None)
POSITIVE = ("yes", "no", "no", "no", "no")
ACUTE = ("yes", "yes", "no", "no", "yes")


@pytest.fixture
def intake(env: dict[str, str]) -> IntakeApplication:
    return build_intake(env, b"key")


def asq(intake: IntakeApplication, *consented: str) -> UUID:
    screening_id = intake.schedule_screening(instrument=Instrument.ASQ,
                                             held_on=date(2026, 3, 1), grade_label="初二",
                                             meta=PSYCH)
    intake.record_consents(screening_id, [Consent(s, True, True) for s in consented], PSYCH)
    return screening_id


def file_of(kind: str, *rows: tuple[Any, ...]) -> tuple[str, bytes]:
    if kind == "csv":
        return "answers.csv", csv_file(HEADER, *rows)
    return "answers.xlsx", xlsx_file(HEADER, *rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_consented_rows_are_scored_and_positive_screens_open_cases(
        intake: IntakeApplication, kind: str) -> None:
    screening_id = asq(intake, "S-1", "S-2", "S-3", "S-5")
    name, content = file_of(kind, ("S-1", *NEGATIVE), ("S-2", *POSITIVE), ("S-3", *ACUTE),
                            ("S-4", *POSITIVE), ("S-5", "perhaps", "no", "no", "no", None))
    report = intake.import_screening(screening_id, filename=name, content=content, meta=PSYCH)
    assert report["accepted"] == 3 and report["positive"] == 2
    assert report["refused"] == [
        {"line": 5, "reason": NO_CONSENT},
        {"line": 6, "reason": "q1: is not one of yes/no/refused"}]
    assert [c["line"] for c in report["cases"]] == [3, 4]
    detected = {e.case_id: e for e in published(intake, PUBLISHED, "CaseDetected")}
    assert set(detected) == {c["case_id"] for c in report["cases"]}
    acute = detected[report["cases"][1]["case_id"]]
    assert acute.data["channel"] == "screening" and acute.data["imminent"] is True
    assert acute.data["screen"]["band"] == "acute_positive"
    assert acute.actor.role == "psych_teacher"
    assert detected[report["cases"][0]["case_id"]].data["imminent"] is False


def test_a_row_with_every_answer_blank_is_refused_as_not_answered_and_opens_no_case(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1", "S-2")
    name, content = file_of("csv", ("S-1", None, None, None, None, None),
                            ("S-2", "refused", None, None, None, None))
    report = intake.import_screening(screening_id, filename=name, content=content, meta=PSYCH)
    assert report["refused"] == [{"line": 2, "reason": "q1: not answered (every item is blank)"}]
    assert report["accepted"] == 1 and report["positive"] == 1
    assert [c["line"] for c in report["cases"]] == [3]


def test_importing_the_same_file_twice_changes_nothing(intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1", "S-2")
    name, content = file_of("csv", ("S-1", *POSITIVE), ("S-2", *NEGATIVE), ("S-9", *POSITIVE))
    first = intake.import_screening(screening_id, filename=name, content=content, meta=PSYCH)
    before = intake.recorder.max_notification_id()
    again = intake.import_screening(screening_id, filename="renamed.csv", content=content,
                                    meta=EventMeta.by("psych_teacher", "p-2"))
    assert again == first
    assert intake.recorder.max_notification_id() == before


def test_a_student_already_scored_in_the_screening_is_not_scored_again(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1", "S-2")
    intake.import_screening(screening_id, filename="a.csv",
                            content=file_of("csv", ("S-1", *POSITIVE))[1], meta=PSYCH)
    report = intake.import_screening(
        screening_id, filename="b.csv",
        content=file_of("csv", ("S-2", *NEGATIVE), ("S-1", *ACUTE), ("S-2", *POSITIVE))[1],
        meta=PSYCH)
    assert report["accepted"] == 1
    assert [r["line"] for r in report["refused"]] == [3, 4]
    assert "imported already" in report["refused"][0]["reason"]
    assert report["refused"][1]["reason"] == "the same student as line 2"


def test_a_withdrawn_consent_refuses_the_row(intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    intake.record_consents(screening_id, [Consent("S-1", True, False)], PSYCH)
    report = intake.import_screening(screening_id, filename="a.csv",
                                     content=file_of("csv", ("S-1", *ACUTE))[1], meta=PSYCH)
    assert report["accepted"] == 0 and report["refused"] == [{"line": 2, "reason": NO_CONSENT}]


def test_a_positive_screen_joins_the_students_open_case(intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    open_case = intake.report_concern(
        student_ref="S-1", student_name=None,
        concern=Concern(uuid4(), Channel.GUARDIAN, [], False, ""),
        meta=EventMeta.by("guardian", "g-1"))
    report = intake.import_screening(screening_id, filename="a.csv",
                                     content=file_of("csv", ("S-1", *POSITIVE))[1], meta=PSYCH)
    assert report["cases"] == [{"line": 2, "case_id": open_case.case_id,
                                "report_id": report["cases"][0]["report_id"], "opened": False}]
    attached = published(intake, PUBLISHED, "ReportAttached")
    assert attached[0].data["screen"]["positive"] is True


def test_the_answers_stay_in_intake_and_the_refusals_are_on_record(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    intake.import_screening(screening_id, filename="a.csv",
                            content=file_of("csv", ("S-1", *POSITIVE), ("S-2", *NEGATIVE))[1],
                            meta=PSYCH)
    for envelope in published(intake, PUBLISHED):
        assert "answers" not in envelope.data and "yes" not in str(envelope.data)
    screening = intake.get_case(screening_id, Screening)
    [batch] = screening.batches.values()
    assert batch["refused"] == [{"line": 3, "reason": NO_CONSENT}]
    case = intake.get_case(batch["cases"][0]["case_id"], Case)
    assert case.reports[0]["screen"]["band"] == "non_acute_positive"


def test_an_unreadable_file_takes_nothing(intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    before = intake.recorder.max_notification_id()
    with pytest.raises(UnreadableSheet):
        intake.import_screening(screening_id, filename="a.csv", content=b"", meta=PSYCH)
    assert intake.recorder.max_notification_id() == before


def test_an_unknown_screening_is_not_found(intake: IntakeApplication) -> None:
    with pytest.raises(CaseNotFound):
        intake.import_screening(UUID(int=7), filename="a.csv", content=b"x", meta=PSYCH)


def test_a_row_whose_school_id_is_not_a_school_id_is_refused_by_line(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    name, content = file_of("csv", ("S 1; drop", *POSITIVE), ("x" * 65, *POSITIVE),
                            ("张三", *POSITIVE), ("S-1", *NEGATIVE))
    report = intake.import_screening(screening_id, filename=name, content=content, meta=PSYCH)
    assert report["refused"] == [{"line": line, "reason": BAD_STUDENT_ID} for line in (2, 3, 4)]
    assert report["accepted"] == 1 and report["cases"] == []


def test_a_file_lacking_item_columns_is_refused_whole_naming_them(
        intake: IntakeApplication) -> None:
    # Read row by row, the missing q3 and q4 would be refusals to answer: a positive screen.
    screening_id = asq(intake, "S-1")
    before = intake.recorder.max_notification_id()
    with pytest.raises(SheetRefused, match="lacks the asq columns q3, q4, q5"):
        intake.import_screening(screening_id, filename="a.csv", meta=PSYCH,
                                content=csv_file(("school_student_id", "q1", "q2"),
                                                 ("S-1", "no", "no")))
    assert intake.recorder.max_notification_id() == before


def test_a_file_headed_in_chinese_is_read_like_one_headed_by_item_keys(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1", "S-2")
    header = intake.screening_template(screening_id, Language.ZH)
    first = INSTRUMENTS[Instrument.ASQ].items[0]
    assert header[0] == "学号" and header[1] == first.text[Language.ZH]
    content = csv_file(("姓名", *header), ("张三", "S-1", *ACUTE), ("李四", "S-2", *NEGATIVE))
    report = intake.import_screening(screening_id, filename="筛查.csv", content=content,
                                     meta=PSYCH)
    assert report["accepted"] == 2 and report["refused"] == []
    assert [c["line"] for c in report["cases"]] == [2]


def test_the_english_template_heads_the_student_and_each_item_in_english(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake)
    definition = INSTRUMENTS[Instrument.ASQ]
    assert intake.screening_template(screening_id, Language.EN) == [
        "school_student_id", *(item.text[Language.EN] for item in definition.items)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_preview_tells_what_the_import_will_take_and_refuse_and_records_nothing(
        intake: IntakeApplication, kind: str) -> None:
    screening_id = asq(intake, "S-1", "S-2", "S-3", "S-5")
    name, content = file_of(kind, ("S-1", *NEGATIVE), ("S-2", *POSITIVE), ("S-3", *ACUTE),
                            ("S-4", *POSITIVE), ("S-5", "perhaps", "no", "no", "no", None),
                            ("S-1", *POSITIVE))
    before = intake.recorder.max_notification_id()
    preview = intake.preview_screening(screening_id, filename=name, content=content)
    assert intake.recorder.max_notification_id() == before
    assert intake.get_case(screening_id, Screening).batches == {}
    report = intake.import_screening(screening_id, filename=name, content=content, meta=PSYCH)
    assert preview == {"screening_id": screening_id, "imported_already": False,
                       "accepted": report["accepted"], "positive": report["positive"],
                       "refused": report["refused"]}
    assert [r["line"] for r in preview["refused"]] == [5, 6, 7]


def test_a_preview_echoes_no_answer(intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    preview = intake.preview_screening(screening_id, filename="a.csv",
                                       content=file_of("csv", ("S-1", *ACUTE))[1])
    assert set(preview) == {"screening_id", "imported_already", "accepted", "positive",
                            "refused"}
    assert "yes" not in str(preview)


def test_a_preview_of_a_file_imported_already_says_so_and_refuses_its_students_again(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1", "S-2")
    content = file_of("csv", ("S-1", *POSITIVE), ("S-9", *POSITIVE))[1]
    report = intake.import_screening(screening_id, filename="a.csv", content=content,
                                     meta=PSYCH)
    same = intake.preview_screening(screening_id, filename="again.csv", content=content)
    assert same["imported_already"] is True
    assert (same["accepted"], same["refused"]) == (report["accepted"], report["refused"])
    other = intake.preview_screening(
        screening_id, filename="b.csv",
        content=file_of("csv", ("S-1", *NEGATIVE), ("S-2", *NEGATIVE))[1])
    assert other["accepted"] == 1 and other["imported_already"] is False
    assert "imported already" in other["refused"][0]["reason"]


def test_a_preview_refuses_a_file_lacking_item_columns_as_the_import_does(
        intake: IntakeApplication) -> None:
    screening_id = asq(intake, "S-1")
    with pytest.raises(SheetRefused, match="lacks the asq columns q3, q4, q5"):
        intake.preview_screening(screening_id, filename="a.csv",
                                 content=csv_file(("school_student_id", "q1", "q2"),
                                                  ("S-1", "no", "no")))
