"""Signing in with the built-in issuer's users (`casetrail users add`)."""

from __future__ import annotations

from pathlib import Path

from casetrail.identity.issuer import LocalIssuer, UnknownUser, UserDirectory, issuer_dir


class BuiltInPasswords:
    def __init__(self, data_dir: Path) -> None:
        self.users = UserDirectory.of(data_dir)
        self.issuer = LocalIssuer(issuer_dir(data_dir))

    def sign_in(self, name: str, password: str) -> str:
        try:
            user = self.users.authenticate(name, password)
        except UnknownUser:
            raise ValueError("no such user, or not that password") from None
        return self.issuer.issue(user.principal())

    def staff(self, school: str) -> list[tuple[str, str]]:
        return [(user.id, user.name) for user in self.users.users() if user.school == school]
