"""Intake's HTTP API served in process (no bus consumers), for the HTTP test modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from casetrail.service import ServiceRuntime
from casetrail.worker import ApplicationThread
from services.intake.adapters.sheets import read_sheet
from services.intake.application import IntakeApplication, IntakePolicy
from services.intake.application.screenings import SheetReader
from services.intake.bootstrap import build_intake
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api
from tests.identity import bearer

TEACHER = {"role": "class_teacher", "id": "ct-1"}
PSYCH = {"role": "psych_teacher", "id": "p-1"}
# A reader of every case of the school (a psychology teacher reads only those assigned).
READ_AS = bearer("crisis_team", subject="t-read")


def by(actor: dict[str, str]) -> dict[str, str]:
    """The Authorization header of a member of staff given by role and id."""
    return bearer(actor["role"], subject=actor["id"])


@contextmanager
def served_app(env: dict[str, str], policy: IntakePolicy | None = None, *,
               reader: SheetReader = read_sheet
               ) -> Iterator[tuple[TestClient, IntakeApplication]]:
    """The API and the application behind it (to deliver what other services publish)."""
    config = IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k"})
    app = build_intake(env, b"k", policy, read_sheet=reader)
    thread = ApplicationThread("intake-test")
    # No lifespan: the API without its bus consumers, which these requests do not need.
    yield TestClient(build_api(ServiceRuntime(settings=config, app=app, thread=thread),
                               app)), app
    thread.shutdown()


@contextmanager
def served(env: dict[str, str], policy: IntakePolicy | None = None, *,
           reader: SheetReader = read_sheet) -> Iterator[TestClient]:
    with served_app(env, policy, reader=reader) as (client, _):
        yield client


def report(client: TestClient, **changes: Any) -> dict[str, Any]:
    reporter = changes.pop("reporter", TEACHER)
    body = {"student": {"school_student_id": "S-1", "name": "张三"},
            "channel": "staff_observation", "signs": ["grade_swing"], **changes}
    response = client.post("/reports", json=body, headers=by(reporter))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
