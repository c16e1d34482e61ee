"""The receiver's FHIR facade in process: a hospital's FHIR client reads its Tasks, updates
them through the R4 workflow, and gets an OperationOutcome for each of its mistakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.task import Task

from contracts.codes import ReferralResponse as Answer
from contracts.codes import Tier
from services.referral.adapters.published import PUBLISHED
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.answers import ALLOWED, FINAL, REQUESTED
from services.referral.domain.feedback import CaseFeedback
from services.referral.domain.referrals import CaseReferrals
from services.referral.entrypoints.http import build_api
from tests.application.conftest import served
from tests.application.reads import position, reads_after
from tests.application.test_referral import LIAISON, PATIENT, decide, directory, refer
from tests.identity import bearer

FHIR_JSON = "application/fhir+json"


def liaison(receiver: str = "hospital-a", subject: str = "liaison-1") -> dict[str, str]:
    return bearer("receiver_liaison", subject=subject, school=None, receiver=receiver)


def task(status: str, **more: Any) -> dict[str, Any]:
    return {"resourceType": "Task", "intent": "order", "status": status, **more}


@pytest.fixture
def app(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
async def http(app: ReferralApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(ReferralSettings(), app, build_api) as client:
        yield client


def referred(app: ReferralApplication, receiver: str = "hospital-a") -> UUID:
    return refer(app, decide(app, Tier.CRISIS), receiver)


def outcome_of(response: httpx.Response) -> OperationOutcome:
    assert response.headers["content-type"].startswith(FHIR_JSON), response.text
    return OperationOutcome.model_validate(response.json())


async def test_every_refusal_under_fhir_is_an_operation_outcome(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = referred(app)
    url = f"/fhir/Task/{referral_id}"
    unsigned = await http.put(url, json=task("accepted"))
    assert unsigned.status_code == 401
    assert outcome_of(unsigned).issue[0].code == "login"
    assert "www-authenticate" in unsigned.headers
    other = await http.put(url, json=task("accepted"), headers=liaison("hospital-b"))
    assert (other.status_code, outcome_of(other).issue[0].code) == (403, "forbidden")
    unknown = await http.put(f"/fhir/Task/{uuid4()}", json=task("accepted"),
                             headers=liaison())
    assert (unknown.status_code, outcome_of(unknown).issue[0].code) == (404, "not-found")
    early = await http.put(url, json=task("completed"), headers=liaison())
    assert (early.status_code, outcome_of(early).issue[0].code) == (409, "business-rule")
    assert status_of(app, referral_id) == REQUESTED  # the answer with it is not saved either


async def test_a_bad_task_is_a_422_naming_the_field_and_the_rule_never_the_value(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = referred(app)
    refused = await http.put(f"/fhir/Task/{referral_id}",
                             json=task("accepted", authoredOn="王小明-secret"), headers=liaison())
    assert refused.status_code == 422
    [issue] = outcome_of(refused).issue
    assert issue.code == "invalid" and issue.expression == ["Task.authoredOn"]
    assert "王小明-secret" not in refused.text


async def test_the_rest_of_the_api_keeps_its_json_errors(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    refused = await http.get(f"/cases/{uuid4()}")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert "detail" in refused.json()


# The path that leads a referral to each status its receiver answers from.
PATH_TO: dict[str, list[Answer]] = {
    REQUESTED: [], Answer.RECEIVED: [Answer.RECEIVED], Answer.ACCEPTED: [Answer.ACCEPTED],
    Answer.SCHEDULED: [Answer.ACCEPTED, Answer.SCHEDULED],
    Answer.NO_SHOW: [Answer.ACCEPTED, Answer.SCHEDULED, Answer.NO_SHOW],
    Answer.ADMITTED: [Answer.ACCEPTED, Answer.ADMITTED],
    Answer.DECLINED: [Answer.DECLINED], Answer.DISCHARGED: [Answer.ACCEPTED, Answer.DISCHARGED],
    Answer.FAILED: [Answer.ACCEPTED, Answer.FAILED], Answer.CANCELLED: [Answer.CANCELLED]}
# Each answer as a hospital's FHIR client sends it: R4 status, BSeR business status.
AS_SENT: dict[Answer, dict[str, Any]] = {
    Answer.RECEIVED: task("received"),
    Answer.ACCEPTED: task("accepted", businessStatus={"coding": [{"code": "3.0"}]}),
    Answer.DECLINED: task("rejected", statusReason={"coding": [{"code": "no_capacity"}]}),
    Answer.SCHEDULED: task("in-progress", businessStatus={"coding": [{"code": "5.1.1"}]}),
    Answer.NO_SHOW: task("on-hold", businessStatus={"coding": [{"code": "5.1.2"}]}),
    Answer.ADMITTED: task("in-progress", businessStatus={"coding": [{"code": "admitted"}]}),
    Answer.DISCHARGED: task("completed", businessStatus={"coding": [{"code": "7.0"}]}),
    Answer.FAILED: task("failed"),
    Answer.CANCELLED: task("cancelled", businessStatus={"coding": [{"code": "6.0"}]}),
}
TRANSITIONS = [(status, answer) for status, answers in ALLOWED.items()
               for answer in sorted(answers)]


def at(app: ReferralApplication, status: str) -> UUID:
    """A referral to hospital-a, answered until it is `status`."""
    referral_id = referred(app)
    case_id = app.board.cases_of[referral_id]
    for step in PATH_TO[status]:
        app.record_answer(case_id, referral_id, step, LIAISON)
    return referral_id


def status_of(app: ReferralApplication, referral_id: UUID) -> str:
    case = app.get_case(app.board.cases_of[referral_id], Aftercare)
    return case.referral(referral_id).status


@pytest.mark.parametrize(("status", "answer"), TRANSITIONS, ids=lambda p: str(p))
async def test_each_transition_the_state_machine_allows_is_taken_through_the_task(
        app: ReferralApplication, http: httpx.AsyncClient, status: str, answer: Answer) -> None:
    referral_id = at(app, status)
    answered = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[answer],
                              headers=liaison())
    assert answered.status_code == 200, answered.text
    assert answered.headers["content-type"].startswith(FHIR_JSON)
    Task.model_validate(answered.json())
    assert status_of(app, referral_id) == answer.value


@pytest.mark.parametrize("final", sorted(FINAL - {"unanswered"}))
async def test_a_final_task_is_refused_any_further_answer_as_a_business_rule(
        app: ReferralApplication, http: httpx.AsyncClient, final: str) -> None:
    referral_id = at(app, final)
    refused = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[Answer.SCHEDULED],
                             headers=liaison())
    assert refused.status_code == 409
    [issue] = outcome_of(refused).issue
    assert issue.code == "business-rule" and "is final" in (issue.diagnostics or "")


async def test_a_step_skipped_is_refused_as_a_business_rule(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, REQUESTED)
    refused = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[Answer.ADMITTED],
                             headers=liaison())
    assert (refused.status_code, outcome_of(refused).issue[0].code) == (409, "business-rule")
    assert status_of(app, referral_id) == REQUESTED


@pytest.mark.parametrize("status", ["draft", "requested", "entered-in-error"])
async def test_a_status_that_is_the_schools_to_set_is_refused_as_a_business_rule(
        app: ReferralApplication, http: httpx.AsyncClient, status: str) -> None:
    referral_id = at(app, Answer.ACCEPTED)
    refused = await http.put(f"/fhir/Task/{referral_id}", json=task(status), headers=liaison())
    assert (refused.status_code, outcome_of(refused).issue[0].code) == (409, "business-rule")


@pytest.mark.parametrize(("sent", "expression"), [
    (task("sleeping"), "Task.status"),
    (task("in-progress"), "Task.businessStatus"),
    (task("accepted", businessStatus={"coding": [{"code": "4.0"}]}), "Task.businessStatus"),
])
async def test_a_task_that_says_no_answer_is_refused_naming_the_field(
        app: ReferralApplication, http: httpx.AsyncClient, sent: dict[str, Any],
        expression: str) -> None:
    referral_id = at(app, REQUESTED)
    refused = await http.put(f"/fhir/Task/{referral_id}", json=sent, headers=liaison())
    assert refused.status_code == 422
    assert outcome_of(refused).issue[0].expression == [expression]


def test_the_later_answers_cross_the_bus_as_events_of_their_own(
        app: ReferralApplication) -> None:
    for answer, kind in [(Answer.RECEIVED, "ReferralReceived"),
                         (Answer.CANCELLED, "ReferralCancelled")]:
        referral_id = at(app, REQUESTED)
        app.answer_task(referral_id, "hospital-a", answer, None, LIAISON)
        [answered] = [e for e in app.events.get(app.board.cases_of[referral_id])
                      if isinstance(e, CaseReferrals.Answered)]
        published = PUBLISHED.envelope(answered)
        assert published is not None and published.type == kind
        assert published.version == 1


async def test_a_cancelled_task_flags_the_case_and_goes_on_to_the_next_hospital(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, Answer.ACCEPTED)
    cancelled = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[Answer.CANCELLED],
                               headers=liaison())
    assert cancelled.status_code == 200, cancelled.text
    case = app.get_case(app.board.cases_of[referral_id], Aftercare)
    assert [r.receiver_id for r in case.referrals] == ["hospital-a", "hospital-b"]


async def test_the_receiver_reads_its_task_versioned_without_the_students_name(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = refer(app, decide(app, Tier.CRISIS), packet={"patient": PATIENT})
    before = position(app)
    read = await http.get(f"/fhir/Task/{referral_id}", headers=liaison())
    assert read.status_code == 200, read.text
    shown = Task.model_validate(read.json())
    assert (shown.id, shown.status, read.headers["etag"]) == (str(referral_id), "requested",
                                                              'W/"1"')
    assert shown.meta is not None and shown.meta.versionId == "1"
    assert shown.owner is not None and shown.owner.identifier is not None
    assert shown.owner.identifier.value == "hospital-a"
    assert shown.focus is not None and shown.authoredOn and shown.lastModified
    assert PATIENT["name"] not in read.text and PATIENT["school_student_id"] not in read.text
    [logged] = reads_after(app, before)
    assert (logged.what, logged.subject, logged.role) == (
        "referral_task", "liaison-1", "receiver_liaison")
    other = await http.get(f"/fhir/Task/{referral_id}", headers=liaison("hospital-b"))
    assert (other.status_code, outcome_of(other).issue[0].code) == (403, "forbidden")
    missing = await http.get(f"/fhir/Task/{uuid4()}", headers=liaison())
    assert (missing.status_code, outcome_of(missing).issue[0].code) == (404, "not-found")


async def test_a_receiver_searches_only_its_own_tasks(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    mine = [at(app, REQUESTED), at(app, Answer.ACCEPTED)]
    referred(app, "hospital-b")
    before = position(app)
    found = await http.get("/fhir/Task", headers=liaison())
    assert found.status_code == 200, found.text
    bundle = Bundle.model_validate(found.json())
    assert bundle.type == "searchset" and bundle.total == 2
    assert sorted(str(e.resource.id) for e in bundle.entry or [] if e.resource) == sorted(
        str(r) for r in mine)
    [logged] = reads_after(app, before)
    assert logged.what == "referral_tasks" and len(logged.case_ids) == 2
    for owner in ("hospital-a", "Organization/hospital-a", "urn:casetrail:receiver|hospital-a"):
        accepted = await http.get("/fhir/Task", params={"owner": owner, "status": "accepted"},
                                  headers=liaison())
        assert [e["resource"]["id"] for e in accepted.json()["entry"]] == [str(mine[1])]
    # Another receiver's Tasks are not found: the search shows only the caller's own.
    theirs = await http.get("/fhir/Task", params={"owner": "Organization/hospital-b"},
                            headers=liaison())
    assert (theirs.status_code, theirs.json()["total"]) == (200, 0)


async def test_an_update_on_a_stale_version_is_refused_with_412(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, REQUESTED)
    url = f"/fhir/Task/{referral_id}"
    etag = (await http.get(url, headers=liaison())).headers["etag"]
    accepted = await http.put(url, json=AS_SENT[Answer.ACCEPTED],
                              headers={**liaison(), "If-Match": etag})
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["etag"] == 'W/"2"'
    assert accepted.json()["meta"]["versionId"] == "2"
    stale = await http.put(url, json=AS_SENT[Answer.SCHEDULED],
                           headers={**liaison(), "If-Match": etag})
    assert stale.status_code == 412
    assert outcome_of(stale).issue[0].code == "conflict"
    assert stale.headers["etag"] == 'W/"2"'
    assert status_of(app, referral_id) == Answer.ACCEPTED
    bad = await http.put(url, json=AS_SENT[Answer.SCHEDULED],
                         headers={**liaison(), "If-Match": "yesterday"})
    assert bad.status_code == 422
    assert outcome_of(bad).issue[0].expression == ["http.If-Match"]


async def test_a_retried_update_with_its_key_is_done_once_and_answered_alike(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, REQUESTED)
    headers = {**liaison(), "Idempotency-Key": str(uuid4()), "If-Match": 'W/"1"'}
    first = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[Answer.ACCEPTED],
                           headers=headers)
    again = await http.put(f"/fhir/Task/{referral_id}", json=AS_SENT[Answer.ACCEPTED],
                           headers=headers)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.json(), again.headers["etag"]) == (first.json(), first.headers["etag"])
    answered = [e for e in app.events.get(app.board.cases_of[referral_id])
                if isinstance(e, CaseReferrals.Answered)]
    assert len(answered) == 1


async def test_a_json_patch_of_the_status_answers_like_a_put(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, Answer.ACCEPTED)
    url = f"/fhir/Task/{referral_id}"
    patch = [{"op": "test", "path": "/status", "value": "accepted"},
             {"op": "replace", "path": "/status", "value": "in-progress"},
             {"op": "add", "path": "/businessStatus",
              "value": {"coding": [{"code": "5.1.1"}]}}]
    patched = await http.patch(url, json=patch, headers={
        **liaison(), "Content-Type": "application/json-patch+json", "If-Match": 'W/"2"'})
    assert patched.status_code == 200, patched.text
    assert status_of(app, referral_id) == Answer.SCHEDULED
    assert patched.headers["etag"] == 'W/"3"'
    owner = await http.patch(url, json=[{"op": "replace", "path": "/owner", "value": {}}],
                             headers={**liaison(),
                                      "Content-Type": "application/json-patch+json"})
    assert owner.status_code == 422
    assert outcome_of(owner).issue[0].expression == ["JsonPatch[0].path"]
    plain = await http.patch(url, json=patch, headers=liaison())
    assert plain.status_code == 415
    outcome_of(plain)


async def test_the_capability_statement_is_public_and_says_what_the_facade_does(
        http: httpx.AsyncClient) -> None:
    shown = await http.get("/fhir/metadata")
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith(FHIR_JSON)
    statement = CapabilityStatement.model_validate(shown.json())
    assert statement.fhirVersion == "4.0.1"
    [rest] = statement.rest or []
    [resource] = rest.resource or []
    assert resource.type == "Task"
    assert sorted(str(i.code) for i in resource.interaction or []) == [
        "patch", "read", "search-type", "update"]
    assert sorted(str(p.name) for p in resource.searchParam or []) == ["owner", "status"]


RECOMMENDED = "王小明: half days for two weeks, no exams before the review"
FEEDBACK = [
    {"type": {"coding": [{"system": "urn:casetrail:feedback", "code": "discharge-summary"}]},
     "valueReference": {"reference": "DocumentReference/ds-77"}},
    {"type": {"coding": [{"system": "urn:casetrail:feedback",
                          "code": "return-to-school-recommendations"}]},
     "valueString": RECOMMENDED}]


async def test_the_hospitals_feedback_is_kept_sealed_and_only_its_parts_go_on_the_bus(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, Answer.ADMITTED)
    url = f"/fhir/Task/{referral_id}"
    discharged = await http.put(url, json={**AS_SENT[Answer.DISCHARGED], "output": FEEDBACK},
                                headers=liaison())
    assert discharged.status_code == 200, discharged.text
    assert discharged.json()["output"][1]["valueString"] == RECOMMENDED
    again = await http.put(url, json={**AS_SENT[Answer.DISCHARGED], "output": FEEDBACK},
                           headers=liaison())
    assert again.json()["meta"]["versionId"] == discharged.json()["meta"]["versionId"]
    [given] = [e for e in app.events.get(app.board.cases_of[referral_id])
               if isinstance(e, CaseFeedback.FeedbackGiven)]
    assert RECOMMENDED not in str(given.recommendations)  # sealed under the student's key
    published = PUBLISHED.envelope(given)
    assert published is not None and published.type == "ReferralFeedbackGiven"
    assert published.data == {"referral_id": str(referral_id), "discharge_summary": True,
                              "recommendations": True}
    shown = await http.get(url, headers=liaison())
    assert shown.json()["output"][0]["valueReference"] == {
        "reference": "DocumentReference/ds-77"}
    case_id = app.board.cases_of[referral_id]
    for role, sees in [("crisis_team", True), ("grade_leader", False)]:
        record = await http.get(f"/cases/{case_id}", headers=bearer(role))
        assert record.status_code == 200, record.text
        assert (RECOMMENDED in record.text) is sees


async def test_feedback_on_a_referral_not_taken_on_is_refused_and_a_bad_one_named(
        app: ReferralApplication, http: httpx.AsyncClient) -> None:
    referral_id = at(app, REQUESTED)
    url = f"/fhir/Task/{referral_id}"
    early = await http.put(url, json={**AS_SENT[Answer.RECEIVED], "output": FEEDBACK},
                           headers=liaison())
    assert (early.status_code, outcome_of(early).issue[0].code) == (409, "business-rule")
    assert status_of(app, referral_id) == REQUESTED  # the answer with it is not saved either
    unknown = await http.put(url, json={**AS_SENT[Answer.ACCEPTED], "output": [
        {"type": {"text": "x"}, "valueString": RECOMMENDED}]}, headers=liaison())
    assert unknown.status_code == 422
    assert outcome_of(unknown).issue[0].expression == ["Task.output.0.type"]
    assert RECOMMENDED not in unknown.text
