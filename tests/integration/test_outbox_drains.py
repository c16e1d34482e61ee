"""Whatever a client sends that the OpenAPI schema allows, every outbox drains: schemathesis
drives every POST and PUT of the four services (path parameters naming real cases), and then
each service's relay publishes every stored event to a real nats-server, none left stuck.

    .venv/bin/pytest tests/integration/test_outbox_drains.py -q -s   # prints the counts
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.schemas import APIOperation

from casetrail.bus.identities import BusLogin
from casetrail.bus.relay import OutboxRelay
from casetrail.service import connect
from casetrail.store import tracking_store
from contracts.codes import Sign, Tier
from contracts.streams import ensure_streams
from tests.application.all_services import Running, all_served
from tests.application.conftest import deliver, detected, envelope
from tests.application.test_notification import crisis_path
from tests.application.test_referral import CONSENT, decide

TEAM = {"role": "crisis_team", "id": "t-1"}
TEACHER = {"role": "class_teacher", "id": "ct-1"}
RECEIVER_TOKEN = "fuzz-receiver-token"
# Rounds of one generated request to every POST and PUT: about 40 requests a round.
ROUNDS = int(os.environ.get("CASETRAIL_FUZZ_ROUNDS", "30"))


def seed(services: dict[str, Running]) -> dict[str, dict[str, str]]:
    """One real case per service, and the ids its paths name, so that requests reach it."""
    intake = services["intake"].http
    reported = intake.post("/reports", json={
        "student": {"school_student_id": "S-1", "name": "张三"}, "reporter": TEACHER,
        "channel": "staff_observation", "signs": ["self_harm"]}).json()
    case_id = reported["case_id"]
    screening = intake.post("/screenings", json={"instrument": "asq",
                                                  "held_on": datetime.now(UTC).date().isoformat(),
                                                  "actor": TEAM})
    incident = intake.post("/incidents", json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm", "reporter": TEAM})
    transfer = intake.post(f"/cases/{case_id}/transfers", json={
        "to_school": "middle-1", "to_stage": "middle", "actor": {**TEAM, "role": "principal"},
        "consent": {"guardian_rank": 1, "guardian_given_at": datetime.now(UTC).isoformat(),
                    "student_consented": True}})
    ids = {"intake": {"case_id": case_id, "report_id": reported["report_id"],
                      "screening_id": screening.json()["screening_id"],
                      "incident_id": incident.json()["incident_id"],
                      "transfer_id": transfer.json()["transfer_id"],
                      "school_student_id": "S-1"}}
    assessment = services["assessment"].app
    deliver(assessment, assessment.on_case_detected,  # type: ignore[attr-defined]
            envelope("intake", case_id, detected(Sign.SELF_HARM)))
    ids["assessment"] = {"case_id": case_id}
    notification = services["notification"].app
    deliver(notification, notification.on_crisis_path_started,  # type: ignore[attr-defined]
            envelope("assessment", case_id, crisis_path()))
    ids["notification"] = {"case_id": case_id, "school_student_id": "S-1"}
    referral = services["referral"]
    decide(referral.app, Tier.SERIOUS, case_id=case_id)  # type: ignore[arg-type]
    referred = referral.http.post(f"/cases/{case_id}/referrals", json={
        "receiver_id": "anding-hospital", "consent": CONSENT, "actor": TEAM})
    ids["referral"] = {"case_id": case_id, "referral_id": referred.json()["referral_id"]}
    return ids


def commands(running: Running) -> list[APIOperation[Any, Any, Any, Any]]:
    """Every POST and PUT of the service's OpenAPI schema (a broken schema fails here)."""
    schema = schemathesis.openapi.from_dict(running.http.app.openapi())  # type: ignore[attr-defined]
    loaded = schema.get_all_operations()
    operations = [op.ok() for op in loaded]  # type: ignore[union-attr]
    return [op for op in operations if op.method.upper() in ("POST", "PUT")]


# Who acts, when nudged: those allowed most commands (a random role is mostly a 403).
STAFF = ["crisis_team", "psych_teacher", "class_teacher", "principal", "receiver_liaison"]
DATE_FIELDS = {"made_on", "review_on", "held_on", "birth_date"}
AROUND_A_YEAR = timedelta(days=400)  # either side of the bounds of a year
# Fixed for the run: hypothesis replays draws, which must not depend on the clock.
NOW = datetime.now(UTC).replace(microsecond=0)


def nudged(data: st.DataObject, body: Any) -> Any:
    """The generated body with, drawn, its actor's role among the staff and its dates and
    times around today (either side of the bounds): past the 403s and 422s that random
    roles and years make, to where events are made. Still input the schema allows."""
    if isinstance(body, list):
        return [nudged(data, item) for item in body]
    if not isinstance(body, dict):
        return body
    changed = {}
    for key, value in body.items():
        if key == "role" and isinstance(value, str):
            changed[key] = data.draw(st.sampled_from(STAFF))
        elif key in DATE_FIELDS and isinstance(value, str):
            changed[key] = data.draw(st.dates(min_value=(NOW - AROUND_A_YEAR).date(),
                                              max_value=(NOW + AROUND_A_YEAR).date())
                                     ).isoformat()
        elif key in {"at", "given_at", "guardian_given_at", "recorded_at", "occurred_at",
                     "observed_at"} and isinstance(value, str):
            moment = data.draw(st.datetimes(min_value=(NOW - AROUND_A_YEAR).replace(tzinfo=None),
                                            max_value=NOW.replace(tzinfo=None)))
            changed[key] = moment.replace(tzinfo=UTC).isoformat()
        else:
            changed[key] = nudged(data, value)
    return changed


def send(running: Running, case: Any, ids: dict[str, str]) -> int:
    """The generated request, its path naming the seeded case; its status code."""
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]
    if case.headers is not None and "authorization" in case.headers:
        case.headers["authorization"] = f"Bearer {RECEIVER_TOKEN}"
    sent = case.as_transport_kwargs(base_url="http://testserver")
    files = sent.get("files")
    if files:  # multipart: schemathesis' requests-style parts, as httpx takes them
        sent["files"] = [(name, (filename, str(content) if isinstance(content, int)
                                 else content)) for name, (filename, content) in files]
    sent.pop("cookies", None)
    response = running.http.request(**sent)
    assert response.status_code < 500, (case.operation.label, response.text)
    if response.status_code == 422:
        refused = response.json()["detail"]
        # An input the bounds let through but the bus contract refuses: a bound is missing.
        assert not (isinstance(refused, list)
                    and any(e.get("type") == "event_contract" for e in refused)), \
            (case.operation.label, refused)
    code: int = response.status_code
    return code


@pytest.fixture
def services(store_url: tuple[str, str | None],
             tmp_path: Path) -> Iterator[dict[str, Running]]:
    tokens = {"receiver_tokens": {"anding-hospital": RECEIVER_TOKEN}}
    with all_served(store_url, tmp_path, extra={"referral": tokens}) as running:
        yield running


async def relay_all(nats_url: str, services: dict[str, Running]) -> dict[str, int]:
    """Each service's relay to a real nats-server until nothing is left; what each relayed."""
    nc = await connect(nats_url, "fuzz-drain", BusLogin("test"))
    try:
        await ensure_streams(nc.jetstream())
        relayed = {}
        for name, running in services.items():
            relay = OutboxRelay(app=running.app, published=running.entry.published,
                                js=nc.jetstream(), positions=tracking_store(
                                    f"{name}_relay", running.settings.relay_store_env()))
            while await relay.relay_once():
                pass
            assert relay.stuck is None, relay.stuck
            assert relay.last_relayed() == (running.app.recorder.max_notification_id() or 0)
            relayed[name] = relay.last_relayed()
        return relayed
    finally:
        await nc.close()


def test_every_outbox_drains_whatever_valid_schema_input_the_apis_are_sent(
        services: dict[str, Running], nats_url: str,
        record_property: Any) -> None:
    ids = seed(services)
    operations = [(name, op) for name, running in services.items()
                  for op in commands(running)]
    outcomes: Counter[tuple[str, int]] = Counter()  # (operation, status code)

    @settings(max_examples=ROUNDS, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def a_round(data: st.DataObject) -> None:
        for name, operation in operations:
            case = data.draw(operation.as_strategy(), label=operation.label)
            # Three in four nudged, the rest as schemathesis made them.
            if isinstance(case.body, dict) and data.draw(st.integers(0, 3), label="nudged"):
                case.body = nudged(data, case.body)
            outcomes[operation.label, send(services[name], case, ids[name])] += 1

    a_round()
    relayed = asyncio.run(relay_all(nats_url, services))
    for name, running in services.items():
        status = running.http.get("/health")
        assert status.status_code == 200, (name, status.text)
    statuses: Counter[int] = Counter()
    for (_, code), times in outcomes.items():
        statuses[code] += times
    accepted = {label for label, code in outcomes if code < 300}
    requests = sum(statuses.values())
    record_property("generated_requests", requests)
    print(f"\n{requests} generated requests to {len(operations)} POST/PUT operations, by "
          f"status {dict(sorted(statuses.items()))}; {len(accepted)} operations accepted "
          f"some; never accepted: {sorted({op.label for _, op in operations} - accepted)}; "
          f"events relayed {relayed}")
    assert accepted
