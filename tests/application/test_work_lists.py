"""The team's work lists show a reader only the cases they may read: a class or psychology
teacher, whose reading of a case needs their assignment, sees the cases assigned to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from casetrail.identity.access import Permission, Relation
from casetrail.identity.principal import Principal
from contracts.codes import KeyConcern, ReferralResponse, Role, Sign, Tier
from services.notification.application import NotificationApplication
from services.notification.config import NotificationSettings
from services.notification.entrypoints.http import build_api as notification_api
from services.referral.application import ReferralApplication
from services.referral.bootstrap import build_referral
from services.referral.config import ReferralSettings
from services.referral.entrypoints.http import build_api as referral_api
from tests.application.conftest import assigned, deliver, detected, envelope, served
from tests.application.test_notification import SCHOOL_ID, crisis_path, new_app
from tests.application.test_referral import LIAISON, decide, directory, refer
from tests.identity import bearer

MOTHER = {"rank": 1, "relation": "mother", "name": "王芳", "phone": "+86 139 0000 0001",
          "preferred_channel": "phone", "language": "zh"}


class Book:
    """Who is assigned to which case."""

    def __init__(self, assigned: dict[UUID, str]) -> None:
        self.assigned = assigned

    def relations(self, case_id: UUID, principal: Principal) -> frozenset[Relation]:
        return frozenset({Relation.ASSIGNED} if self.assigned.get(case_id)
                         == principal.subject else set())


def test_of_listed_cases_a_reader_sees_those_their_relation_lets_them_read_in_order() -> None:
    read_case = Permission("read_case", "read a case", {
        Role.PSYCH_TEACHER: frozenset({Relation.ASSIGNED}),
        Role.AUDITOR: frozenset({Relation.ANY})})
    first, second, third = uuid4(), uuid4(), uuid4()
    book = Book({first: "p-1", third: "p-1", second: "p-2"})
    listed = [third, second, first]
    assert read_case.visible(book, Principal("p-1", Role.PSYCH_TEACHER), listed) == [
        third, first]
    assert read_case.visible(book, Principal("a-1", Role.AUDITOR), listed) == listed
    assert read_case.visible(book, Principal("s-1", Role.STUDENT), listed) == []


@pytest.fixture
def referral(env: dict[str, str]) -> ReferralApplication:
    return build_referral(env, ZoneInfo("Asia/Shanghai"), directory=directory())


@pytest.fixture
async def referral_http(referral: ReferralApplication) -> AsyncIterator[httpx.AsyncClient]:
    async with served(ReferralSettings(), referral, referral_api) as client:
        yield client


def flagged(app: ReferralApplication) -> UUID:
    case_id = decide(app, Tier.CRISIS)
    referral_id = refer(app, case_id)
    app.record_answer(case_id, referral_id, ReferralResponse.DECLINED, LIAISON, "no_capacity")
    return case_id


def overdue(app: ReferralApplication) -> UUID:
    case_id = decide(app, Tier.CRISIS, at=datetime.now(UTC) - timedelta(days=16))
    app.raise_overdue(datetime.now(UTC))
    return case_id


def visit_due(app: ReferralApplication) -> UUID:
    case_id = uuid4()
    deliver(app, app.on_case_detected, envelope("intake", case_id, detected(
        Sign.GRADE_SWING, key_concerns=[KeyConcern.LEFT_BEHIND])))
    decide(app, Tier.GENERAL, case_id=case_id)
    app.raise_visits_due(datetime.now(UTC))
    return case_id


@pytest.mark.parametrize(("path", "make"), [("/referrals/flagged", flagged),
                                            ("/follow-ups/overdue", overdue),
                                            ("/home-visits/due", visit_due)])
async def test_a_referral_work_list_shows_a_psychology_teacher_only_their_cases(
        referral: ReferralApplication, referral_http: httpx.AsyncClient, path: str,
        make: Callable[[ReferralApplication], UUID]) -> None:
    theirs, others = make(referral), make(referral)
    assigned(referral, theirs, "p-1")

    async def listed(role: str, subject: str) -> set[str]:
        answer = await referral_http.get(path, headers=bearer(role, subject=subject))
        assert answer.status_code == 200, answer.text
        return {row["case_id"] for row in answer.json()}

    assert await listed("psych_teacher", "p-1") == {str(theirs)}
    assert await listed("psych_teacher", "p-2") == set()
    assert await listed("crisis_team", "t-1") == {str(theirs), str(others)}
    assert await listed("auditor", "a-1") == {str(theirs), str(others)}


@pytest.fixture
def notification(env: dict[str, str]) -> NotificationApplication:
    return new_app(env)


@pytest.fixture
async def notification_http(notification: NotificationApplication,
                            monkeypatch: pytest.MonkeyPatch
                            ) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("CASETRAIL_PSEUDONYM_KEY", "test-pseudonym-key")
    async with served(NotificationSettings(), notification, notification_api) as client:
        yield client


async def test_the_call_list_shows_a_class_teacher_only_the_calls_of_their_cases(
        notification: NotificationApplication, notification_http: httpx.AsyncClient) -> None:
    put = await notification_http.put(f"/students/{SCHOOL_ID}/guardians", json={
        "guardians": [MOTHER]}, headers=bearer("crisis_team", subject="t-1"))
    assert put.status_code == 200, put.text
    theirs, others = uuid4(), uuid4()
    for case_id in (theirs, others):
        deliver(notification, notification.on_crisis_path_started,
                envelope("assessment", case_id, crisis_path()))
    assigned(notification, theirs, "c-1", Role.CLASS_TEACHER)

    async def calls(role: str, subject: str) -> list[str]:
        answer = await notification_http.get("/calls/pending",
                                             headers=bearer(role, subject=subject))
        assert answer.status_code == 200, answer.text
        return sorted(call["case_id"] for call in answer.json()["calls"])

    assert await calls("class_teacher", "c-1") == [str(theirs)]
    assert await calls("class_teacher", "c-2") == []
    assert await calls("crisis_team", "t-2") == sorted([str(theirs), str(others)])
