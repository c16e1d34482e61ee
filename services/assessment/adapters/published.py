"""What assessment puts on the bus: tiers and reason codes; the rationale text stays here."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import Role, Tier
from contracts.events import assessment as contract
from services.assessment.domain.assessment import Assessment


def _proposed(e: Assessment.TierProposed) -> contract.TierProposed:
    return contract.TierProposed(tier=Tier(e.tier), reasons=e.reasons, report_id=e.report_id)


def _crisis_path(e: Assessment.CrisisPathStarted) -> contract.CrisisPathStarted:
    return contract.CrisisPathStarted(student_key=e.student_key, report_id=e.report_id)


def _decided(e: Assessment.TierDecided) -> contract.TierDecided:
    proposed = Tier(e.proposed_tier) if e.proposed_tier else None
    return contract.TierDecided(
        student_key=e.student_key, tier=Tier(e.tier), proposed_tier=proposed,
        overrides_proposal=proposed is not None and proposed != e.tier,
        participant_roles=sorted({Role(p["role"]) for p in e.participants}))


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Assessment.TierProposed: _proposed, Assessment.CrisisPathStarted: _crisis_path,
     Assessment.TierDecided: _decided},
    internal=frozenset({Assessment.Opened, Assessment.ClosureNoted}),
)
