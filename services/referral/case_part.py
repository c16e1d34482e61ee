"""Referral's part of a case in the shared vocabulary (contracts/case_state.py)."""

from __future__ import annotations

from contracts.case_state import FollowUpState, ReferralPart, ReferralState
from services.referral.domain.aftercare import Aftercare


def part_of(aftercare: Aftercare) -> ReferralPart:
    replaced_by = {r.rerouted_from: r.referral_id for r in aftercare.referrals
                   if r.rerouted_from is not None}
    return ReferralPart(
        tier=aftercare.tier, tier_decided=aftercare.tier_decided, closed=aftercare.closed,
        referrals=[ReferralState(referral_id=r.referral_id, receiver_type=r.receiver_type,
                                 receiver_id=r.receiver_id, status=r.status,
                                 delivered=r.delivered, rerouted_from=r.rerouted_from,
                                 rerouted_to=replaced_by.get(r.referral_id))
                   for r in aftercare.referrals],
        follow_ups=[FollowUpState(number=f.number, due=f.due, done=f.outcome is not None,
                                  on_time=f.on_time, flagged_overdue=f.overdue)
                    for f in aftercare.follow_ups])
