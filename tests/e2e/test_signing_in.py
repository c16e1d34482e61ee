"""A newcomer's path on a real `casetrail up` with its built-in issuer: add a user, sign in,
use the token; without one (or with one signed by another key) no route answers but 401."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from casetrail.cli.runtime import Runtime
from casetrail.identity.issuer import LocalIssuer
from casetrail.identity.principal import Principal
from contracts.codes import Role
from tests.e2e.running_up import Up, running_up

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="reads /proc for the children of `up`")]

# Answer without a token: the liveness probes and the API's documentation.
# /fhir/metadata is public by design: a FHIR client reads it before it has a token.
OPEN = re.compile(r"^/(health|docs|redoc|openapi\.json|fhir/metadata)")


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    """As a school starts it: no OpenID Connect provider, so the built-in issuer signs."""
    with running_up(tmp_path_factory.mktemp("newcomer"), leave_out=(
            "CASETRAIL_OIDC_ISSUER", "CASETRAIL_OIDC_JWKS_URL", "CASETRAIL_OIDC_JWKS_FILE",
            "CASETRAIL_SCHOOL_ID")) as running:
        yield running


def casetrail(up: Up, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "casetrail.cli.main", *args,
                           "--data-dir", str(up.data_dir)], input=stdin,
                          capture_output=True, text=True, timeout=120)


def every_route(base: str) -> list[tuple[str, str]]:
    """(method, path) of each operation in the service's OpenAPI, its path parameters
    filled with a random id."""
    spec = httpx.get(f"{base}/openapi.json").json()
    return [(method.upper(), re.sub(r"\{[^}]+\}", str(uuid4()), path))
            for path, operations in spec["paths"].items() for method in operations]


def test_a_newcomer_added_and_signed_in_is_let_in_with_the_token(up: Up) -> None:
    added = casetrail(up, "users", "add", "li.hua", "--role", "psych_teacher", "--school",
                      "school-1")
    assert added.returncode == 0, added.stderr
    password = re.search(r"password \(shown once\): (\S+)", added.stdout)
    assert password is not None
    signed_in = casetrail(up, "login", "li.hua", "--password-stdin", stdin=password[1] + "\n")
    assert signed_in.returncode == 0, signed_in.stderr
    token = signed_in.stdout.strip()
    intake = Runtime.load(up.data_dir).services["intake"]
    scheduled = httpx.post(f"{intake}/screenings", json={
        "instrument": "asq", "held_on": date.today().isoformat()},
        headers={"Authorization": f"Bearer {token}"})
    assert scheduled.status_code == 201, scheduled.text
    screening_id = scheduled.json()["screening_id"]
    template = casetrail(up, "screening-template", screening_id,
                         "--output", str(up.data_dir / "asq.csv"), "--token", token)
    assert template.returncode == 0, template.stderr

    consented = httpx.post(f"{intake}/screenings/{screening_id}/consents", json={
        "consents": [{"school_student_id": student, "student_consented": True,
                      "guardian_consented": True} for student in ("S-1", "S-2", "S-3")]},
        headers={"Authorization": f"Bearer {token}"})
    assert consented.status_code == 201, consented.text
    header = "school_student_id,q1,q2,q3,q4,q5\n"
    files = {"class-1.csv": header + "S-1,yes,no,no,no,no\nS-2,no,no,no,no,no\n",
             "class-2.csv": header + "S-3,no,no,no,no,no\nS-4,no,no,no,no,no\n",
             "class-3.csv": "school_student_id,q1\nS-5,no\n"}
    for name, text in files.items():
        (up.data_dir / name).write_text(text)
    paths = [str(up.data_dir / name) for name in files]
    imported = casetrail(up, "screening-import", screening_id, *paths, "--token", token)
    assert imported.returncode == 1, imported.stderr  # class-3 lacks items: refused whole
    lines = imported.stdout.splitlines()
    assert lines[0].startswith("[1/3] class-1.csv: 2 scored, 1 positive (1 opened a case), "
                               "0 refused; so far 2 rows in ")
    assert lines[1].startswith("[2/3] class-2.csv: 1 scored, 0 positive (0 opened a case), "
                               "1 refused; so far 4 rows in ")
    assert lines[2].startswith("    line 3: no recorded informed consent")
    assert lines[3].startswith("[3/3] class-3.csv: refused whole: ")
    assert "S-" not in imported.stdout  # no student's id is echoed
    again = casetrail(up, "screening-import", screening_id, paths[0], "--token", token)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("[1/1] class-1.csv: 2 scored, 1 positive")


def test_every_route_but_health_and_the_docs_answers_401_without_a_token(up: Up) -> None:
    let_in = []
    for service, base in Runtime.load(up.data_dir).services.items():
        routes = every_route(base)
        assert len(routes) > 3, f"{service} publishes its routes"
        for method, path in routes:
            if OPEN.match(path):
                continue
            answer = httpx.request(method, f"{base}{path}", json={})
            if answer.status_code != 401:
                let_in.append(f"{service} {method} {path}: {answer.status_code}")
    assert let_in == []


def test_a_token_signed_by_another_key_is_refused(up: Up, tmp_path: Path) -> None:
    forger = LocalIssuer(tmp_path / "forger")  # same issuer name and audience, other key
    forged = forger.issue(Principal("u-forged", Role.PRINCIPAL, "school-1"))
    referral = Runtime.load(up.data_dir).services["referral"]
    answer = httpx.get(f"{referral}/receivers", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_tool_given_a_token_the_services_refuse_prints_their_reason(up: Up) -> None:
    refused = casetrail(up, "screening-template", str(uuid4()), "--token", "not-a-token")
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("casetrail screening-template: HTTP 401: sign in first: "
                                      "the token is not a valid signed JWT")


def test_the_demo_signs_its_people_in_with_the_built_in_issuer(up: Up) -> None:
    demo = casetrail(up, "demo")
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "stages: detected → assessed → family-notified → referred → followed-up → closed" \
        in demo.stdout
    listed = casetrail(up, "users", "list").stdout
    assert "demo-crisis-team-head" in listed and "demo-liaison-anding-hospital" in listed


def test_a_district_officer_signed_in_downloads_the_figures_as_a_workbook(up: Up) -> None:
    added = casetrail(up, "users", "add", "wang.fang", "--role", "district_officer")
    assert added.returncode == 0, added.stderr
    password = re.search(r"password \(shown once\): (\S+)", added.stdout)
    assert password is not None
    token = casetrail(up, "login", "wang.fang", "--password-stdin",
                      stdin=password[1] + "\n").stdout.strip()
    output = up.data_dir / "figures.xlsx"
    figures = casetrail(up, "figures", "--from", "2026-01-01", "--to", "2026-12-31",
                        "--by", "district", "--format", "xlsx", "--output", str(output),
                        "--token", token)
    assert figures.returncode == 0, figures.stderr
    assert output.read_bytes().startswith(b"PK\x03\x04")  # an XLSX is a zip
