"""A case's risk assessment: proposals from the reports, decisions by people."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import Sign, Tier
from services.assessment.domain.proposal import propose


class Assessment(ReadLogged):
    class Opened(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Opened)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.signs: set[str] = set()
        self.proposed_tier: str | None = None
        self.tier: str | None = None
        self.crisis_path_started = False
        self.decisions: list[dict[str, object]] = []
        self.closed = False

    @classmethod
    def open(cls, case_id: UUID, student_key: str, meta: EventMeta) -> Assessment:
        return cls._create(cls.Opened, id=case_id, student_key=student_key, meta=meta)

    def consider(self, report_id: UUID, signs: list[Sign], imminent: bool,
                 meta: EventMeta) -> None:
        """A report came in: propose a tier from every sign so far; imminent danger starts
        the crisis path at once, before anyone meets."""
        # Once in danger, a later calmer report does not lower the proposal by itself.
        proposal = propose({Sign(s) for s in self.signs} | set(signs),
                           imminent=imminent or self.crisis_path_started)
        self._propose(report_id, [s.value for s in signs], proposal.tier.value,
                      proposal.reasons, meta)
        if imminent and not self.crisis_path_started:
            self._start_crisis_path(report_id, self.student_key, meta)

    class TierProposed(Aggregate.Event):
        report_id: UUID
        signs: list[str]
        tier: str
        reasons: list[str]
        meta: EventMeta

    @event(TierProposed)
    def _propose(self, report_id: UUID, signs: list[str], tier: str, reasons: list[str],
                 meta: EventMeta) -> None:
        self.signs.update(signs)
        self.proposed_tier = tier

    class CrisisPathStarted(Aggregate.Event):
        report_id: UUID
        student_key: str
        meta: EventMeta

    @event(CrisisPathStarted)
    def _start_crisis_path(self, report_id: UUID, student_key: str, meta: EventMeta) -> None:
        self.crisis_path_started = True

    def decide(self, tier: Tier, *, rationale: str, participants: list[dict[str, str]],
               meta: EventMeta) -> None:
        """The crisis team's decision; a later decision re-grades the case."""
        if self.closed:
            raise CaseRuleViolated("the case is closed; a new concern opens a new case")
        if not rationale.strip():
            raise CaseRuleViolated("a decision needs its rationale")
        if not participants:
            raise CaseRuleViolated("a decision names who took part")
        self._decide(tier.value, self.proposed_tier, rationale, participants, self.student_key,
                     meta)

    class TierDecided(Aggregate.Event):
        tier: str
        proposed_tier: str | None
        rationale: str
        participants: list[dict[str, str]]
        student_key: str
        meta: EventMeta

    @event(TierDecided)
    def _decide(self, tier: str, proposed_tier: str | None, rationale: str,
                participants: list[dict[str, str]], student_key: str, meta: EventMeta) -> None:
        self.tier = tier
        self.decisions.append({"tier": tier, "proposed_tier": proposed_tier,
                               "rationale": rationale, "participants": participants,
                               "decided_by": {"role": meta.actor_role, "id": meta.actor_id},
                               "decided_at": meta.occurred_at})

    def note_closed(self, meta: EventMeta) -> None:
        if not self.closed:
            self._note_closed(meta)

    class ClosureNoted(Aggregate.Event):
        meta: EventMeta

    @event(ClosureNoted)
    def _note_closed(self, meta: EventMeta) -> None:
        self.closed = True
