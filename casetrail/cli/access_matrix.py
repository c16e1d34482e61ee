"""`casetrail access-matrix`: who may do what in every service, rendered from the services'
`access.toml` and their APIs' routes into README.md (between its markers), so the README
says what the gates enforce; `--check` fails when the README says something else."""

from __future__ import annotations

import functools
import importlib
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from casetrail.bus.identities import SUPERVISION
from casetrail.http import guarded_routes
from casetrail.identity.access import AccessMatrix, Permission
from casetrail.personal.vault import new_master_key
from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.settings import ServiceSettings
from casetrail.worker import ApplicationThread
from contracts.codes import Role
from contracts.envelope import SERVICES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
START = "<!-- access-matrix:start -->"
END = "<!-- access-matrix:end -->"

INTRODUCTION = """\
Generated from each service's `access.toml` and its API's routes by `casetrail
access-matrix` (a unit test fails when this section and the files disagree). A cell says how
the role must stand to the case in the path: `any` (no relation needed), `school` (a case of
its school), `reporter` (its own report, or the case it went to), `assigned` (assigned to
it, or under its break-glass), `receiver` (a referral to its institution); blank, refused
(403). A token that names a school acts only for that school, whatever its role, and that
must be the service's (`CASETRAIL_SCHOOL_ID`); only auditor, district_officer,
receiver_liaison and external_professional may come with a token naming no school. A
work list (calls pending, flagged referrals, follow-ups overdue, home visits due) shows its
reader only the cases their `read_case` cell lets them read."""


def entry_of(service: str) -> ServiceEntry[Any, Any]:
    entry: ServiceEntry[Any, Any] = importlib.import_module(
        f"services.{service}.bootstrap").ENTRY
    return entry


def read_side_api(settings_of: Mapping[str, Any]) -> tuple[FastAPI, ServiceRuntime]:
    """Supervision's API as its bootstrap builds it (no bus read until it runs)."""
    bootstrap = importlib.import_module("services.supervision.bootstrap")
    settings = importlib.import_module("services.supervision.config").SupervisionSettings
    api: FastAPI = bootstrap.live(settings.model_validate(settings_of))
    runtime: ServiceRuntime = api.state.runtime
    return api, runtime


def access_of(service: str) -> AccessMatrix:
    return AccessMatrix.load(ROOT / "services" / service / "access.toml")


@contextmanager
def service_apis() -> Iterator[dict[str, FastAPI]]:
    """Every service's API as its bootstrap builds it, supervision's too, on a throw-away
    store: for their routes."""
    with tempfile.TemporaryDirectory(prefix="casetrail-access-matrix-") as scratch:
        built: list[ServiceRuntime] = []
        apis = {}
        try:
            for service in SERVICES:
                entry = entry_of(service)
                kind = entry.settings
                assert isinstance(kind, type) and issubclass(kind, ServiceSettings)
                settings = kind.model_validate({"CASETRAIL_DATA_DIR": scratch,
                                                "CASETRAIL_PSEUDONYM_KEY": "routes-only",
                                                "data_master_key": new_master_key()})
                app = entry.checked_application(settings)
                runtime = ServiceRuntime(settings=settings, app=app,
                                         thread=ApplicationThread(f"{service}-routes"))
                built.append(runtime)
                apis[service] = entry.build_api(runtime, app)
            apis[SUPERVISION], runtime = read_side_api({"CASETRAIL_DATA_DIR": scratch})
            built.append(runtime)
            yield apis
        finally:
            for runtime in built:
                runtime.thread.shutdown()
                runtime.app.close()


def routes_by_action(api: FastAPI) -> dict[str, list[str]]:
    """Each action's routes, as `METHOD /path`."""
    routes: dict[str, list[str]] = {}
    for route, permission in guarded_routes(api):
        for method in sorted(route.methods or ()):
            routes.setdefault(permission.action, []).append(f"{method} {route.path}")
    return routes


def _cell(permission: Permission, role: Role) -> str:
    relations = permission.relations.get(role)
    return " or ".join(sorted(relations)) if relations is not None else ""


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def table(service: str, access: AccessMatrix, routes: Mapping[str, Sequence[str]]) -> str:
    """One service's matrix: a row per action, a column per role the service lets in."""
    roles = [role for role in Role
             if any(role in p.relations for p in access.permissions.values())]
    shut_out = [role.value for role in Role if role not in roles]
    lines = [f"### {service}", "",
             "| action | what | route | " + " | ".join(r.value for r in roles) + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in roles) + " |"]
    for action, permission in access.permissions.items():
        where = ("<br>".join(f"`{route}`" for route in routes.get(action, ()))
                 or "(checked inside another action's route)")
        lines.append(f"| {action} | {_escape(permission.what)} | {where} | "
                     + " | ".join(_cell(permission, role) for role in roles) + " |")
    if shut_out:
        lines += ["", "No action here for: " + ", ".join(shut_out) + "."]
    return "\n".join(lines)


def render(matrices: Mapping[str, tuple[AccessMatrix, Mapping[str, Sequence[str]]]]) -> str:
    """The section's text between the markers."""
    return "\n\n".join([INTRODUCTION, *(table(service, access, routes)
                                        for service, (access, routes) in matrices.items())])


@functools.cache  # the files do not change while a command runs
def rendered() -> str:
    with service_apis() as apis:
        return render({service: (access_of(service), routes_by_action(api))
                       for service, api in apis.items()})


def with_matrix(readme: str, matrix: str) -> str:
    """The README with the matrix between its markers, else in a section of its own at the
    end."""
    block = f"{START}\n{matrix}\n{END}"
    if START in readme and END in readme:
        before, rest = readme.split(START, 1)
        return before + block + rest.split(END, 1)[1]
    return readme.rstrip("\n") + "\n\n## Who may do what\n\n" + block + "\n"


def access_matrix(readme: Path = README, *, check: bool = False) -> int:
    current = readme.read_text(encoding="utf-8")
    wanted = with_matrix(current, rendered())
    if wanted == current:
        return 0
    if check:
        print(f"casetrail access-matrix: {readme} does not show the access matrix as the "
              "services' access.toml files have it; run `casetrail access-matrix`",
              file=sys.stderr)
        return 1
    readme.write_text(wanted, encoding="utf-8")
    print(f"wrote the access matrix into {readme}")
    return 0
