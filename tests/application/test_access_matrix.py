"""Every cell of every service's access matrix, tried over HTTP against the services' APIs in
process: a role the matrix leaves out is refused naming the action and who may; a role in it,
standing to the case as its cell says, gets past the gate; another school, no assignment or an
expired break-glass is refused; no token or a forged one is a 401.

The cells come from the services' `access.toml` and their APIs' routes, so a new action or
route is tried without a line here."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi.routing import APIRoute

from casetrail.bus.inbox import Subscription
from casetrail.cli.access_matrix import access_of, service_apis
from casetrail.http import guarded_routes
from casetrail.identity.access import ACROSS_SCHOOLS, Permission, Relation
from casetrail.identity.access_book import keeping_access
from casetrail.identity.issuer import LocalIssuer
from casetrail.identity.principal import Principal
from casetrail.kernel import EventMeta
from contracts.codes import BreakGlassReason, Channel, Role
from contracts.envelope import Actor
from contracts.events import intake
from contracts.events.base import EventData
from services.intake.application import IntakeApplication
from services.intake.domain.report_chain import reporter_problem
from services.supervision.domain.standings import StandingBook
from tests.application.all_services import ENTRIES, Served, all_served
from tests.application.conftest import deliver, detected, envelope
from tests.identity import OTHER_SCHOOL, SCHOOL, token
from tests.infra import fresh_schema
from tests.supervision_world import served_supervision

CASE = "{case}"  # in a sample path: the case the module's world stands on


@dataclass(frozen=True)
class Route:
    """One route of a service with the action it checks."""

    service: str
    method: str
    path: str
    # The route's own action, then the one asked for inside it (if the body asks for one).
    gates: tuple[Permission, ...]
    sample: str  # the path with a value for each parameter
    body: dict[str, Any] | None

    def __str__(self) -> str:
        return f"{self.service}-{self.gates[-1].action}-{self.method} {self.path}"


@dataclass(frozen=True)
class Cell:
    """One route and one role."""

    route: Route
    role: Role

    @property
    def service(self) -> str:
        return self.route.service

    @property
    def gates(self) -> tuple[Permission, ...]:
        return self.route.gates

    @property
    def permission(self) -> Permission:
        return self.gates[-1]

    @property
    def needed(self) -> frozenset[Relation] | None:
        """The relations of which one lets the role in; None if no gate lets it in."""
        if any(self.role not in gate.relations for gate in self.gates):
            return None
        return self.permission.relations[self.role]

    @property
    def on_a_case(self) -> bool:
        return CASE in self.route.sample

    def __str__(self) -> str:
        return f"{self.route}-{self.role.value}"


# Actions that have no route of their own: the action whose route checks them, and a body
# that asks for them.
WITHIN = {("referral", "disclose_under_safety_override"): (
    "refer", {"receiver_id": "hospital-a", "basis": "safety_override",
              "rationale": "a knife in the bag"})}


def _sample(route: APIRoute) -> str:
    """The route's path with the world's case, a fresh id or a valid code for each part."""
    path = route.path
    for param in route.dependant.path_params:
        kind = param.field_info.annotation
        if param.name == "case_id":
            value = CASE
        elif kind is UUID:
            value = str(uuid4())
        elif isinstance(kind, type) and issubclass(kind, Enum):
            value = next(iter(kind)).value
        else:
            value = "S-1"  # a school student id
        path = path.replace("{" + param.name + "}", value)
    return path


def _routes() -> list[Route]:
    found = []
    with service_apis() as apis:
        for service, api in apis.items():
            routes = guarded_routes(api)
            for route, permission in routes:
                for method in sorted(route.methods or ()):
                    found.append(Route(service, method, route.path, (permission,),
                                       _sample(route),
                                       {} if method in {"POST", "PUT"} else None))
            for (within_service, action), (outer, body) in WITHIN.items():
                if within_service == service:
                    [(route, gate)] = [(r, p) for r, p in routes if p.action == outer]
                    found.append(Route(service, "POST", route.path,
                                       (gate, access_of(service)[action]), _sample(route),
                                       body))
    return found


ROUTES = _routes()
CELLS = [Cell(route, role) for route in ROUTES for role in Role]
DENIED = [cell for cell in CELLS if cell.needed is None]
ALLOWED = [(cell, relation) for cell in CELLS if cell.needed is not None
           for relation in sorted(cell.needed)]
ALLOWED_CELLS = [cell for cell in CELLS if cell.needed is not None]
OF_A_SCHOOL = [cell for cell in ALLOWED_CELLS if cell.role not in ACROSS_SCHOOLS]
# Cells a role is let into only by its assignment (or its own report): a break-glass opens them.
BY_ASSIGNMENT = [cell for cell in CELLS if cell.on_a_case and cell.needed is not None
                 and Relation.ASSIGNED in cell.needed
                 and not cell.needed & {Relation.ANY, Relation.SCHOOL}]


Glass = Literal["none", "open", "expired"]


@dataclass
class World:
    """The four services and supervision, and one case the four know of, with principals
    standing to it as the cells need, made as they are first asked for."""

    services: dict[str, Served]
    case_id: UUID
    made: set[tuple[str, str]] = field(default_factory=set)

    def note(self, service: str, data: EventData, actor: Actor) -> None:
        """Intake's event as it reaches another service: its need-to-know record notes it
        (supervision's, as its replica of CASES reads it)."""
        book = self.services[service].runtime.relations
        if isinstance(book, StandingBook):
            book.standings.apply(envelope("intake", self.case_id, data, actor))
            return
        app = self.services[service].app
        noting = keeping_access(app, Subscription(app.name, "intake", {}))
        handler = noting.handlers[type(data).__name__]
        deliver(app, handler, envelope("intake", self.case_id, data, actor))

    def principal(self, cell: Cell, relation: Relation, *, glass: Glass = "none",
                  school: str | None = SCHOOL) -> Principal:
        """A principal of the cell's role who holds `relation` to the case, and no other; for
        ASSIGNED, by an open or expired break-glass if `glass` says so."""
        role = cell.role
        if relation in (Relation.ANY, Relation.SCHOOL, Relation.RECEIVER):
            return someone(role, school=school)
        subject = (f"{role.value}-{relation.value}" if glass == "none"
                   else f"{role.value}-glass-{glass}")
        if (cell.service, subject) not in self.made:
            self.made.add((cell.service, subject))
            self._stand(cell.service, relation, role, subject, glass)
        return someone(role, subject, school=school)

    def _stand(self, service: str, relation: Relation, role: Role, subject: str,
               glass: Glass) -> None:
        actor = Actor(role=role.value, id=subject)
        app = self.services[service].app
        if relation is Relation.REPORTER:
            if isinstance(app, IntakeApplication):
                channel = next(c for c in Channel if reporter_problem(c, role) is None)
                answer = self.services[service].http.post("/reports", json={
                    "student": {"school_student_id": "S-1"}, "channel": channel.value,
                    "signs": ["grade_swing"]}, headers=header(Principal(subject, role, SCHOOL)))
                assert answer.status_code == 201, answer.text
            else:
                self.note(service, detected(), actor)
            return
        assert relation is Relation.ASSIGNED
        if glass != "none":
            opened = datetime.now(UTC) - (timedelta(hours=3) if glass == "expired"
                                          else timedelta(0))
            if isinstance(app, IntakeApplication):
                app.open_break_glass(self.case_id, BreakGlassReason.IMMINENT_DANGER,
                                     timedelta(minutes=30),
                                     EventMeta.by(role.value, subject, occurred_at=opened))
            else:
                self.note(service, intake.BreakGlassOpened(
                    reason=BreakGlassReason.IMMINENT_DANGER,
                    until=opened + timedelta(minutes=30)), actor)
        elif isinstance(app, IntakeApplication):
            app.assign(self.case_id, subject, role, EventMeta.by("crisis_team_head", "head-1"))
        else:
            self.note(service, intake.CaseAssigned(assignee_id=subject, assignee_role=role),
                      Actor(role="crisis_team_head", id="head-1"))


def someone(role: Role, subject: str | None = None, *,
            school: str | None = SCHOOL) -> Principal:
    """A principal of the role with no relation to any case (a liaison speaks for a
    receiver)."""
    return Principal(subject or f"{role.value}-1", role, school,
                     "hospital-a" if role is Role.RECEIVER_LIAISON else None)


def header(principal: Principal) -> dict[str, str]:
    return {"Authorization": "Bearer " + token(principal.role, subject=principal.subject,
                                               school=principal.school,
                                               receiver=principal.receiver)}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          postgres: str | None) -> Iterator[World]:
    """One set of services per store for the whole module: the cells only read, or are
    refused before they change anything (the route's own 422 on an empty body)."""
    data_dir = tmp_path_factory.mktemp("matrix")
    if request.param == "sqlite":
        store = (f"sqlite:///{data_dir / 'events.db'}", None)
        with (all_served(store, data_dir) as services,
              served_supervision(store, data_dir) as supervision):
            yield _world({**services, "supervision": supervision})
        return
    if postgres is None:
        pytest.skip("postgres: set POSTGRES_URL (or run a Docker engine) to test on PostgreSQL")
    with (fresh_schema(postgres, "matrix") as schema,
          all_served((postgres, schema), data_dir) as services,
          served_supervision((postgres, schema), data_dir) as supervision):
        yield _world({**services, "supervision": supervision})
        for running in (*services.values(), supervision):
            running.app.close()


def _world(services: dict[str, Served]) -> World:
    opened = services["intake"].http.post("/reports", json={
        "student": {"school_student_id": "S-1"}, "channel": "staff_observation",
        "signs": ["grade_swing"]}, headers=header(Principal("opener", Role.CRISIS_TEAM,
                                                            SCHOOL)))
    assert opened.status_code == 201, opened.text
    world = World(services, UUID(opened.json()["case_id"]))
    for service in ENTRIES:
        if service != "intake":
            world.note(service, detected(), Actor(role="crisis_team", id="opener"))
    return world


def call(world: World, cell: Cell, headers: dict[str, str]) -> httpx.Response:
    route = cell.route
    path = route.sample.replace(CASE, str(world.case_id))
    response: httpx.Response = world.services[route.service].http.request(
        route.method, path, headers=headers,
        **({} if route.body is None else {"json": route.body}))
    return response


def detail_of(response: httpx.Response) -> str:
    """The refusal's words: the API's JSON, or the FHIR facade's OperationOutcome."""
    body = response.json()
    if body.get("resourceType") == "OperationOutcome":
        return "; ".join(issue["diagnostics"] for issue in body["issue"])
    detail: str = body["detail"]
    return detail


def refused_at_the_gate(response: httpx.Response) -> str:
    assert response.status_code == 403, response.text
    return detail_of(response)


@pytest.mark.parametrize("cell", DENIED, ids=str)
def test_a_role_the_matrix_leaves_out_is_refused_naming_the_action_and_who_may(
        world: World, cell: Cell) -> None:
    gate = next(g for g in cell.gates if cell.role not in g.relations)
    # Past the gates before the refusing one, standing to the case as they need.
    passed = [g.relations[cell.role] for g in cell.gates[:cell.gates.index(gate)]]
    principal = (world.principal(cell, sorted(passed[-1])[0]) if passed
                 else someone(cell.role))
    detail = refused_at_the_gate(call(world, cell, header(principal)))
    assert detail == (f"a {cell.role.value} may not {gate.what}; "
                      f"who may: {gate.who_may() or 'nobody'}")


@pytest.mark.parametrize(("cell", "relation"), ALLOWED,
                         ids=lambda p: str(p) if isinstance(p, Cell) else p.value)
def test_a_role_in_the_matrix_standing_to_the_case_as_its_cell_says_gets_past_the_gate(
        world: World, cell: Cell, relation: Relation) -> None:
    response = call(world, cell, header(world.principal(cell, relation)))
    assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize("cell", OF_A_SCHOOL, ids=str)
def test_a_school_role_acts_only_for_the_school_its_token_names(
        world: World, cell: Cell) -> None:
    assert cell.needed is not None
    relation = sorted(cell.needed)[0]
    elsewhere = world.principal(cell, relation, school=OTHER_SCHOOL)
    assert "acts for another school" in refused_at_the_gate(call(world, cell, header(
        elsewhere)))
    nowhere = world.principal(cell, relation, school=None)
    assert "names no school" in refused_at_the_gate(call(world, cell, header(nowhere)))


@pytest.mark.parametrize("cell", ALLOWED_CELLS, ids=str)
def test_a_token_naming_another_school_acts_for_none_here_whatever_its_role(
        world: World, cell: Cell) -> None:
    """A machine client or an auditor of another school is no more this school's than its
    staff: erasing a student here needs a token of this school."""
    assert cell.needed is not None
    elsewhere = world.principal(cell, sorted(cell.needed)[0], school=OTHER_SCHOOL)
    assert "acts for another school" in refused_at_the_gate(call(world, cell, header(
        elsewhere)))


@pytest.mark.parametrize("cell", BY_ASSIGNMENT, ids=str)
def test_a_case_closed_to_a_role_but_by_assignment_is_refused_to_one_not_assigned(
        world: World, cell: Cell) -> None:
    detail = refused_at_the_gate(call(world, cell, header(someone(cell.role))))
    assert detail.startswith(f"a {cell.role.value} may not {cell.permission.what} on this "
                             "case: only on ")


@pytest.mark.parametrize("cell", BY_ASSIGNMENT, ids=str)
def test_a_break_glass_opens_such_a_case_until_it_expires(world: World, cell: Cell) -> None:
    opened = call(world, cell, header(world.principal(cell, Relation.ASSIGNED, glass="open")))
    assert opened.status_code not in (401, 403), opened.text
    expired = world.principal(cell, Relation.ASSIGNED, glass="expired")
    assert "on this case" in refused_at_the_gate(call(world, cell, header(expired)))


FORGER = LocalIssuer(Path(tempfile.mkdtemp(prefix="casetrail-forger-")))


@pytest.mark.parametrize("cell", [c for c in CELLS if c.role is Role.CRISIS_TEAM_HEAD],
                         ids=lambda c: str(c).removesuffix("-crisis_team_head"))
def test_no_token_or_one_signed_by_another_key_is_a_401_on_every_route(
        world: World, cell: Cell) -> None:
    unsigned = call(world, cell, {})
    assert unsigned.status_code == 401 and "sign in first" in detail_of(unsigned)
    forged = FORGER.ensure().issue(Principal("head-1", Role.CRISIS_TEAM_HEAD, SCHOOL))
    assert call(world, cell, {"Authorization": f"Bearer {forged}"}).status_code == 401


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_operation_in_the_openapi_says_its_action_and_who_may(
        world: World, route: Route) -> None:
    schema = world.services[route.service].http.get("/openapi.json").json()
    operation = schema["paths"][route.path][route.method.lower()]
    gate = route.gates[0]
    assert operation["x-casetrail-access"]["action"] == gate.action
    assert f"**Who may** {gate.what}: {gate.who_may()}." in operation["description"]


def test_every_action_of_every_service_is_tried_for_every_role() -> None:
    tried = {(cell.service, cell.permission.action) for cell in CELLS}
    declared = {(service, action) for service in {c.service for c in CELLS}
                for action in access_of(service).permissions}
    assert declared == tried
    assert len(CELLS) == len(ROUTES) * len(Role) and len(CELLS) > 500
    print(f"{len(CELLS)} cells: {len(DENIED)} refused, {len(ALLOWED)} (cell, relation) let in, "
          f"{len(OF_A_SCHOOL)} of a school, {len(BY_ASSIGNMENT)} by assignment only")
