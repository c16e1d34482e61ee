"""The people `casetrail demo`, the end-to-end tests and the benchmark act as, each signed in
with a token of their own: the school's staff from the class teacher to the principal, those
who report from outside the staff, the auditor, the receivers' liaisons, and the psychology
teacher who takes in a record from the school before.

For a data directory, `Cast.signed_in` adds them to the built-in issuer's users (once; their
passwords are never shown, they sign in through the issuer's key) and signs their tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casetrail.cli.commands import bearer
from casetrail.identity.issuer import (
    TOKEN_LIFETIME,
    LocalIssuer,
    User,
    UserDirectory,
    issuer_dir,
)
from casetrail.identity.principal import Principal
from contracts.codes import Role


@dataclass(frozen=True)
class Person:
    """One of the cast: a login name, the id the trail records, the role, and whether they
    act for the school the system serves (not: the auditor, a receiver's liaison)."""

    login: str
    id: str
    role: Role
    receiver: str | None = None
    ours: bool = True

    def principal(self, served: str) -> Principal:
        return Principal(self.id, self.role, served if self.ours else None, self.receiver)


def liaison(receiver: str) -> Person:
    return Person(f"demo-liaison-{receiver}", f"liaison-{receiver}", Role.RECEIVER_LIAISON,
                  receiver=receiver, ours=False)


CLASS_TEACHER = Person("demo-class-teacher", "teacher-1", Role.CLASS_TEACHER)
GRADE_LEADER = Person("demo-grade-leader", "grade-8-lead", Role.GRADE_LEADER)
PSYCH_TEACHER = Person("demo-psych-teacher", "psy-1", Role.PSYCH_TEACHER)
CRISIS_TEAM = Person("demo-crisis-team", "team-1", Role.CRISIS_TEAM)
CRISIS_TEAM_HEAD = Person("demo-crisis-team-head", "head-1", Role.CRISIS_TEAM_HEAD)
PRINCIPAL = Person("demo-principal", "principal-1", Role.PRINCIPAL)
HOTLINE_OPERATOR = Person("demo-hotline-operator", "hotline-1", Role.HOTLINE_OPERATOR)
GUARDIAN = Person("demo-guardian", "guardian-1", Role.GUARDIAN)
PEER = Person("demo-peer", "classmate-3", Role.PEER)
STUDENT = Person("demo-student", "student-1", Role.STUDENT)
AUDITOR = Person("demo-auditor", "auditor-1", Role.AUDITOR, ours=False)
# The middle school a primary pupil moves on to (the stage transfer), and the psychology
# teacher who takes the record in: a deployment serves one school and takes only its
# tokens, so she signs in as staff of the school served.
NEXT_SCHOOL = "middle-school-12"
NEXT_SCHOOL_PSYCH_TEACHER = Person("demo-ms12-psych-teacher", "ms12-psy", Role.PSYCH_TEACHER)
# The receivers the scenarios refer to (referral's directory of receivers).
RECEIVERS = ("anding-hospital", "huilongguan-hospital", "district-centre")

EVERYONE = (CLASS_TEACHER, GRADE_LEADER, PSYCH_TEACHER, CRISIS_TEAM, CRISIS_TEAM_HEAD,
            PRINCIPAL, HOTLINE_OPERATOR, GUARDIAN, PEER, STUDENT, AUDITOR,
            NEXT_SCHOOL_PSYCH_TEACHER, *(liaison(r) for r in RECEIVERS))

# A token is signed again this long before it expires, so a long run never sends a stale one.
RENEW_BEFORE = timedelta(minutes=5)

Sign = Callable[[Person], str]


class Cast:
    """Each person's bearer token, signed when first needed and again before it expires."""

    def __init__(self, sign: Sign) -> None:
        self.sign = sign
        self._tokens: dict[Person, tuple[str, datetime]] = {}

    def token(self, person: Person) -> str:
        now = datetime.now(UTC)
        held = self._tokens.get(person)
        if held is None or held[1] - RENEW_BEFORE <= now:
            held = (self.sign(person), now + TOKEN_LIFETIME)
            self._tokens[person] = held
        return held[0]

    def headers(self, person: Person) -> dict[str, str]:
        return bearer(self.token(person))

    @classmethod
    def signed_in(cls, data_dir: Path, school: str) -> Cast:
        """The cast as users of the built-in issuer of `data_dir` (of `school`, the one the
        system serves), each added unless already there, and signed in as the directory has
        them."""
        users = UserDirectory.of(data_dir)
        issuer = LocalIssuer(issuer_dir(data_dir)).ensure()

        def user(person: Person) -> User:
            found = users.named(person.login)
            if found is not None:
                return found
            principal = person.principal(school)
            added, _ = users.add(person.login, principal.role, principal.school,
                                 receiver=principal.receiver, user_id=principal.subject)
            return added

        # Read once: the directory is a file, read whole on every lookup.
        known = {person: user(person) for person in EVERYONE}
        return cls(lambda person: issuer.issue(known[person].principal()))
