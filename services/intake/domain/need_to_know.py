"""Who may be made responsible for a case, and how long a break-glass stays open."""

from __future__ import annotations

from datetime import timedelta

from contracts.codes import Role

# The crisis-team head assigns a responsible psychology teacher (or the class teacher who
# follows the student day to day, or a professional from outside who assesses).
ASSIGNABLE = frozenset({Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.EXTERNAL_PROFESSIONAL})
# A break-glass is short: long enough for an emergency, then the case closes to them again.
LONGEST_BREAK_GLASS = timedelta(hours=2)


def assignment_problem(role: Role, already: bool) -> str | None:
    if role not in ASSIGNABLE:
        names = ", ".join(sorted(r.value for r in ASSIGNABLE))
        return f"a {role.value} is not assigned to cases (assignable: {names})"
    if already:
        return "they are assigned to this case already"
    return None


def break_glass_problem(lasting: timedelta) -> str | None:
    if lasting <= timedelta(0):
        return "a break-glass must last some minutes"
    if lasting > LONGEST_BREAK_GLASS:
        return (f"a break-glass lasts at most {LONGEST_BREAK_GLASS.seconds // 60} minutes; "
                "ask the crisis-team head for an assignment instead")
    return None
