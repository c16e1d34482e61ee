"""The worklist's rules (supervision/domain/worklist*.py): whose turn it is in a case, what is
due and by when, what the team must look at, and the order of the cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from contracts.codes import CallOutcome, ReferralResponse, Role, Tier
from contracts.envelope import Envelope
from services.supervision.domain.worklist import Worklist
from services.supervision.domain.worklist_rules import State, WorkLine, line, worklist
from tests.worklist_cases import Story

ZONE = ZoneInfo("Asia/Shanghai")


def folded(*stories: Story | Iterable[Envelope]) -> Worklist:
    model = Worklist()
    position = 0
    for story in stories:
        for envelope in (story.envelopes if isinstance(story, Story) else story):
            position += 1
            model.apply(envelope, position)
    return model


def seen(story: Story, hours: float, *others: Story) -> WorkLine:
    """The story's case at `hours` after its start."""
    model = folded(story, *others)
    return line(model.items[story.case_id], story.at(hours), ZONE)


def test_a_case_not_yet_assessed_is_for_the_psychology_teacher_or_the_crisis_team_to_assess(
        ) -> None:
    shown = seen(Story().detected(), 1)
    assert (shown.turn, shown.turn_roles) == ("assess", (Role.PSYCH_TEACHER, Role.CRISIS_TEAM))
    assert (shown.tier, shown.source, shown.stage, shown.state) == (
        "undecided", "hotline", "detected", "open")


def test_a_case_assessed_as_needing_nothing_is_for_the_team_to_close() -> None:
    assert seen(Story().detected().decided(Tier.NONE), 2).turn == "close"


def test_an_assessed_case_whose_family_has_no_notice_yet_is_to_be_notified() -> None:
    shown = seen(Story().detected().decided(Tier.GENERAL), 2)
    assert shown.turn == "notify_family" and shown.acknowledge_by is None


def test_a_notice_not_acknowledged_awaits_the_guardian_until_its_deadline() -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.noticed(2, within=24)
    shown = seen(story, 3)
    assert (shown.turn, shown.acknowledge_by, shown.overdue) == (
        "await_guardian", story.at(26), False)
    assert shown.stage == "family-notified"
    assert seen(story, 27).overdue  # the deadline passed


def test_a_guardian_reached_by_phone_ends_the_wait_for_an_acknowledgement() -> None:
    story = Story().detected().decided(Tier.GENERAL)
    story.noticed(2, within=72)
    story.called(3, CallOutcome.NO_ANSWER)
    assert seen(story, 4).turn == "await_guardian"
    story.called(5, CallOutcome.REACHED)
    shown = seen(story, 6)
    assert shown.acknowledge_by is None and shown.turn != "await_guardian"


def test_a_serious_case_whose_family_was_reached_and_no_referral_made_is_to_be_referred(
        ) -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.acknowledged(3, story.noticed(2, within=24))
    assert seen(story, 4).turn == "refer"


def test_a_crisis_is_to_be_referred_before_the_guardian_acknowledges() -> None:
    story = Story().detected().decided(Tier.CRISIS)
    story.noticed(2, within=0.25)
    assert seen(story, 2.1).turn == "refer"


def test_a_general_case_is_not_referred_but_followed_up() -> None:
    story = Story().detected().decided(Tier.GENERAL)
    story.acknowledged(3, story.noticed(2, within=72))
    story.scheduled(3, 30)
    shown = seen(story, 4)
    assert shown.turn == "await_follow_up" and shown.next_follow_up == story.at(24 * 30).date()


def test_a_referral_without_an_answer_awaits_its_receiver_until_its_answer_by() -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.acknowledged(3, story.noticed(2, within=24))
    referral_id = story.referred(4, within=48)
    shown = seen(story, 5)
    assert (shown.turn, shown.turn_roles) == ("await_receiver", (Role.RECEIVER_LIAISON,))
    [awaited] = shown.awaiting
    assert (awaited.referral_id, awaited.receiver_type, awaited.answer_by) == (
        referral_id, "hospital_green_channel", story.at(52))
    assert shown.soonest == story.at(52) and not shown.overdue
    assert seen(story, 53).overdue


def test_a_declined_referral_flags_the_case_and_asks_for_another_until_one_is_made() -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.acknowledged(3, story.noticed(2, within=24))
    declined = story.referred(4)
    story.answered(5, declined, ReferralResponse.DECLINED)
    shown = seen(story, 6)
    assert (shown.turn, shown.flags) == ("refer", ("referral_declined",))
    story.referred(7, rerouted_from=declined)
    shown = seen(story, 8)
    assert (shown.turn, shown.flags) == ("await_receiver", ())


def test_a_referral_left_unanswered_flags_the_case() -> None:
    story = Story().detected().decided(Tier.CRISIS)
    story.acknowledged(3, story.noticed(2, within=0.25))
    story.unanswered(30, story.referred(4, within=24))
    shown = seen(story, 31)
    assert (shown.turn, shown.flags, shown.awaiting) == ("refer", ("referral_unanswered",), ())


def test_a_referral_the_receiver_only_received_still_awaits_its_answer_by_the_same_time(
        ) -> None:
    story = Story().detected().decided(Tier.SERIOUS)
    story.acknowledged(3, story.noticed(2, within=24))
    referral_id = story.referred(4, within=48)
    story.answered(5, referral_id, ReferralResponse.RECEIVED)
    shown = seen(story, 6)
    assert (shown.turn, shown.flags) == ("await_receiver", ())
    assert [a.referral_id for a in shown.awaiting] == [referral_id]
    assert shown.soonest == story.at(52) and seen(story, 53).overdue


@pytest.mark.parametrize("ended", [ReferralResponse.FAILED, ReferralResponse.CANCELLED])
def test_a_referral_that_failed_or_was_cancelled_after_acceptance_asks_for_another(
        ended: ReferralResponse) -> None:
    story = Story().through_referral(Tier.CRISIS)
    referral_id = story.envelopes[-1].data["referral_id"]
    story.answered(6, referral_id, ended)
    shown = seen(story, 7)
    assert (shown.turn, shown.flags, shown.awaiting) == ("refer", (f"referral_{ended}",), ())
    story.referred(8, rerouted_from=referral_id)
    assert (seen(story, 9).turn, seen(story, 9).flags) == ("await_receiver", ())


def test_a_student_who_missed_the_appointment_flags_the_case_until_scheduled_again() -> None:
    story = Story().through_referral()
    referral_id = story.envelopes[-1].data["referral_id"]
    story.answered(6, referral_id, ReferralResponse.SCHEDULED)
    story.answered(7, referral_id, ReferralResponse.NO_SHOW)
    shown = seen(story, 8)
    assert (shown.flags, shown.awaiting) == (("referral_no_show",), ())
    assert shown.turn != "refer"  # the receiver still has the student: no new referral
    story.answered(9, referral_id, ReferralResponse.SCHEDULED)
    assert seen(story, 10).flags == ()


def test_a_follow_up_whose_day_has_come_is_the_psychology_teachers_turn() -> None:
    story = Story().through_referral().scheduled(6, 7, 14)
    assert seen(story, 24 * 6).turn == "await_follow_up"
    shown = seen(story, 24 * 7 + 1)
    assert (shown.turn, shown.follow_ups_overdue) == ("follow_up", 0)
    assert shown.turn_roles == (Role.PSYCH_TEACHER, Role.CLASS_TEACHER)


def test_follow_ups_overdue_are_counted_until_done() -> None:
    story = Story().through_referral().scheduled(6, 7, 14)
    story.follow_up_overdue(24 * 8, 1, story.at(24 * 7).date())
    shown = seen(story, 24 * 8 + 1)
    assert (shown.follow_ups_overdue, shown.overdue) == (1, True)
    story.followed_up(24 * 9, 1)
    shown = seen(story, 24 * 9 + 1)
    assert (shown.follow_ups_overdue, shown.overdue, shown.turn) == (
        0, False, "await_follow_up")


def test_a_home_visit_due_is_counted_until_one_is_recorded() -> None:
    story = Story().through_referral().visit_due(6)
    shown = seen(story, 7)
    assert (shown.home_visits_due, shown.turn) == (1, "home_visit")
    story.visited(8)
    assert seen(story, 9).home_visits_due == 0


def test_a_case_whose_follow_ups_are_all_done_is_for_the_team_to_close() -> None:
    story = Story().through_referral().scheduled(6, 7)
    story.followed_up(24 * 7, 1)
    shown = seen(story, 24 * 7 + 1)
    assert (shown.turn, shown.turn_roles) == ("close", (Role.CRISIS_TEAM,
                                                        Role.CRISIS_TEAM_HEAD))
    assert shown.stage == "followed-up"


def test_a_closed_case_is_nobodys_turn_until_it_is_reopened() -> None:
    story = Story().through_referral()
    closure = story.closed(10)
    shown = seen(story, 11)
    assert (shown.state, shown.stage, shown.turn, shown.turn_roles) == (
        "closed", "closed", "none", ())
    story.reopened(12, closure)
    shown = seen(story, 13)
    assert (shown.state, shown.stage) == ("open", "referred")


def test_a_report_attached_after_closure_is_a_concern_after_closure() -> None:
    story = Story().through_referral()
    story.closed(10)
    story.attached(11)
    assert seen(story, 12).flags == ("concern_after_closure",)


def test_a_new_case_linked_to_a_closed_one_is_a_concern_after_closure_for_both() -> None:
    earlier = Story().through_referral()
    earlier.closed(10)
    later = Story(start=earlier.at(20)).detected(previous=earlier.case_id)
    assert seen(earlier, 21, later).flags == ("concern_after_closure",)
    assert seen(later, 1, earlier).flags == ("concern_after_closure",)


def test_a_case_remembers_the_last_stream_position_that_touched_it() -> None:
    one, two = Story().detected(), Story().detected()
    model = Worklist()
    model.apply(one.envelopes[0], 7)
    model.apply(two.envelopes[0], 8)
    model.apply(one.attached(1).envelopes[-1], 9)
    assert (model.items[one.case_id].position, model.items[two.case_id].position) == (9, 8)


def test_an_event_no_contract_reads_is_counted_and_passed_by() -> None:
    story = Story().detected()
    story.envelopes.append(story.envelopes[0].model_copy(update={"version": 99}))
    model = folded(story)
    assert model.unreadable == 1 and model.items[story.case_id].detected_at == story.at(0)


def order(*stories: Story, hours: float = 100) -> list[int]:
    now = stories[0].at(hours)
    model = folded(*stories)
    index = {story.case_id: n for n, story in enumerate(stories)}
    return [index[shown.case_id] for shown in worklist(model.items.values(), now, ZONE,
                                                      state=None)]


def test_an_open_case_comes_before_a_closed_one() -> None:
    closed = Story().detected().decided(Tier.CRISIS)
    closed.closed(2)
    assert order(closed, Story().detected().decided(Tier.GENERAL)) == [1, 0]


def test_a_higher_tier_comes_first_and_the_crisis_path_counts_as_a_crisis() -> None:
    general, crisis = Story().detected().decided(Tier.GENERAL), Story().detected()
    crisis.decided(Tier.CRISIS)
    on_path = Story(start=crisis.at(1)).detected().crisis_path(0.1)  # then the older first
    assert order(general, crisis, on_path) == [1, 2, 0]


def test_a_case_whose_guardian_has_not_acknowledged_in_time_comes_before_one_in_time(
        ) -> None:
    late, in_time = Story().detected().decided(Tier.SERIOUS), Story()
    in_time.detected().decided(Tier.SERIOUS)
    late.noticed(2, within=24)
    in_time.noticed(2, within=24 * 10)
    assert order(in_time, late, hours=48) == [1, 0]


def test_then_the_soonest_deadline_comes_first() -> None:
    later, sooner = Story().detected().decided(Tier.SERIOUS), Story()
    sooner.detected().decided(Tier.SERIOUS)
    later.noticed(2, within=48)
    sooner.noticed(2, within=24)
    assert order(later, sooner, hours=3) == [1, 0]


def test_then_the_oldest_detection_comes_first() -> None:
    newer = Story(start=Story().start + timedelta(hours=5)).detected()
    older = Story().detected()
    assert order(newer, older) == [1, 0]


def test_the_worklist_keeps_the_state_tier_and_turn_asked_for() -> None:
    closed, general = Story().detected().decided(Tier.GENERAL), Story().detected()
    closed.closed(3)
    general.decided(Tier.GENERAL)
    model = folded(closed, general)
    now = general.at(5)

    def ids(state: State | None = "open", tier: str | None = None,
            turn: str | None = None) -> list[UUID]:
        return [shown.case_id for shown in worklist(model.items.values(), now, ZONE,
                                                    state=state, tier=tier, turn=turn)]

    assert ids() == [general.case_id]
    assert ids(state="closed") == [closed.case_id]
    assert ids(state=None, tier="general", turn="notify_family") == [general.case_id]
    assert ids(state=None, turn="assess") == []
