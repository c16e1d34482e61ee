"""A case's risk assessment: proposals from reports, instruments and key-concern flags;
decisions by people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from casetrail.kernel import CaseRuleViolated, EventMeta, ReadLogged
from contracts.codes import Instrument, KeyConcern, Sign
from contracts.events.base import ScreenResult
from contracts.instruments import score
from services.assessment.domain.decision import Decision, check_decision
from services.assessment.domain.proposal import propose

Answers = dict[str, str | int | None]


class Assessment(ReadLogged):
    class Opened(Aggregate.Created):
        student_key: str
        meta: EventMeta

    @event(Opened)
    def __init__(self, student_key: str, meta: EventMeta) -> None:
        self.student_key = student_key
        self.signs: set[str] = set()
        self.key_concerns: list[str] = []
        # The latest result of each instrument, from a screening import or given here.
        self.screens: dict[str, dict[str, Any]] = {}
        self.instruments: list[dict[str, Any]] = []
        self.last_report_id: UUID | None = None
        self.proposed_tier: str | None = None
        self.reasons: list[str] = []
        self.tier: str | None = None
        self.crisis_path_started = False
        # A crisis path started and not yet settled by a decision: a further imminent report
        # joins it; once decided, the next imminent report starts a new one.
        self.crisis_path_open = False
        # The crisis-path event's version and chain, so the decision following it links to it.
        self.crisis_path_version: int | None = None
        self.crisis_path_correlation: UUID | None = None
        self.decisions: list[dict[str, Any]] = []
        self.closed = False

    @classmethod
    def open(cls, case_id: UUID, student_key: str, meta: EventMeta) -> Assessment:
        return cls._create(cls.Opened, id=case_id, student_key=student_key, meta=meta)

    # -- what comes in ---------------------------------------------------------------------

    def consider(self, report_id: UUID, signs: list[Sign], imminent: bool, meta: EventMeta, *,
                 key_concerns: list[KeyConcern] | None = None,
                 screen: ScreenResult | None = None, incident: bool = False) -> None:
        """A report came in: propose a tier from everything so far; imminent danger starts
        the crisis path at once, before anyone meets, unless a crisis path already awaits the
        team's decision. A case decided since (lower, or at crisis) starts a new one, so the
        guardians are told again and the referral notes a provisional crisis again.

        `key_concerns` is the student's flags as intake sent them with the report; None (or
        none sent) leaves the flags as they are: flags are lifted by KeyConcernsNoted only."""
        if key_concerns:
            self.note_key_concerns(key_concerns, meta, repropose=False)
        screens = self._screens() | ({screen.instrument: screen} if screen else {})
        # Once in danger, a later calmer report does not lower the proposal by itself.
        proposal = propose({Sign(s) for s in self.signs} | set(signs),
                           imminent=imminent or self.crisis_path_started,
                           screens=screens.values(), key_concerns=self._concerns())
        self._propose(report_id, [s.value for s in signs], proposal.tier.value,
                      proposal.reasons, meta,
                      screen=screen.model_dump(mode="json") if screen else None)
        if imminent and not self.crisis_path_open:
            self._start_crisis_path(report_id, self.student_key, meta,
                                    signs=sorted(self.signs), incident=incident)

    def note_key_concerns(self, key_concerns: list[KeyConcern], meta: EventMeta, *,
                          repropose: bool = True) -> None:
        """The student's key-concern flags changed: take the new set into account."""
        concerns = sorted({KeyConcern(concern).value for concern in key_concerns})
        if concerns == self.key_concerns:
            return
        self._consider_key_concerns(concerns, meta)
        if repropose:
            self._repropose(meta)

    class KeyConcernsConsidered(Aggregate.Event):
        key_concerns: list[str]
        meta: EventMeta

    @event(KeyConcernsConsidered)
    def _consider_key_concerns(self, key_concerns: list[str], meta: EventMeta) -> None:
        self.key_concerns = key_concerns

    def score_instrument(self, instrument: Instrument, answers: Mapping[str, str | int | None],
                         language: str | None, meta: EventMeta, *,
                         kept_as: str | None = None) -> ScreenResult:
        """An instrument given during the assessment: scored by its published rule (raises
        InvalidAnswers), recorded with the answers (as `kept_as` says: sealed for the
        student), and the proposal made again."""
        self._open_for("an instrument")
        result = score(instrument, answers)
        self._score(instrument.value, kept_as or dict(answers), language,
                    result.model_dump(mode="json"), meta)
        self._repropose(meta)
        return result

    class InstrumentScored(Aggregate.Event):
        instrument: str
        # The raw answers stay in this store (sealed for the student; a plain mapping in
        # events stored before); the bus gets the result only.
        answers: Answers | str
        language: str | None
        result: dict[str, Any]
        meta: EventMeta

    @event(InstrumentScored)
    def _score(self, instrument: str, answers: Answers | str, language: str | None,
               result: dict[str, Any], meta: EventMeta) -> None:
        self.screens[instrument] = result
        self.instruments.append({**result, "language": language,
                                 "administered_by": {"role": meta.actor_role,
                                                     "id": meta.actor_id},
                                 "administered_at": meta.occurred_at})

    # -- the proposal ----------------------------------------------------------------------

    def _repropose(self, meta: EventMeta) -> None:
        if self.last_report_id is None:
            return  # nothing reported yet to propose on
        proposal = propose({Sign(s) for s in self.signs}, imminent=self.crisis_path_started,
                           screens=self._screens().values(), key_concerns=self._concerns())
        self._propose(self.last_report_id, [], proposal.tier.value, proposal.reasons, meta)

    class TierProposed(Aggregate.Event):
        report_id: UUID
        signs: list[str]
        tier: str
        reasons: list[str]
        meta: EventMeta
        screen: dict[str, Any] | None  # a screening result the report brought

    @event(TierProposed)
    def _propose(self, report_id: UUID, signs: list[str], tier: str, reasons: list[str],
                 meta: EventMeta, screen: dict[str, Any] | None = None) -> None:
        self.signs.update(signs)
        if screen is not None:
            self.screens[screen["instrument"]] = screen
        self.last_report_id = report_id
        self.proposed_tier = tier
        self.reasons = reasons

    class CrisisPathStarted(Aggregate.Event):
        report_id: UUID
        student_key: str
        meta: EventMeta
        signs: list[str]
        incident: bool

    @event(CrisisPathStarted)
    def _start_crisis_path(self, report_id: UUID, student_key: str, meta: EventMeta,
                           signs: list[str] | None = None, incident: bool = False) -> None:
        self.crisis_path_started = True
        self.crisis_path_open = True
        self.crisis_path_version = self.version + 1  # this event's own version
        self.crisis_path_correlation = meta.correlation_id

    def _screens(self) -> dict[Instrument, ScreenResult]:
        return {Instrument(name): ScreenResult.model_validate(result)
                for name, result in self.screens.items()}

    def _concerns(self) -> list[KeyConcern]:
        return [KeyConcern(concern) for concern in self.key_concerns]

    # -- decisions -------------------------------------------------------------------------

    @property
    def decision_follows_crisis_path(self) -> bool:
        """The next decision is the formal one after the latest imminent-danger start."""
        return self.crisis_path_open

    def decide(self, decision: Decision, meta: EventMeta, *,
               rationale_kept_as: str | None = None) -> None:
        """The crisis team's decision; a later decision re-grades the case (re-assessment).
        The rationale is recorded as `rationale_kept_as` says (sealed for the student)."""
        self._open_for("a decision")
        check_decision(decision, proposed=self.proposed_tier)
        self._decide(decision.tier.value, self.proposed_tier,
                     rationale_kept_as or decision.rationale,
                     decision.participants, self.student_key, meta,
                     overrides_proposal=decision.overrides_proposal, previous_tier=self.tier,
                     follows_crisis_path=self.decision_follows_crisis_path)

    class TierDecided(Aggregate.Event):
        tier: str
        proposed_tier: str | None
        rationale: str
        participants: list[dict[str, str]]
        student_key: str
        meta: EventMeta
        overrides_proposal: bool
        previous_tier: str | None
        follows_crisis_path: bool

    @event(TierDecided)
    def _decide(self, tier: str, proposed_tier: str | None, rationale: str,
                participants: list[dict[str, str]], student_key: str, meta: EventMeta,
                overrides_proposal: bool = False, previous_tier: str | None = None,
                follows_crisis_path: bool = False) -> None:
        self.tier = tier
        self.crisis_path_open = False
        self.decisions.append({"tier": tier, "proposed_tier": proposed_tier,
                               "overrides_proposal": overrides_proposal,
                               "previous_tier": previous_tier,
                               "follows_crisis_path": follows_crisis_path,
                               "rationale": rationale, "participants": participants,
                               "decided_by": {"role": meta.actor_role, "id": meta.actor_id},
                               "decided_at": meta.occurred_at})

    # -- closure and reopening -------------------------------------------------------------

    def _open_for(self, what: str) -> None:
        if self.closed:
            raise CaseRuleViolated(f"the case is closed; {what} needs it reopened first")

    def note_closed(self, meta: EventMeta) -> None:
        if not self.closed:
            self._note_closed(meta)

    class ClosureNoted(Aggregate.Event):
        meta: EventMeta

    @event(ClosureNoted)
    def _note_closed(self, meta: EventMeta) -> None:
        self.closed = True

    def note_reopened(self, meta: EventMeta) -> None:
        """Referral reopened the case: the team may assess it again."""
        if self.closed:
            self._note_reopened(meta)

    class ReopeningNoted(Aggregate.Event):
        meta: EventMeta

    @event(ReopeningNoted)
    def _note_reopened(self, meta: EventMeta) -> None:
        self.closed = False
