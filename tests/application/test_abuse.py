"""What a request may cost a service, on intake's API in process: a bounded body (413), a
bounded rate per verified identity (429), an unhandled error answered without internals
(500), refusals that echo nothing sent, and docs that load with no internet."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import eventsourcing.persistence
import httpx
import pytest
import sqlalchemy.exc
from fastapi import FastAPI

from casetrail.identity.issuer import LocalIssuer
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from casetrail.store import store_env
from casetrail.worker import ApplicationThread
from contracts.codes import Role
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.config import IntakeSettings
from services.intake.entrypoints.http import build_api
from tests.identity import bearer

# Sent in bodies that are refused: no answer may carry it back.
MARKER = "张三-13800138000"
PSYCH = bearer("psych_teacher", subject="p-1")


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[IntakeApplication]:
    app = build_intake(store_env(url=f"sqlite:///{tmp_path / 'events.db'}"), b"k")
    yield app
    app.close()


def settings(**limits: Any) -> IntakeSettings:
    return IntakeSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k", **limits})


def client_of(api: FastAPI) -> httpx.AsyncClient:
    """A client at one address (its requests without a verified token share a budget),
    given the answer to an unhandled error rather than the error (as a server would)."""
    transport = httpx.ASGITransport(app=api, client=("203.0.113.7", 40000),
                                    raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://intake")


@pytest.fixture
def apis(intake: IntakeApplication) -> Iterator[Callable[..., FastAPI]]:
    """Intake's API (no bus) with the given settings."""
    threads: list[ApplicationThread] = []

    def api(**limits: Any) -> FastAPI:
        thread = ApplicationThread("intake-abuse-test")
        threads.append(thread)
        return build_api(ServiceRuntime(settings=settings(**limits), app=intake,
                                        thread=thread), intake)

    yield api
    for thread in threads:
        thread.shutdown()


Serve = Callable[..., httpx.AsyncClient]


@pytest.fixture
def serve(apis: Callable[..., FastAPI]) -> Serve:
    """A client of intake's API with the given settings."""
    return lambda **limits: client_of(apis(**limits))


def report(name: str = "张三") -> dict[str, Any]:
    return {"student": {"school_student_id": "S-1", "name": name},
            "channel": "staff_observation", "signs": ["grade_swing"]}


async def chunks(body: bytes, size: int = 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


async def screening(http: httpx.AsyncClient) -> str:
    made = await http.post("/screenings", json={"instrument": "asq",
                                                "held_on": date.today().isoformat()},
                           headers=PSYCH)
    assert made.status_code == 201, made.text
    screening_id: str = made.json()["screening_id"]
    return screening_id


def sheet(rows: int) -> bytes:
    return b"school_student_id,q1,q2,q3,q4,q5\n" + b"S-1,no,no,no,no,no\n" * rows


# 1. Body size

async def test_a_report_larger_than_the_service_takes_is_refused_naming_the_limit_not_the_body(
        serve: Serve, intake: IntakeApplication) -> None:
    async with serve(CASETRAIL_MAX_BODY_BYTES=2048) as http:
        refused = await http.post("/reports", json=report(MARKER * 200), headers=PSYCH)
    assert refused.status_code == 413
    assert refused.json() == {"detail": "the request body is larger than the 2048 bytes "
                                        "this route takes"}
    assert intake.recorder.max_notification_id() is None


async def test_a_chunked_report_without_a_length_is_counted_as_it_streams(
        serve: Serve, intake: IntakeApplication) -> None:
    body = httpx.Request("POST", "/", json=report(MARKER * 200)).read()
    async with serve(CASETRAIL_MAX_BODY_BYTES=2048) as http:
        refused = await http.post("/reports", content=chunks(body), headers={
            **PSYCH, "Content-Type": "application/json"})
        assert "content-length" not in refused.request.headers
        small = await http.post("/reports", content=chunks(
            httpx.Request("POST", "/", json=report()).read(), size=16), headers={
            **PSYCH, "Content-Type": "application/json"})
    assert refused.status_code == 413
    assert MARKER not in refused.text
    assert small.status_code == 201, small.text


async def test_a_screening_sheet_may_be_larger_than_a_report_up_to_the_upload_limit(
        serve: Serve) -> None:
    async with serve(CASETRAIL_MAX_BODY_BYTES=2048, CASETRAIL_MAX_UPLOAD_BYTES=16_384) as http:
        screening_id = await screening(http)
        taken = await http.post(f"/screenings/{screening_id}/imports", headers=PSYCH,
                                files={"file": ("a.csv", sheet(300), "text/csv")})
        too_large = await http.post(f"/screenings/{screening_id}/imports", headers=PSYCH,
                                    files={"file": ("a.csv", sheet(1000), "text/csv")})
    assert len(sheet(300)) > 2048
    assert taken.status_code != 413, taken.text
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == ("the request body is larger than the 16384 bytes "
                                          "this route takes")


async def test_an_upload_streamed_without_a_length_over_the_upload_limit_is_refused(
        serve: Serve) -> None:
    async with serve(CASETRAIL_MAX_UPLOAD_BYTES=16_384) as http:
        screening_id = await screening(http)
        form = httpx.Request("POST", "/", files={"file": ("a.csv", sheet(1000), "text/csv")})
        refused = await http.post(
            f"/screenings/{screening_id}/imports", content=chunks(form.read()),
            headers={**PSYCH, "Content-Type": form.headers["content-type"]})
    assert refused.status_code == 413


# 2. Rate per identity

TEAM = bearer("auditor", subject="a-1")


async def test_a_member_of_staff_over_the_rate_waits_as_retry_after_says_and_others_do_not(
        serve: Serve) -> None:
    async with serve(CASETRAIL_RATE_LIMIT="3/minute") as http:
        answers = [await http.get("/status", headers=TEAM) for _ in range(4)]
        colleague = await http.get("/status", headers=bearer("auditor", subject="a-2"))
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == 429
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert answers[3].json()["detail"].startswith("too many requests: at most 3/minute")
    assert colleague.status_code == 200


async def test_tokens_that_do_not_verify_share_their_address_budget_whatever_they_claim(
        serve: Serve, tmp_path: Path) -> None:
    forger = LocalIssuer(tmp_path / "forger").ensure()  # an issuer no service trusts
    forged = [{"Authorization": "Bearer " + forger.issue(
        Principal(f"x-{n}", Role.CRISIS_TEAM, "school-1", None))} for n in range(3)]
    async with serve(CASETRAIL_RATE_LIMIT="3/minute") as http:
        answers = [await http.get("/status", headers=headers) for headers in forged]
        anonymous = await http.get("/status")
        verified = await http.get("/status", headers=TEAM)
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert anonymous.status_code == 429
    assert verified.status_code == 200, verified.text


async def test_health_and_the_docs_are_not_counted(serve: Serve) -> None:
    async with serve(CASETRAIL_RATE_LIMIT="2/minute") as http:
        answers = [await http.get(path) for path in (
            "/health", "/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui.css") * 3]
    assert {a.status_code for a in answers} == {200}


def test_a_rate_the_limits_notation_cannot_read_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CASETRAIL_RATE_LIMIT"):
        settings(CASETRAIL_RATE_LIMIT="many per minute")


# 3. Unhandled errors and refusals echo nothing

async def test_an_unhandled_error_answers_500_with_a_correlation_id_the_log_has_with_its_trace(
        apis: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture) -> None:
    api = apis()

    @api.get("/fails")
    async def fails() -> None:
        raise RuntimeError(f"could not notify {MARKER}")

    with caplog.at_level(logging.ERROR, logger="casetrail.http"):
        async with client_of(api) as http:
            failed = await http.get("/fails")
    assert failed.status_code == 500
    body = failed.json()
    assert body.keys() == {"detail", "correlation_id"}
    assert body["detail"] == "internal error"
    assert MARKER not in failed.text and "Traceback" not in failed.text
    logged = [r for r in caplog.records if body["correlation_id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert logged[0].exc_info[0] is RuntimeError  # with its traceback


@pytest.mark.parametrize("unreachable", [
    eventsourcing.persistence.OperationalError, sqlalchemy.exc.InterfaceError])
async def test_a_store_that_does_not_answer_asks_for_the_same_request_again_echoing_nothing(
        unreachable: type[Exception], apis: Callable[..., FastAPI]) -> None:
    api = apis()

    @api.get("/waits")
    async def waits() -> None:
        raise unreachable(f"connection lost at {MARKER}", None, Exception())

    async with client_of(api) as http:
        answer = await http.get("/waits")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert MARKER not in answer.text


async def test_a_report_of_wrong_shapes_is_refused_naming_fields_never_their_values(
        serve: Serve) -> None:
    async with serve() as http:
        refused = await http.post("/reports", headers=PSYCH, json={
            "student": {"school_student_id": MARKER * 10, "name": [MARKER]},
            "channel": MARKER, "signs": [MARKER], "at": MARKER, MARKER: MARKER})
        broken = await http.post("/reports", headers={**PSYCH,
                                                      "Content-Type": "application/json"},
                                 content=f'{{"student": "{MARKER}"'.encode())
    assert refused.status_code == broken.status_code == 422
    for answer in (refused, broken):
        for problem in answer.json()["detail"]:
            assert problem.keys() == {"loc", "type", "msg"}
            assert MARKER not in problem["msg"]
            assert "input" not in problem and "ctx" not in problem
    assert MARKER not in broken.text


# 4. Docs with no CDN

ASSET = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?([^'"\s)>]+)""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_load_from_the_service_itself(serve: Serve, page: str) -> None:
    async with serve() as http:
        html = (await http.get(page)).text
        hosts = set(re.findall(r"https?://([^/'\"\s]+)", html))
        assets = [a for a in ASSET.findall(html) if a.startswith("/")]
        loaded = {a: (await http.get(a)).status_code for a in assets}
    assert hosts <= {"intake"}
    assert any(a.endswith(".js") for a in assets), html
    assert set(loaded.values()) == {200}, loaded


async def test_the_refusals_of_size_rate_and_failure_are_documented(serve: Serve) -> None:
    async with serve() as http:
        paths = (await http.get("/openapi.json")).json()["paths"]
    answers = paths["/reports"]["post"]["responses"]
    assert {"413", "429", "500"} <= answers.keys()
    assert answers["500"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/InternalError")
