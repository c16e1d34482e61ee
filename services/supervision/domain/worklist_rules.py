"""Whose turn it is in a case, and how urgent it is (pure): a small table of rules over a
`WorkItem`, read at a moment, and the order the team's worklist shows the cases in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

from contracts.codes import ReferralResponse, Role, Tier
from services.supervision.domain.worklist import DEAD_ENDS, UNDECIDED, FollowUp, WorkItem

# The tiers whose response goes beyond the school (001 三(三)2): serious with the district
# guidance centre, crisis with the hospital.
REFERRED_TIERS = frozenset({Tier.SERIOUS.value, Tier.CRISIS.value})
# Until the team decides, a case on the crisis path ranks as a crisis, any other as serious:
# an unassessed report could be either, and assessing it is the first duty.
RANK = {Tier.NONE.value: 0, Tier.GENERAL.value: 1, Tier.SERIOUS.value: 2, UNDECIDED: 2,
        Tier.CRISIS.value: 3}
LATEST = datetime.max.replace(tzinfo=UTC)

State = Literal["open", "closed"]
# The next step in a case, as the rules below name it ("none" once it is closed).
Turn = Literal["none", "assess", "notify_family", "refer", "await_guardian", "await_receiver",
               "follow_up", "home_visit", "await_follow_up", "close"]
TURN_CODES: tuple[Turn, ...] = get_args(Turn)


def follow_ups_due(item: WorkItem, today: date) -> list[FollowUp]:
    """The follow-ups not done whose day has come."""
    return [f for f in item.follow_ups if not f.done and f.due <= today]


def follow_ups_overdue(item: WorkItem, today: date) -> list[FollowUp]:
    """Those referral raised as overdue, or whose day is over (as referral counts them)."""
    return [f for f in item.follow_ups if not f.done and (f.overdue or f.due < today)]


def needs_referral(item: WorkItem) -> bool:
    """The tier needs a receiver and no referral is made, or each made came to nothing."""
    return item.tier in REFERRED_TIERS and all(
        h.answer in DEAD_ENDS for h in item.referrals.values())


def _awaiting_guardian(item: WorkItem) -> bool:
    return item.notices > 0 and not item.family_reached


@dataclass(frozen=True)
class Rule:
    """When `applies` holds, it is `roles`' turn to take the step `turn`."""

    turn: Turn
    roles: tuple[Role, ...]
    applies: Callable[[WorkItem, date], bool]


TEAM = (Role.PSYCH_TEACHER, Role.CRISIS_TEAM)
CLOSERS = (Role.CRISIS_TEAM, Role.CRISIS_TEAM_HEAD)
# The first rule that applies says whose turn it is (on the school's day `today`).
TURNS: tuple[Rule, ...] = (
    Rule("none", (), lambda i, _: i.closed),
    Rule("assess", TEAM, lambda i, _: i.tier == UNDECIDED),
    # Tier none: no further action; the report stays on record, the team closes it.
    Rule("close", CLOSERS, lambda i, _: i.tier == Tier.NONE.value),
    Rule("notify_family", (Role.CRISIS_TEAM, Role.CLASS_TEACHER),
         lambda i, _: i.notices == 0 and not i.family_reached),
    # A crisis does not wait for the family's answer to find the student help.
    Rule("refer", TEAM, lambda i, _: i.tier == Tier.CRISIS.value and needs_referral(i)),
    Rule("await_guardian", (Role.GUARDIAN,), lambda i, _: not i.family_reached),
    Rule("refer", TEAM, lambda i, _: needs_referral(i)),
    Rule("await_receiver", (Role.RECEIVER_LIAISON,),
         lambda i, _: any(h.awaiting for h in i.referrals.values())),
    Rule("follow_up", (Role.PSYCH_TEACHER, Role.CLASS_TEACHER),
         lambda i, today: bool(follow_ups_due(i, today))),
    Rule("home_visit", (Role.CLASS_TEACHER, Role.PSYCH_TEACHER),
         lambda i, _: bool(i.home_visits_due)),
    Rule("await_follow_up", (Role.PSYCH_TEACHER,),
         lambda i, _: any(not f.done for f in i.follow_ups)),
    Rule("close", CLOSERS, lambda i, _: True),
)


def turn_of(item: WorkItem, today: date) -> Rule:
    return next(rule for rule in TURNS if rule.applies(item, today))


@dataclass(frozen=True)
class Awaited:
    """A referral awaiting its receiver's answer."""

    referral_id: UUID
    receiver_type: str
    answer_by: datetime | None


@dataclass(frozen=True)
class WorkLine:
    """One case of the worklist as it stands at `now`."""

    case_id: UUID
    detected_at: datetime | None
    source: str | None
    tier: str
    crisis_path: bool  # imminent danger: the crisis path started, whatever the tier
    stage: str | None
    state: State
    turn: Turn
    turn_roles: tuple[Role, ...]
    acknowledge_by: datetime | None
    awaiting: tuple[Awaited, ...]
    follow_ups_overdue: int
    next_follow_up: date | None
    home_visits_due: int
    flags: tuple[str, ...]
    position: int
    overdue: bool  # a deadline has passed: an acknowledgement, an answer, a follow-up
    soonest: datetime | None  # the nearest deadline, past or to come


def flags_of(item: WorkItem) -> tuple[str, ...]:
    """What the team must look at: a referral declined, failed, cancelled or left
    unanswered that nobody replaced yet, a student who missed the appointment, a concern
    after the case's closure."""
    flags = set()
    for handoff in item.referrals.values():
        if handoff.dead_end or (handoff.answer == ReferralResponse.NO_SHOW.value
                                and not handoff.replaced):
            flags.add(f"referral_{handoff.answer}")
    if item.concern_after_closure:
        flags.add("concern_after_closure")
    return tuple(sorted(flags))


def line(item: WorkItem, now: datetime, zone: ZoneInfo) -> WorkLine:
    """The item at `now` (the school's day in `zone`)."""
    today = now.astimezone(zone).date()
    rule = turn_of(item, today)
    open_ = not item.closed
    acknowledge_by = item.acknowledge_by if open_ and _awaiting_guardian(item) else None
    awaiting = tuple(Awaited(referral_id, h.receiver_type, h.answer_by)
                     for referral_id, h in item.referrals.items() if h.awaiting) if open_ else ()
    overdue = len(follow_ups_overdue(item, today)) if open_ else 0
    to_come = sorted(f.due for f in item.follow_ups if not f.done) if open_ else []
    answers = [d for d in (acknowledge_by, *(a.answer_by for a in awaiting)) if d]
    deadlines = [*answers, *([datetime.combine(to_come[0], time(), zone)] if to_come else [])]
    return WorkLine(
        case_id=item.case_id, detected_at=item.detected_at, source=item.source,
        tier=item.tier, crisis_path=item.crisis_path, stage=item.stage,
        state="open" if open_ else "closed",
        turn=rule.turn, turn_roles=rule.roles, acknowledge_by=acknowledge_by,
        awaiting=awaiting, follow_ups_overdue=overdue,
        next_follow_up=to_come[0] if to_come else None,
        home_visits_due=len(item.home_visits_due) if open_ else 0, flags=flags_of(item),
        position=item.position,
        overdue=overdue > 0 or any(d < now for d in answers),
        soonest=min(deadlines, default=None))


def rank(line: WorkLine) -> int:
    undecided_crisis = line.crisis_path and line.tier == UNDECIDED
    return RANK[Tier.CRISIS.value] if undecided_crisis else RANK[line.tier]


def urgency(line: WorkLine) -> tuple[object, ...]:
    """Open before closed; a higher tier first; a case with a deadline passed first; then
    the soonest deadline; then the oldest detection."""
    return (line.state == "closed", -rank(line), not line.overdue,
            line.soonest or LATEST, line.detected_at or LATEST, str(line.case_id))


def worklist(items: Iterable[WorkItem], now: datetime, zone: ZoneInfo, *,
             state: State | None = "open", tier: str | None = None,
             turn: str | None = None) -> list[WorkLine]:
    """The items at `now`, those of `state` (None: all), `tier` and `turn` if given, the
    most urgent first."""
    kept = []
    for item in items:
        shown = line(item, now, zone)
        if ((state is None or shown.state == state) and (tier is None or shown.tier == tier)
                and (turn is None or shown.turn == turn)):
            kept.append((urgency(shown), shown))
    return [shown for _, shown in sorted(kept, key=lambda pair: pair[0])]

