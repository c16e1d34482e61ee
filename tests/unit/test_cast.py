"""The demo's people: users of the data directory's built-in issuer, added once, each signed
in as who the directory says they are; a system another issuer signs for has no demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetrail.cli.cast import AUDITOR, CRISIS_TEAM_HEAD, EVERYONE, Cast, liaison
from casetrail.cli.demo import demo
from casetrail.cli.runtime import Runtime
from casetrail.identity.issuer import AUDIENCE, ISSUER, UserDirectory, issuer_dir
from casetrail.identity.principal import Principal
from casetrail.identity.tokens import KeySource, TokenVerifier
from contracts.codes import Role


def verified(data_dir: Path, token: str) -> Principal:
    return TokenVerifier(ISSUER, AUDIENCE,
                         KeySource(file=issuer_dir(data_dir) / "jwks.json")).principal(token)


def test_the_cast_is_added_to_the_directory_once_however_often_the_demo_runs(
        tmp_path: Path) -> None:
    Cast.signed_in(tmp_path, "school-7")
    Cast.signed_in(tmp_path, "school-7")
    logins = [user.name for user in UserDirectory.of(tmp_path).users()]
    assert sorted(logins) == sorted(person.login for person in EVERYONE)


def test_each_person_signs_in_as_their_id_and_role_of_the_school_served(tmp_path: Path) -> None:
    cast = Cast.signed_in(tmp_path, "school-7")
    assert verified(tmp_path, cast.token(CRISIS_TEAM_HEAD)) == Principal(
        "head-1", Role.CRISIS_TEAM_HEAD, "school-7")
    assert verified(tmp_path, cast.token(AUDITOR)).school is None
    hospital = verified(tmp_path, cast.token(liaison("anding-hospital")))
    assert (hospital.role, hospital.receiver) == (Role.RECEIVER_LIAISON, "anding-hospital")
    assert cast.headers(CRISIS_TEAM_HEAD) == {
        "Authorization": f"Bearer {cast.token(CRISIS_TEAM_HEAD)}"}  # one token, kept


@pytest.mark.parametrize("signed_by", ["https://idp.school.example", None])
def test_the_demo_against_a_system_another_issuer_signs_for_says_it_needs_the_built_in_one(
        signed_by: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An OpenID Connect provider configured for `up` (or no built-in keys in the data
    directory): the demo cannot sign its people in, and says so before it does anything."""
    runtime = Runtime("nats://127.0.0.1:1", {}, signed_by=signed_by)
    assert demo(runtime, tmp_path) == 2
    said = capsys.readouterr().err
    assert "needs the built-in issuer" in said and "CASETRAIL_OIDC_ISSUER" in said
    assert not (tmp_path / "secrets").exists()  # nobody was added
