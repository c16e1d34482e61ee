"""What assessment puts on the bus: tiers, reason codes and result codes; the rationale text,
the participants' ids and the raw answers stay here."""

from casetrail.bus.envelopes import PublishedEvents
from contracts.codes import KeyConcern, Role, Sign, Tier
from contracts.events import assessment as contract
from contracts.events.base import ScreenResult
from services.assessment.domain.assessment import Assessment
from services.assessment.domain.decision import external_count


def _proposed(e: Assessment.TierProposed) -> contract.TierProposed:
    return contract.TierProposed(tier=Tier(e.tier), reasons=e.reasons, report_id=e.report_id)


def _crisis_path(e: Assessment.CrisisPathStarted) -> contract.CrisisPathStarted:
    return contract.CrisisPathStarted(student_key=e.student_key, report_id=e.report_id,
                                      signs=[Sign(s) for s in e.signs], incident=e.incident)


def _scored(e: Assessment.InstrumentScored) -> contract.InstrumentScored:
    return contract.InstrumentScored(result=ScreenResult.model_validate(e.result))


def _concerns(e: Assessment.KeyConcernsConsidered) -> contract.KeyConcernsConsidered:
    return contract.KeyConcernsConsidered(key_concerns=[KeyConcern(k) for k in e.key_concerns])


def _decided(e: Assessment.TierDecided) -> contract.TierDecided:
    return contract.TierDecided(
        student_key=e.student_key, tier=Tier(e.tier),
        proposed_tier=Tier(e.proposed_tier) if e.proposed_tier else None,
        overrides_proposal=e.overrides_proposal,
        participant_roles=sorted({Role(p["role"]) for p in e.participants}),
        external_participants=external_count(e.participants),
        previous_tier=Tier(e.previous_tier) if e.previous_tier else None,
        follows_crisis_path=e.follows_crisis_path)


PUBLISHED = PublishedEvents(
    contract.SERVICE,
    {Assessment.TierProposed: _proposed, Assessment.CrisisPathStarted: _crisis_path,
     Assessment.TierDecided: _decided, Assessment.InstrumentScored: _scored,
     Assessment.KeyConcernsConsidered: _concerns},
    internal=frozenset({Assessment.Opened, Assessment.ClosureNoted,
                        Assessment.ReopeningNoted}),
)
