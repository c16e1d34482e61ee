"""Intake's settings: the emergency plan a school ships is checked when the service starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.intake.application.cases import DEFAULT_CHECKLIST
from services.intake.bootstrap import application
from services.intake.config import EmergencyPlan, IntakeSettings
from tests.conftest import DATA_MASTER_KEY


def settings(**values: object) -> IntakeSettings:
    return IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k",
                                          "data_master_key": DATA_MASTER_KEY, **values})


def test_the_shipped_emergency_plan_is_the_default_checklist() -> None:
    assert tuple(settings().emergency_plan().checklist) == DEFAULT_CHECKLIST


def test_a_schools_own_plan_and_chain_reach_the_application(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('checklist = ["secure_scene", "contact_guardians"]\n', encoding="utf-8")
    app = application(settings(emergency_plan_file=plan, report_chain="university",
                               school_code="univ-1", store_url=f"sqlite:///{tmp_path}/i.db"))
    assert app.policy.checklist == ("secure_scene", "contact_guardians")
    assert app.policy.chain == "university" and app.policy.school_code == "univ-1"


@pytest.mark.parametrize("text", [
    "checklist = []\n", 'checklist = ["first_aid", "first_aid"]\n',
    'checklist = ["Call Mum"]\n', 'checklist = ["first_aid"]\nextra = 1\n',
], ids=["empty", "twice", "not a code", "unknown key"])
def test_a_broken_emergency_plan_stops_the_service(tmp_path: Path, text: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError):
        EmergencyPlan.load(plan)


def test_a_school_is_primary_unless_its_stage_is_set(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings().school_stage == "primary"
    monkeypatch.setenv("INTAKE_SCHOOL_STAGE", "middle")
    app = application(settings(store_url=f"sqlite:///{tmp_path}/i.db"))
    assert app.policy.school_stage == "middle"
