"""Whatever a client sends that the OpenAPI schema allows, every outbox drains: schemathesis
drives every POST and PUT of the four services (path parameters naming records seeded for
each, tests/integration/fuzz_seed.py), and then each service's relay publishes every stored
event to a real nats-server, none left stuck; every answer is one its operation declares.
Half the requests are fitted to be carried out (tests/integration/fuzz_fits.py), the rest
nudged or left as made; every operation must be carried out at least once, so that the
events it records are among those relayed.

    .venv/bin/pytest tests/integration/test_outbox_drains.py -q -s   # prints the counts
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.schemas import APIOperation

from casetrail.bus.identities import BusLogin
from casetrail.bus.relay import OutboxRelay
from casetrail.http import IDEMPOTENCY_KEY
from casetrail.identity.access import Permission
from casetrail.service import connect
from casetrail.store import tracking_store
from contracts.streams import ensure_streams
from tests.application.all_services import Running, all_served
from tests.integration.fuzz_fits import FITS, STAFF, nudged, permissions, signed_in
from tests.integration.fuzz_seed import RECEIVER, RECEIVER_TOKEN, Seeded, seed
from tests.integration.openapi_checks import CONFORMANCE

# Rounds of one generated request to every POST and PUT: 25 requests a round.
ROUNDS = int(os.environ.get("CASETRAIL_FUZZ_ROUNDS", "30"))
# Each request as schemathesis made it, nudged (roles among the staff, dates around the
# bounds), or fitted to be carried out (tests/integration/fuzz_fits.py); fitted first.
MODES = ("fitted", "fitted", "nudged", "raw")


def commands(running: Running) -> list[APIOperation[Any, Any, Any, Any]]:
    """Every POST and PUT of the service's OpenAPI schema (a broken schema fails here)."""
    schema = schemathesis.openapi.from_dict(running.http.app.openapi())  # type: ignore[attr-defined]
    loaded = schema.get_all_operations()
    operations = [op.ok() for op in loaded]  # type: ignore[union-attr]
    return [op for op in operations if op.method.upper() in ("POST", "PUT")]


def drawn(data: st.DataObject, operation: APIOperation[Any, Any, Any, Any],
          path: dict[str, str], seeded: Seeded, permission: Permission) -> tuple[Any, str]:
    """A generated request to the operation, its path naming seeded records, and its body
    as made, nudged or fitted, and which of those; signed in as drawn (nudged) or as a role
    that may act (fitted), or with whatever credentials schemathesis made (raw)."""
    case = data.draw(operation.as_strategy(), label=operation.label)
    for name in case.path_parameters or {}:
        if name in path:
            case.path_parameters[name] = path[name]
    mode = data.draw(st.sampled_from(MODES), label="mode")
    if mode != "raw" and isinstance(case.body, dict):
        case.body = nudged(data, case.body, within=mode == "fitted")
    if mode == "nudged":
        signed_in(case, data.draw(st.sampled_from(STAFF), label="role"))
    if mode == "fitted":
        FITS[operation.label](data, case, seeded, permission)
        # A fresh key or none: generated ones repeat, and a repeat with another body is a 422.
        case.headers.pop(IDEMPOTENCY_KEY, None)
        if data.draw(st.booleans(), label="keyed"):
            case.headers[IDEMPOTENCY_KEY] = str(uuid4())
    return case, mode


def send(running: Running, case: Any) -> int:
    """The generated request; its status code."""
    sent = case.as_transport_kwargs(base_url="http://testserver")
    files = sent.get("files")
    if files:  # multipart: schemathesis' requests-style parts, as httpx takes them
        sent["files"] = [(name, (filename and sheet_name(content),
                                 str(content) if isinstance(content, int) else content))
                         for name, (filename, content) in files]
    sent.pop("cookies", None)
    response = running.http.request(**sent)
    assert response.status_code < 500, (case.operation.label, response.text)
    # Carried out or refused, the answer is one the operation declares.
    case.validate_response(response, checks=CONFORMANCE)
    if response.status_code == 422:
        refused = rules_broken(response.json())
        # An input the bounds let through but the bus contract refuses: a bound is missing.
        assert not (isinstance(refused, list)
                    and any(e.get("type") == "event_contract" for e in refused)), \
            (case.operation.label, refused)
    code: int = response.status_code
    return code


def rules_broken(body: dict[str, Any]) -> Any:
    """A 422's items as the API's JSON gives them; the FHIR facade's OperationOutcome names
    each rule broken in its issue's details."""
    if body.get("resourceType") != "OperationOutcome":
        return body["detail"]
    return [{"type": coding["code"]} for issue in body["issue"]
            for coding in issue.get("details", {}).get("coding", [])]


def sheet_name(content: Any) -> str:
    """An uploaded file's name, as a school's would be: its contents read as a sheet."""
    return "answers.xlsx" if isinstance(content, bytes) and content[:2] == b"PK" else "answers.csv"


@pytest.fixture
def services(store_url: tuple[str, str | None],
             tmp_path: Path) -> Iterator[dict[str, Running]]:
    tokens = {"receiver_tokens": {RECEIVER: RECEIVER_TOKEN}}
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
    seeded = seed(services)
    operations = [(name, op) for name, running in services.items()
                  for op in commands(running)]
    permitted = {label: permission for running in services.values()
                 for label, permission in permissions(running.http.app).items()}
    labels = [op.label for _, op in operations]
    # The chassis' erasure route is every service's: a label is one service's operation.
    assert len({(name, op.label) for name, op in operations}) == len(operations), \
        "an operation label names two operations of one service"
    assert not set(labels) - set(FITS), f"no fit for {sorted(set(labels) - set(FITS))}"
    outcomes: Counter[tuple[str, str, int]] = Counter()  # (operation, mode, status code)

    @settings(max_examples=ROUNDS, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def a_round(data: st.DataObject) -> None:
        for name, operation in operations:
            case, mode = drawn(data, operation, seeded.path_of(name, operation.label), seeded,
                               permitted[operation.label])
            outcomes[operation.label, mode, send(services[name], case)] += 1

    a_round()
    relayed = asyncio.run(relay_all(nats_url, services))
    for name, running in services.items():
        status = running.http.get("/health")
        assert status.status_code == 200, (name, status.text)
    report(outcomes, relayed, record_property)
    never = sorted(set(labels) - {label for label, _, code in outcomes if code < 300})
    assert not never, f"never accepted: {never}"


def report(outcomes: Counter[tuple[str, str, int]], relayed: dict[str, int],
           record_property: Any) -> None:
    """The counts, printed with -s: requests by status, and per operation how many were
    carried out (2xx) and how many of those had been fitted, nudged or left as made."""
    statuses: Counter[int] = Counter()
    accepted: dict[str, Counter[str]] = {label: Counter() for label, _, _ in outcomes}
    for (label, mode, code), times in outcomes.items():
        statuses[code] += times
        if code < 300:
            accepted[label][mode] += times
    requests = sum(statuses.values())
    carried_out = sum(1 for modes in accepted.values() if modes)
    record_property("generated_requests", requests)
    record_property("operations_accepted", carried_out)
    print(f"\n{requests} generated requests to {len(accepted)} POST/PUT operations, by status "
          f"{dict(sorted(statuses.items()))}; {carried_out} operations accepted; events "
          f"relayed {relayed}. Accepted per operation (fitted/nudged/raw):")
    for label, modes in sorted(accepted.items(), key=lambda item: (item[1].total(), item[0])):
        print(f"  {modes.total():3d} ({modes['fitted']}/{modes['nudged']}/{modes['raw']})  "
              f"{label}")
