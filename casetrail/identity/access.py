"""What each role may do: a service's access matrix, read from its `access.toml`, and the
FastAPI dependency by which every route says which action it is.

The dependency verifies the bearer token (401), checks the role (403, saying who may), that
a school's staff act for the service's school (`CASETRAIL_SCHOOL_ID`), and, for a case in the
path, how the principal stands to the case (their school's case, their own report, their
assignment, an open break-glass); the route receives the principal, who is the actor of
whatever it records. OpenAPI shows each route's action and roles.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar
from uuid import UUID

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from casetrail.identity.principal import Principal
from casetrail.identity.tokens import Unauthenticated, verified_once
from contracts.codes import Role

if TYPE_CHECKING:
    from casetrail.service import ServiceRuntime

T = TypeVar("T")


class Relation(StrEnum):
    """How a principal must stand to the case in the path for a role to be allowed."""

    ANY = "any"  # no case in question, or a role that reads across cases (auditor)
    SCHOOL = "school"  # a case of the principal's school
    REPORTER = "reporter"  # a case the principal reported to
    ASSIGNED = "assigned"  # a case the principal is assigned to, or holds a break-glass for
    RECEIVER = "receiver"  # a referral sent to the principal's institution (the application)


SAYS = {Relation.ANY: "", Relation.SCHOOL: "a case of their school",
        Relation.REPORTER: "their own report, or the case it went to",
        Relation.ASSIGNED: "a case assigned to them or under their break-glass",
        Relation.RECEIVER: "a referral to their institution"}


# Roles whose token may name no school: the district's and the auditor's, receivers' liaisons
# and outside professionals work across schools. A token that names a school acts for that
# school only, whatever its role; every other role's token (a machine client's too) must name
# the service's school.
ACROSS_SCHOOLS = frozenset({Role.AUDITOR, Role.DISTRICT_OFFICER, Role.RECEIVER_LIAISON,
                            Role.EXTERNAL_PROFESSIONAL})


class CaseRelations(Protocol):
    """How principals stand to cases, as this service has learnt it from the trail."""

    def relations(self, case_id: UUID, principal: Principal) -> frozenset[Relation]: ...


BEARER = HTTPBearer(auto_error=False, scheme_name="bearer", description=(
    "An OAuth 2 bearer token (JWT) from the school's issuer: `casetrail login` with the "
    "built-in one. A receiver's liaison system may use its own receiver token."))


def unauthenticated(reason: str) -> HTTPException:
    return HTTPException(401, f"sign in first: {reason}", headers={
        "WWW-Authenticate": 'Bearer error="invalid_token"'})


@dataclass(frozen=True, eq=False)
class Permission:
    """One action of a service's API, the roles that may take it, and how each must stand
    to the case. As a FastAPI dependency it answers the acting principal."""

    action: str
    what: str
    # Per role, the relations of which one suffices (ANY: none is needed).
    relations: Mapping[Role, frozenset[Relation]]

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(self.relations)

    def who_may(self) -> str:
        return ", ".join(
            f"{role.value} ({' or '.join(sorted(SAYS[r] for r in rels))})"
            if Relation.ANY not in rels else role.value
            for role, rels in sorted(self.relations.items()))

    def refuse(self, principal: Principal, why: str = "") -> HTTPException:
        return HTTPException(403, f"a {principal.role.value} may not {self.what}{why}; "
                                  f"who may: {self.who_may() or 'nobody'}")

    async def __call__(self, request: Request, credentials: Annotated[
            HTTPAuthorizationCredentials | None, Security(BEARER)]) -> Principal:
        if credentials is None:
            raise unauthenticated(f"{self.what} needs a bearer token")
        runtime: ServiceRuntime = request.app.state.runtime
        try:
            principal = verified_once(runtime.verifier, request.scope,
                                      credentials.credentials)
        except Unauthenticated as error:
            raise unauthenticated(str(error)) from None
        needed = self.relations.get(principal.role)
        if needed is None:
            raise self.refuse(principal)
        if principal.role not in ACROSS_SCHOOLS or principal.school is not None:
            self._for_this_school(principal, runtime.settings.school_id)
        case_id = request.path_params.get("case_id")
        if case_id is None:
            return principal
        try:
            case = UUID(str(case_id))
        except ValueError:
            return principal  # the route's own validation answers 422
        await self.check_case(runtime, case, principal)
        return principal

    async def check_case(self, runtime: ServiceRuntime, case: UUID, principal: Principal, *,
                         seen_as: Callable[[frozenset[Relation]], frozenset[Relation]]
                         | None = None, why: str | None = None) -> None:
        """403 unless the principal (whose role the gate let in) stands to the case as their
        cell needs; `seen_as` narrows what the book says for a record within the case (a
        report is its own reporter's), `why` words the refusal."""
        needed = self.relations[principal.role]
        if needed & {Relation.ANY, Relation.RECEIVER}:
            return
        assert runtime.relations is not None, "the runtime always has a relation book"
        held = await runtime.thread.run(runtime.relations.relations, case, principal)
        if not needed & (seen_as(held) if seen_as else held):
            raise self.refuse(principal, why or " on this case: only on "
                              + " or ".join(sorted(SAYS[r] for r in needed)))

    def _for_this_school(self, principal: Principal, school: str | None) -> None:
        """A school's staff act for their school only, whether or not a case is in question:
        a token of another school (or of none) may not act on this school's service."""
        if principal.school is None:
            raise self.refuse(principal, " here: the token names no school")
        if school is None:
            raise self.refuse(principal, " here: this service is set to serve no school "
                                         "(CASETRAIL_SCHOOL_ID)")
        if principal.school != school:
            raise self.refuse(principal, " here: the token acts for another school")

    def visible(self, book: CaseRelations, principal: Principal,
                case_ids: Iterable[UUID]) -> list[UUID]:
        """Of these cases, those the principal (whom the gate let in) may take this action on,
        in order: what a work list may show them. Call it on the application's thread, as the
        book reads the store."""
        needed = self.relations.get(principal.role)
        if needed is None:
            return []
        if Relation.ANY in needed:
            return list(case_ids)
        return [case for case in case_ids if needed & book.relations(case, principal)]

    def visible_items(self, book: CaseRelations, principal: Principal, items: Sequence[T],
                      case_of: Callable[[T], UUID]) -> list[T]:
        """Of a work list's items, in order, those of the cases `visible` keeps (each case
        asked about once)."""
        kept = set(self.visible(book, principal, sorted({case_of(item) for item in items})))
        return [item for item in items if case_of(item) in kept]

    def openapi(self) -> dict[str, Any]:
        return {"action": self.action, "what": self.what,
                "roles": {role.value: sorted(r.value for r in rels)
                          for role, rels in sorted(self.relations.items())}}


class AccessMatrix:
    """A service's actions by name, from its `access.toml`."""

    def __init__(self, permissions: Mapping[str, Permission]) -> None:
        self.permissions = dict(permissions)

    @classmethod
    def load(cls, path: Path) -> AccessMatrix:
        table = tomllib.loads(path.read_text())
        permissions = {}
        for action, entry in table.items():
            unknown = set(entry) - {"what", "roles"}
            if unknown or "what" not in entry:
                raise ValueError(f"{path}: [{action}] needs `what` and `roles`, only them")
            permissions[action] = Permission(action, entry["what"], {
                Role(role): frozenset(Relation(r) for r in ([rels] if isinstance(rels, str)
                                                            else rels))
                for role, rels in entry.get("roles", {}).items()})
        return cls(permissions)

    def depends(self, action: str) -> Any:
        """The FastAPI dependency of an action, for `Annotated[Principal, ...]`."""
        return Depends(self.permissions[action])

    def __getitem__(self, action: str) -> Permission:
        return self.permissions[action]


def permission_of(dependencies: list[Any]) -> Permission | None:
    """The permission among a route's dependencies (FastAPI's dependant tree)."""
    for dependant in dependencies:
        if isinstance(dependant.call, Permission):
            return dependant.call
        found = permission_of(dependant.dependencies)
        if found is not None:
            return found
    return None
