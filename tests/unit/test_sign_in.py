"""People sign in with the built-in issuer: `casetrail users add`, then `casetrail login`
prints a short-lived token the services verify."""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casetrail.cli.main import main
from casetrail.identity.issuer import AUDIENCE, ISSUER, LocalIssuer, issuer_dir
from casetrail.identity.principal import Principal
from casetrail.identity.tokens import KeySource, TokenVerifier, Unauthenticated, expires_at
from contracts.codes import Role


def _password(out: str) -> str:
    return next(line.split(": ", 1)[1] for line in out.splitlines()
                if line.startswith("password"))


def test_a_user_added_signs_in_and_the_token_names_them_by_id_role_and_school(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["users", "add", "wang.li", "--role", "crisis_team_head", "--school",
                 "school-1", "--data-dir", str(tmp_path)]) == 0
    password = _password(capsys.readouterr().out)
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["login", "wang.li", "--password-stdin", "--data-dir", str(tmp_path)]) == 0
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier(ISSUER, AUDIENCE,
                             KeySource(file=issuer_dir(tmp_path) / "jwks.json"))
    principal = verifier.principal(token)
    assert (principal.role, principal.school) == (Role.CRISIS_TEAM_HEAD, "school-1")
    assert principal.subject.startswith("u-")  # an id, never the login name
    users = tmp_path / "secrets" / "users.json"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert password not in users.read_text()


def test_a_wrong_password_gets_no_token_and_does_not_say_which_part_was_wrong(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    main(["users", "add", "zhao", "--role", "psych_teacher", "--school", "school-1",
          "--data-dir", str(tmp_path)])
    capsys.readouterr()
    for name in ("zhao", "nobody"):
        monkeypatch.setattr("sys.stdin", io.StringIO("not-the-password\n"))
        assert main(["login", name, "--password-stdin", "--data-dir", str(tmp_path)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "unknown user or wrong password" in captured.err


def test_staff_are_added_with_their_school_and_a_liaison_with_its_receiver(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "li", "--role", "class_teacher",
                 "--data-dir", str(tmp_path)]) == 2
    assert main(["users", "add", "hosp", "--role", "receiver_liaison",
                 "--data-dir", str(tmp_path)]) == 2
    assert main(["users", "add", "hosp", "--role", "receiver_liaison", "--receiver",
                 "hospital-a", "--data-dir", str(tmp_path)]) == 0
    assert "give --school" in capsys.readouterr().err


def test_a_service_trusts_a_new_issuer_key_even_when_the_key_file_keeps_its_mtime(
        tmp_path: Path) -> None:
    old, new = LocalIssuer(tmp_path / "old").ensure(), LocalIssuer(tmp_path / "new").ensure()
    published = tmp_path / "jwks.json"
    published.write_bytes(old.jwks_file.read_bytes())
    verifier = TokenVerifier(ISSUER, AUDIENCE, KeySource(file=published))
    someone = Principal("u-1", Role.PSYCH_TEACHER, "school-1", None)
    assert verifier.principal(old.issue(someone)) == someone
    seen = published.stat()
    replacement = tmp_path / "jwks.json.new"
    replacement.write_bytes(new.jwks_file.read_bytes())
    replacement.replace(published)  # rotated within the clock's resolution
    os.utime(published, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    assert verifier.principal(new.issue(someone)) == someone
    with pytest.raises(Unauthenticated):
        verifier.principal(old.issue(someone))


def test_a_verified_tokens_expiry_is_read_from_its_exp_and_another_credential_has_none(
        tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path)
    issuer.ensure()
    before = datetime.now(UTC).replace(microsecond=0)
    token = issuer.issue(Principal("pt-1", Role.PSYCH_TEACHER, "school-1"),
                         timedelta(minutes=5))
    expires = expires_at(token)
    assert expires is not None
    assert before + timedelta(minutes=5) <= expires <= datetime.now(UTC) + timedelta(minutes=5)
    assert expires_at("a-receivers-own-token") is None
