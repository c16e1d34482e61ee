"""Every operation of every service answers as its OpenAPI says, whatever it is sent:
schemathesis draws requests from each service's own schema (input it allows and input it
refuses), half of them on records seeded for their paths (tests/integration/fuzz_seed.py),
and sends them to the service in process, signed in as the school's crisis-team head (at
the receivers' FHIR endpoint, as the receiver's liaison); no answer may be a 5xx, nor a
status code, content type or body the operation does not declare. The same requests
without a token are all 401, but the health check's and those whose body cannot be decoded
at all (FastAPI reads a body before it signs anyone in: a 422 naming the body). Prints the
operations, requests and failures per service once the module is done:

    .venv/bin/pytest tests/integration/test_openapi_conformance.py -q
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation

from casetrail.cli.processes import SERVED
from casetrail.http import OPEN_PATHS
from tests.application.all_services import Running, Served, all_served
from tests.identity import bearer
from tests.infra import fresh_schema
from tests.integration.fuzz_seed import RECEIVER, Seeded, seed
from tests.integration.openapi_checks import CONFORMANCE
from tests.supervision_world import served_supervision

# Requests drawn per operation and generation mode: bounded, and the same on every run.
EXAMPLES = int(os.environ.get("CASETRAIL_CONFORMANCE_EXAMPLES", "25"))
HEAD = bearer("crisis_team_head", subject="head-1")
LIAISON = bearer("receiver_liaison", subject="liaison-1", receiver=RECEIVER)
AUDITOR = bearer("auditor", subject="auditor-1", school=None)
Operation = APIOperation[Any, Any, Any, Any]
# Who sends the requests to an operation: the Authorization header, or none.
Token = Callable[[Operation], dict[str, str]]
# What is wrong with an answer to a drawn request: (kind, example) per failure.
Judge = Callable[[Operation, Any, httpx.Response], list[tuple[str, str]]]


@dataclass
class Tally:
    """What one service answered: requests sent, their status codes, and the failures by
    operation and kind, with the first example of each."""

    operations: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)

    def failed(self, label: str, kind: str, example: str) -> None:
        self.failures[label, kind] += 1
        self.examples.setdefault((label, kind), example[:600])

    def server_errors(self) -> int:
        return sum(times for code, times in self.statuses.items() if code >= 500)

    def violations(self) -> int:
        return sum(times for (_, kind), times in self.failures.items() if kind != "ServerError")

    def line(self, name: str) -> str:
        return (f"  {name:13s} {self.operations:3d} operations {self.requests:5d} requests "
                f"{self.server_errors():3d} 5xx {self.violations():3d} violations; "
                f"statuses {dict(sorted(self.statuses.items()))}")

    def details(self) -> str:
        return "\n".join(f"    {times:4d} {kind} {label}: {self.examples[label, kind]}"
                         for (label, kind), times in sorted(self.failures.items()))


def operations(running: Served) -> list[Operation]:
    """Every operation of the service's OpenAPI schema (a broken schema fails here)."""
    schema = schemathesis.openapi.from_dict(running.http.app.openapi())  # type: ignore[attr-defined]
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def send(running: Served, case: Any, headers: dict[str, str]) -> httpx.Response:
    """The drawn request, sent to the service in process (no lifespan: no bus); with the
    token in `headers`, or with none."""
    sent = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    if not headers:
        sent["headers"] = {name: value for name, value in sent["headers"].items()
                           if name.lower() != "authorization"}
    files = sent.get("files")
    if files:  # multipart: schemathesis' requests-style parts, as httpx takes them
        sent["files"] = [(name, (filename, str(content) if isinstance(content, int) else content))
                         for name, (filename, content) in files]
    if isinstance(sent.get("data"), bytes | str):  # a raw body, as httpx takes it
        sent["content"] = sent.pop("data")
    sent.pop("cookies", None)
    response: httpx.Response = running.http.request(**sent)
    return response


def conforms(operation: Operation, case: Any, response: httpx.Response) -> list[tuple[str, str]]:
    """Schemathesis' checks: no 5xx; a declared status code, content type and body."""
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except FailureGroup as group:
        return [(type(failure).__name__, f"{failure.title}: {failure.message}")
                for failure in group.exceptions]
    return []


UNREADABLE = ("json_invalid", "body_unreadable")


def unreadable_body(response: httpx.Response) -> bool:
    """A 422 for a body that cannot be decoded at all (not JSON, not UTF-8)."""
    if response.status_code != 422:
        return False
    body = response.json()
    if body.get("resourceType") == "OperationOutcome":  # the FHIR facade's refusals
        return all(issue["expression"][0].startswith(("Task", "JsonPatch"))
                   and issue["details"]["coding"][0]["code"] in UNREADABLE
                   for issue in body["issue"])
    return all(e["loc"][0] == "body" and e["type"] in UNREADABLE for e in body["detail"])


def refused_unsigned(operation: Operation, case: Any,
                     response: httpx.Response) -> list[tuple[str, str]]:
    """Without a token: a 401, but the health check's and an unreadable body's answers."""
    if operation.path in OPEN_PATHS or response.status_code == 401 \
            or unreadable_body(response):
        return []
    return [(f"not 401 but {response.status_code}", response.text)]


def signed_in(operation: Operation) -> dict[str, str]:
    """The school's crisis-team head; at the receivers' FHIR endpoint, the liaison of the
    receiver the seeded referral went to; at the auditor's replay, the auditor."""
    if operation.path.endswith(("/state", "/trail")):
        return AUDITOR
    return LIAISON if operation.path.startswith("/fhir/") else HEAD


def unsigned(operation: Operation) -> dict[str, str]:
    return {}


def fuzz(name: str, running: Served, seeded: Seeded, token: Token, judge: Judge) -> Tally:
    """Drawn requests to every operation, input its schema allows and input it refuses;
    each answer judged."""
    tally = Tally()
    for operation in operations(running):
        tally.operations += 1
        path = seeded.path_of(name, operation.label)
        for mode in GenerationMode:
            _fuzz_operation(running, operation, mode, path, token(operation), judge, tally)
    return tally


def _fuzz_operation(running: Served, operation: Operation, mode: GenerationMode,
                    path: dict[str, str], headers: dict[str, str], judge: Judge,
                    tally: Tally) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), on_record=st.booleans())
    def one(case: Any, on_record: bool) -> None:
        if on_record:  # the path names records seeded for it, else what was drawn
            for parameter in case.path_parameters or {}:
                if parameter in path:
                    case.path_parameters[parameter] = path[parameter]
        response = send(running, case, headers)
        tally.requests += 1
        tally.statuses[response.status_code] += 1
        for kind, example in judge(operation, case, response):
            tally.failed(operation.label, kind, example)

    try:
        one()
    except Unsatisfiable:
        # Nothing of the operation can be made invalid (no parameters, no body).
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def services(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             postgres: str | None) -> Iterator[dict[str, Served]]:
    """The four services and supervision on one store kind for the module (their tests run
    in turn)."""
    data = tmp_path_factory.mktemp("conformance")
    # No relay runs here: the health check is not to call it stalled while the test runs;
    # and one person sends every request: no rate limit is to refuse them before the API.
    patient = {name: {"relay_stall_seconds": 3600, "CASETRAIL_RATE_LIMIT": "1000000/minute"}
               for name in SERVED}
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            store: tuple[str, str | None] = (f"sqlite:///{data / 'events.db'}", None)
        elif postgres is None:
            pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on "
                        "PostgreSQL")
        else:
            store = (postgres, stack.enter_context(fresh_schema(postgres)))
        services: dict[str, Served] = {**stack.enter_context(all_served(store, data, patient))}
        services["supervision"] = stack.enter_context(served_supervision(
            store, data, extra=patient["supervision"]))
        yield services


@pytest.fixture(scope="module")
def seeded(services: dict[str, Served]) -> Seeded:
    """Records of every kind a path names (tests/integration/fuzz_seed.py)."""
    return seed({name: running for name, running in services.items()
                 if isinstance(running, Running)})


@pytest.fixture(scope="module")
def figures(pytestconfig: pytest.Config) -> Iterator[dict[str, dict[str, Tally]]]:
    """Each run's tallies, printed once the module is done, with or without -s."""
    runs: dict[str, dict[str, Tally]] = {}
    yield runs
    lines = [f"OpenAPI conformance, {EXAMPLES} drawn requests per operation and mode:"]
    for run, tallies in runs.items():
        lines.append(f" {run}:")
        lines += [tally.line(name) for name, tally in tallies.items()]
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + "\n".join(lines))


def _store(request: pytest.FixtureRequest) -> str:
    store: str = request.node.callspec.params["services"]
    return store


@pytest.mark.parametrize("name", SERVED)
def test_every_answer_of_the_service_is_one_its_openapi_declares(
        services: dict[str, Served], seeded: Seeded, figures: dict[str, dict[str, Tally]],
        name: str, request: pytest.FixtureRequest) -> None:
    tally = fuzz(name, services[name], seeded, signed_in, conforms)
    figures.setdefault(f"signed in, {_store(request)}", {})[name] = tally
    assert not tally.failures, "\n" + tally.line(name) + "\n" + tally.details()


@pytest.mark.parametrize("name", SERVED)
def test_without_a_token_every_operation_but_the_health_check_is_a_401(
        services: dict[str, Served], seeded: Seeded, figures: dict[str, dict[str, Tally]],
        name: str, request: pytest.FixtureRequest) -> None:
    tally = fuzz(name, services[name], seeded, unsigned, refused_unsigned)
    figures.setdefault(f"without a token, {_store(request)}", {})[name] = tally
    assert not tally.failures, "\n" + tally.line(name) + "\n" + tally.details()
