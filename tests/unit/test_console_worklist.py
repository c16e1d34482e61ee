"""The console's worklist is supervision's, in its order, with each student named from
intake's list; a deadline shown late is one past when supervision answered."""

from __future__ import annotations

from services.console.domain.worklist import WorklistFilter, worklist_rows

WORK = {"version": 1, "as_of": "2026-03-02T08:00:00+00:00", "items": [
    {"case_id": "c-2", "tier": "crisis", "guardian_acknowledge_by": "2026-03-02T07:45:00Z",
     "referrals_awaiting": [{"referral_id": "r-1", "receiver_type": "hospital_green_channel",
                             "answer_by": "2026-03-02T11:00:00+08:00"}]},
    {"case_id": "c-1", "tier": "general", "guardian_acknowledge_by": None,
     "referrals_awaiting": []},
]}
CASES = [{"case_id": "c-1", "student": {"name": "李华"}}]


def test_the_order_is_supervisions_and_a_case_intake_does_not_name_stays_unnamed() -> None:
    rows = worklist_rows(WORK, CASES, WorklistFilter())

    assert [(r["case_id"], r["student_name"], r["listed"]) for r in rows] == [
        ("c-2", None, False), ("c-1", "李华", True)]


def test_a_deadline_past_when_supervision_answered_is_late_whatever_its_offset() -> None:
    crisis = worklist_rows(WORK, CASES, WorklistFilter())[0]

    assert crisis["acknowledgement_late"] is True
    assert crisis["referrals_awaiting"][0]["late"] is True  # 03:00Z, before 08:00Z


def test_a_filter_of_the_query_that_is_no_choice_is_ignored() -> None:
    chosen = WorklistFilter.of({"state": "everything", "tier": "crisis"})

    assert chosen.params() == {"state": "open", "tier": "crisis"}
    assert [r["case_id"] for r in worklist_rows(WORK, CASES, chosen)] == ["c-2"]


def test_a_refused_worklist_shows_no_rows() -> None:
    assert worklist_rows({"detail": "no"}, CASES, WorklistFilter()) == []
