"""`casetrail erase` and `casetrail retention-report` against the running system."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from casetrail.cli.commands import TOKEN_VARIABLE, NotSignedIn
from casetrail.cli.erase import erase
from casetrail.cli.retention import retention_report
from casetrail.personal.sealing import ERASED
from casetrail.pseudonym import Pseudonyms
from tests.conftest import PSEUDONYM_KEY
from tests.identity import bearer, token
from tests.system import System

SCHOOL_ID = "S-E2E-ERASE"
KEY = Pseudonyms(PSEUDONYM_KEY.encode()).student_key(SCHOOL_ID)


def test_casetrail_erase_erases_the_student_in_every_service_once(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    intake = system.cluster.url("intake")
    made = httpx.post(f"{intake}/reports", headers=bearer("crisis_team"), timeout=30, json={
        "student": {"school_student_id": SCHOOL_ID, "name": "欧阳小明"},
        "channel": "staff_observation", "description": "宿舍里的纸条"})
    assert made.status_code == 201, made.text
    case_url = f"{intake}/cases/{made.json()['case_id']}"
    assert httpx.get(case_url, headers=bearer("auditor")).json()["student_name"] == "欧阳小明"

    assert erase(system.runtime, KEY, "lawful_request", token("principal")) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == [
        "intake", "assessment", "notification", "referral"]
    assert all(" erased at " in line and "principal:principal-1" in line for line in printed)
    case = httpx.get(case_url, headers=bearer("auditor")).json()
    assert (case["student_name"], case["reports"][0]["description"]) == (ERASED, ERASED)

    assert erase(system.runtime, KEY, "lawful_request", token("principal")) == 0
    assert all(" erased before at " in line for line in capsys.readouterr().out.splitlines())


def test_casetrail_erase_needs_a_token_that_may_erase(
        system: System, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    with pytest.raises(NotSignedIn):
        erase(system.runtime, KEY, "lawful_request", None)
    assert erase(system.runtime, KEY, "lawful_request", token("class_teacher")) == 1
    assert "refused (403)" in capsys.readouterr().out


def test_casetrail_retention_report_lists_no_names(
        system: System, capsys: pytest.CaptureFixture[str]) -> None:
    assert retention_report(system.runtime, token("auditor"), date(2099, 1, 1)) == 0
    out = capsys.readouterr().out
    assert out.startswith("due for erasure on 2099-01-01")
    assert "欧阳小明" not in out
