"""Every service's 422 names the field, the rule and why, and never echoes what was sent:
the requests carry minors' names, phone numbers and free text about their crisis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI

from casetrail.service import ServiceRuntime
from casetrail.settings import ServiceSettings
from casetrail.store import ServiceApplication
from services.assessment.bootstrap import build_assessment
from services.assessment.config import AssessmentSettings
from services.assessment.entrypoints.http import build_api as assessment_api
from services.intake.bootstrap import build_intake
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api as intake_api
from services.notification.config import NotificationSettings
from services.notification.entrypoints.http import build_api as notification_api
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api as referral_api
from tests.application.conftest import served
from tests.application.test_notification import new_app as notification_app
from tests.application.test_referral import directory
from tests.identity import bearer

NAME = "张小明"
FREE_TEXT = "他在日记里写了想离开这个世界"
PHONE = "+86 138 0013 8000"
TEAM = {"role": "crisis_team", "id": "lead"}
CASE = uuid4()

Build = Callable[[ServiceRuntime, Any], FastAPI]
# service → (its settings, its application, its API, a request with personal data in it and
# one invalid field, that field's location)
REQUESTS: dict[str, tuple[Callable[[], ServiceSettings],
                          Callable[[dict[str, str]], ServiceApplication], Build,
                          str, str, dict[str, Any], list[str | int]]] = {
    "intake": (
        lambda: IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k"}),
        lambda env: build_intake(env, b"k"), intake_api, "POST", "/reports",
        {"student": {"school_student_id": "S-1", "name": NAME},
         "channel": "by_pigeon",
         "signs": ["self_harm"], "description": FREE_TEXT},
        ["body", "channel"]),
    "assessment": (
        AssessmentSettings, build_assessment, assessment_api, "POST",
        f"/cases/{CASE}/decision",
        {"tier": "apocalyptic", "rationale": f"{NAME}: {FREE_TEXT}",
         "participants": [TEAM]},
        ["body", "tier"]),
    "notification": (
        NotificationSettings, notification_app, notification_api, "PUT",
        "/students/S-1/guardians",
        {"guardians": [{"rank": 1, "relation": "mother", "name": NAME, "phone": PHONE,
                        "preferred_channel": "carrier_pigeon", "language": "zh"}]},
        ["body", "guardians", 0, "preferred_channel"]),
    "referral": (
        ReferralSettings,
        lambda env: build_referral(env, ZoneInfo("Asia/Shanghai"),
                                        directory=directory()),
        referral_api, "POST", f"/cases/{CASE}/home-visits",
        {"made_on": "the day after", "notes": f"{NAME} {PHONE} {FREE_TEXT}"},
        ["body", "made_on"]),
}


@pytest.mark.parametrize("service", list(REQUESTS))
async def test_a_refused_request_is_answered_with_field_rule_and_message_only(
        service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "k")
    settings, make_app, build_api, method, path, body, field = REQUESTS[service]
    app = make_app(env)
    try:
        async with served(settings(), app, build_api) as http:
            response = await http.request(method, path, json=body,
                                          headers=bearer("crisis_team"))
    finally:
        app.close()
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert field in [error["loc"] for error in detail]
    assert all(set(error) == {"loc", "type", "msg"} for error in detail)
    for sent in (NAME, FREE_TEXT, PHONE, "by_pigeon", "apocalyptic", "carrier_pigeon",
                 "the day after"):
        assert sent not in response.text
