"""The report chain: who may bring which concern in, and the levels a staff report climbs.

Schools: class → grade → school (000 item 6; 002 二(二)1). Universities: dorm → class →
faculty → school (003 item 8; 004 item 6). Pure rules, no I/O.
"""

from __future__ import annotations

from enum import StrEnum

from contracts.codes import Channel, ReportLevel, Role


class ChainKind(StrEnum):
    SCHOOL = "school"
    UNIVERSITY = "university"


CHAINS: dict[ChainKind, tuple[ReportLevel, ...]] = {
    ChainKind.SCHOOL: (ReportLevel.CLASS, ReportLevel.GRADE, ReportLevel.SCHOOL),
    ChainKind.UNIVERSITY: (ReportLevel.DORM, ReportLevel.CLASS, ReportLevel.FACULTY,
                           ReportLevel.SCHOOL),
}

# Staff who notice and report (001 一(二)1; 003 item 8), and the people above them.
STAFF = frozenset({Role.CLASS_TEACHER, Role.SUBJECT_TEACHER, Role.PSYCH_MONITOR,
                   Role.DORM_STAFF, Role.GRADE_LEADER, Role.FACULTY_LEADER,
                   Role.PSYCH_TEACHER, Role.CRISIS_TEAM, Role.PRINCIPAL})

# Who may bring a concern in through each channel. Screening and incidents have their own
# doors (imports, the incident report), so they are not open to a plain report.
REPORTERS: dict[Channel, frozenset[Role]] = {
    Channel.STAFF_OBSERVATION: STAFF,
    Channel.HOTLINE: frozenset({Role.HOTLINE_OPERATOR}),
    Channel.ONLINE_PLATFORM: frozenset({Role.HOTLINE_OPERATOR, Role.PSYCH_TEACHER,
                                        Role.SYSTEM}),
    Channel.GUARDIAN: frozenset({Role.GUARDIAN}),
    # A class psych monitor (班级心理委员) is a classmate too.
    Channel.PEER: frozenset({Role.PEER, Role.PSYCH_MONITOR}),
    Channel.SELF_REPORT: frozenset({Role.STUDENT}),
    Channel.HOME_VISIT: STAFF - {Role.PSYCH_MONITOR},
}

# Where a staff member stands; a level the chain lacks is taken by the next one up.
_ROLE_LEVEL: dict[Role, ReportLevel] = {
    Role.DORM_STAFF: ReportLevel.DORM,
    Role.CLASS_TEACHER: ReportLevel.CLASS,
    Role.SUBJECT_TEACHER: ReportLevel.CLASS,
    Role.PSYCH_MONITOR: ReportLevel.CLASS,
    Role.GRADE_LEADER: ReportLevel.GRADE,
    Role.FACULTY_LEADER: ReportLevel.FACULTY,
}
_RANK = {ReportLevel.DORM: 0, ReportLevel.CLASS: 1, ReportLevel.GRADE: 2,
         ReportLevel.FACULTY: 2, ReportLevel.SCHOOL: 3}
# The school's psychology staff and leadership stand above every level of the chain.
_SCHOOL_STAFF = frozenset({Role.PSYCH_TEACHER, Role.CRISIS_TEAM, Role.PRINCIPAL})

# Who takes a report in at each level (000 item 6; 003 item 8): the class teacher (or the
# psychology teacher) below the grade, the grade or faculty leader, the school's leadership.
ACKNOWLEDGERS: dict[ReportLevel, frozenset[Role]] = {
    ReportLevel.DORM: frozenset({Role.CLASS_TEACHER, Role.PSYCH_TEACHER}),
    ReportLevel.CLASS: frozenset({Role.CLASS_TEACHER, Role.PSYCH_TEACHER}),
    ReportLevel.GRADE: frozenset({Role.GRADE_LEADER}),
    ReportLevel.FACULTY: frozenset({Role.FACULTY_LEADER}),
    ReportLevel.SCHOOL: frozenset({Role.PRINCIPAL, Role.CRISIS_TEAM, Role.PSYCH_TEACHER}),
}


class RoleNotPermitted(Exception):
    """The actor's role may not take this step (HTTP 403), whatever the case's state."""


def check_forwarder(role: Role, level: ReportLevel) -> None:
    """Staff forward a report from their own level or one below it, never from above."""
    own = ReportLevel.SCHOOL if role in _SCHOOL_STAFF else _ROLE_LEVEL.get(role)
    if own is None or _RANK[own] < _RANK[level]:
        raise RoleNotPermitted(f"a {role.value} may not forward a report from the "
                               f"{level.value} level")


def check_acknowledger(role: Role, level: ReportLevel) -> None:
    allowed = ACKNOWLEDGERS[level]
    if role not in allowed:
        raise RoleNotPermitted(
            f"a {role.value} may not acknowledge a report at the {level.value} level "
            f"(allowed: {', '.join(sorted(r.value for r in allowed))})")


def reporter_problem(channel: Channel, role: Role) -> tuple[str, str] | None:
    """The field at fault ("channel" or "role") and why, or None if the role may report
    through the channel."""
    allowed = REPORTERS.get(channel)
    if allowed is None:
        return "channel", f"concerns from the {channel.value} channel have their own endpoint"
    if role not in allowed:
        return "role", (f"a {role.value} cannot report through the {channel.value} channel "
                        f"(allowed: {', '.join(sorted(r.value for r in allowed))})")
    return None


def starting_level(kind: ChainKind, channel: Channel, role: str) -> ReportLevel:
    """A staff report starts at its reporter's level; every other channel at the school."""
    if channel is not Channel.STAFF_OBSERVATION:
        return ReportLevel.SCHOOL
    own = _ROLE_LEVEL.get(Role(role), ReportLevel.SCHOOL)
    return next(level for level in CHAINS[kind] if _RANK[level] >= _RANK[own])


def next_level(kind: ChainKind, level: ReportLevel) -> ReportLevel | None:
    """The level above this one, or None at the top (or off this chain)."""
    chain = CHAINS[kind]
    if level not in chain or level is chain[-1]:
        return None
    return chain[chain.index(level) + 1]
