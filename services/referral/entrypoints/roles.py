"""Who may do what through referral's API: one table, next to the endpoints that use it.

The role is the command's actor (or the reader's header), trusted as the APIs sit behind
the school's authenticating gateway; which role may do what is this service's to check.
A refusal is a 403 that says who may.
"""

from __future__ import annotations

from dataclasses import dataclass

from casetrail.http import require_role
from contracts.codes import Role


@dataclass(frozen=True)
class Permission:
    what: str
    roles: frozenset[Role]

    def allows(self, role: Role) -> bool:
        return role in self.roles

    def check(self, role: Role) -> None:
        require_role(role, self.roles, self.what)


def _may(what: str, *roles: Role) -> Permission:
    return Permission(what, frozenset(roles))


# Those who follow the student day to day, and the school's psychology staff and leaders.
_AFTERCARE = (Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.CRISIS_TEAM, Role.GRADE_LEADER,
              Role.PRINCIPAL)

REFER = _may("make a referral", Role.CRISIS_TEAM, Role.PRINCIPAL, Role.PSYCH_TEACHER)
OVERRIDE = _may("disclose under the safety override", Role.CRISIS_TEAM, Role.PRINCIPAL)
ANSWER = _may("record a receiver's answer", Role.RECEIVER_LIAISON, Role.CRISIS_TEAM,
              Role.PSYCH_TEACHER)
FOLLOW_UP = _may("record a follow-up", *_AFTERCARE)
RETURN_PLAN = _may("plan the return to school", *_AFTERCARE)
HOME_VISIT = _may("record a home visit", *_AFTERCARE)
CLOSE = _may("close a case: that is the crisis team's", Role.CRISIS_TEAM, Role.PRINCIPAL)
REOPEN = _may("reopen a case", Role.CRISIS_TEAM, Role.PRINCIPAL)
# The packet names the student and the family and carries the team's summary.
READ_PACKET = _may("read a referral packet", Role.PSYCH_TEACHER, Role.CRISIS_TEAM,
                   Role.PRINCIPAL, Role.AUDITOR)
