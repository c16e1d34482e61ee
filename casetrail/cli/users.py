"""`casetrail users` and `casetrail login`: the built-in issuer's people and machine clients.

The directory and the signing key live in the data directory's `secrets` (0600): whoever
may read them may sign in as anyone, as with any issuer's key. A school with its own
OpenID Connect provider sets CASETRAIL_OIDC_* instead and uses none of this.
"""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta
from pathlib import Path

from casetrail.identity.issuer import (
    TOKEN_LIFETIME,
    LocalIssuer,
    UnknownUser,
    UserDirectory,
    issuer_dir,
)
from contracts.codes import Role

LONGEST_LOGIN = timedelta(hours=12)


def add_user(directory: Path, name: str, role: str, school: str | None,
             receiver: str | None, user_id: str | None) -> int:
    try:
        user, password = UserDirectory.of(directory).add(
            name, Role(role), school, receiver=receiver, user_id=user_id)
    except ValueError as refused:
        print(f"casetrail users add: {refused}", file=sys.stderr)
        return 2
    print(f"{user.name}: id {user.id}, {user.role.value}"
          + (f" of {user.school}" if user.school else "")
          + (f" for receiver {user.receiver}" if user.receiver else ""))
    print(f"password (shown once): {password}")
    print(f"sign in: casetrail login {user.name}")
    return 0


def list_users(directory: Path) -> int:
    for user in sorted(UserDirectory.of(directory).users(), key=lambda u: u.name):
        print(f"{user.name:<24}{user.id:<18}{user.role.value:<20}{user.school or ''}"
              + (f"  receiver {user.receiver}" if user.receiver else ""))
    return 0


def remove_user(directory: Path, name: str) -> int:
    if not UserDirectory.of(directory).remove(name):
        print(f"casetrail users remove: no user {name!r}", file=sys.stderr)
        return 2
    print(f"removed {name}; the tokens already given expire within the hour")
    return 0


def login(directory: Path, name: str, *, password_from_stdin: bool, minutes: int | None) -> int:
    """Prints a short-lived bearer token: `export CASETRAIL_TOKEN=$(casetrail login NAME)`."""
    lifetime = timedelta(minutes=minutes) if minutes else TOKEN_LIFETIME
    if not timedelta(0) < lifetime <= LONGEST_LOGIN:
        print(f"casetrail login: a token lasts at most {LONGEST_LOGIN.seconds // 3600} hours",
              file=sys.stderr)
        return 2
    password = (sys.stdin.readline().rstrip("\n") if password_from_stdin
                else getpass.getpass(f"password for {name}: "))
    try:
        user = UserDirectory.of(directory).authenticate(name, password)
    except UnknownUser:
        print("casetrail login: unknown user or wrong password", file=sys.stderr)
        return 2
    print(LocalIssuer(issuer_dir(directory)).issue(user.principal(), lifetime))
    return 0
