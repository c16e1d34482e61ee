"""Bearer tokens for tests, from a built-in issuer of their own: every service a test
starts (in process or as a process) verifies them, as `pytest_configure` points
`CASETRAIL_OIDC_JWKS_FILE` at this issuer's keys."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from casetrail.cli.cast import Cast
from casetrail.identity.issuer import TOKEN_LIFETIME, LocalIssuer
from casetrail.identity.principal import Principal
from contracts.codes import Role

SCHOOL = "school-1"
OTHER_SCHOOL = "school-2"
ISSUER = LocalIssuer(Path(tempfile.mkdtemp(prefix="casetrail-test-issuer-")))


def use_test_issuer() -> None:
    ISSUER.ensure()
    os.environ["CASETRAIL_OIDC_JWKS_FILE"] = str(ISSUER.jwks_file)
    os.environ["CASETRAIL_SCHOOL_ID"] = SCHOOL


def token(role: Role | str, *, subject: str | None = None, school: str | None = SCHOOL,
          receiver: str | None = None, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    role = Role(role)
    return ISSUER.issue(Principal(subject or f"{role.value}-1", role, school, receiver),
                        lifetime)


def bearer(role: Role | str, *, subject: str | None = None, school: str | None = SCHOOL,
           receiver: str | None = None, lifetime: timedelta = TOKEN_LIFETIME
           ) -> dict[str, str]:
    """The Authorization header of a principal with this role (of the test school)."""
    return {"Authorization": "Bearer " + token(role, subject=subject, school=school,
                                               receiver=receiver, lifetime=lifetime)}


def cast() -> Cast:
    """The people of `casetrail.cli.cast`, signed in by the tests' issuer (of the test school)."""
    return Cast(lambda person: ISSUER.issue(person.principal(SCHOOL)))
