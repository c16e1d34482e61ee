"""The domain's clocks as supervision folds CASES: from detection to each stage and to a
guardian's first acknowledgement by tier, and every policy time that ran out, on the
process's metrics."""

from __future__ import annotations

from uuid import uuid4

from casetrail.metrics import ServiceMetrics
from contracts.codes import ReopenReason
from contracts.events import referral
from services.supervision.adapters.case_stream import CasesReplica
from services.supervision.adapters.clock_metrics import ClockMetrics
from services.supervision.domain.case_progress import Stage
from services.supervision.domain.clocks import Acknowledged, Breached, CaseClocks, Reached
from tests.supervision_case import crisis_case, incident_then_transfer

WEEK = 7 * 24 * 3600.0


def test_a_crisis_case_tells_when_it_reached_each_stage_and_which_times_ran_out() -> None:
    clocks = CaseClocks()
    seen = [told for envelope in crisis_case() for told in clocks.take(envelope)]
    assert seen == [
        Reached(Stage.ASSESSED, "crisis", 40 * 60.0),
        Reached(Stage.FAMILY_NOTIFIED, "crisis", 41.2 * 60),
        Reached(Stage.REFERRED, "crisis", 45 * 60.0),
        Breached("guardian_acknowledgement"), Acknowledged("crisis", 78 * 60.0),
        Reached(Stage.FOLLOWED_UP, "crisis", WEEK), Breached("follow_up"),
        Reached(Stage.CLOSED, "crisis", 8 * WEEK + 24 * 3600)]


def test_a_stage_reached_again_after_a_reopening_keeps_its_first_time() -> None:
    clocks = CaseClocks()
    envelopes = crisis_case()
    closed = envelopes[-1]
    reopened = closed.model_copy(update={
        "event_id": uuid4(), "type": "CaseReopened", "data": referral.CaseReopened(
            reason=ReopenReason.RELAPSE, closed_event_id=closed.event_id).model_dump(
                mode="json")})
    follow_up, closed_again = (e.model_copy(update={"event_id": uuid4()})
                               for e in (envelopes[-2], closed))
    seen = [told for envelope in [*envelopes, reopened, follow_up, closed_again]
            for told in clocks.take(envelope)]
    assert [told.stage for told in seen if isinstance(told, Reached)] == list(Stage)


def test_an_authority_report_sent_late_is_a_breach() -> None:
    clocks = CaseClocks()
    seen = [told for envelope in incident_then_transfer() for told in clocks.take(envelope)]
    assert seen == [Breached("authority_report")]


def test_an_event_published_twice_is_counted_once() -> None:
    metrics = ServiceMetrics()
    replica = CasesReplica(followers=[ClockMetrics(metrics, "supervision").take])
    envelopes = crisis_case()
    for envelope in [*envelopes, *envelopes]:
        replica.take(envelope.model_dump_json().encode())
    assert metrics.registry.get_sample_value(
        "casetrail_guardian_acknowledgement_seconds_count",
        {"service": "supervision", "tier": "crisis"}) == 1


def test_a_tier_its_contract_does_not_take_is_no_label() -> None:
    clocks = CaseClocks()
    [detected, *rest] = crisis_case()
    forged = [e.model_copy(update={"data": {**e.data, "tier": "anything"}})
              if "tier" in e.data else e for e in rest]
    seen = [told for envelope in [detected, *forged] for told in clocks.take(envelope)]
    assert [told for told in seen if isinstance(told, Acknowledged)] == [
        Acknowledged("undecided", 78 * 60.0)]


def test_the_clocks_show_on_the_metrics_by_tier_and_kind_never_by_case() -> None:
    metrics = ServiceMetrics()
    clock_metrics = ClockMetrics(metrics, "supervision")
    for position, envelope in enumerate([*crisis_case(), *incident_then_transfer()], 1):
        clock_metrics.take(envelope, position)
    sample = metrics.registry.get_sample_value
    crisis = {"service": "supervision", "tier": "crisis"}
    assert sample("casetrail_guardian_acknowledgement_seconds_count", crisis) == 1
    assert sample("casetrail_guardian_acknowledgement_seconds_sum", crisis) == 78 * 60.0
    assert sample("casetrail_guardian_acknowledgement_seconds_bucket",
                  {**crisis, "le": "3600.0"}) == 0
    assert sample("casetrail_guardian_acknowledgement_seconds_bucket",
                  {**crisis, "le": "7200.0"}) == 1
    for stage in Stage:
        assert sample("casetrail_stage_reached_seconds_count", {**crisis, "stage": stage}) == 1
    assert sample("casetrail_stage_reached_seconds_sum",
                  {**crisis, "stage": "assessed"}) == 40 * 60.0
    for kind in ("guardian_acknowledgement", "follow_up", "authority_report"):
        assert sample("casetrail_policy_breaches_total",
                      {"service": "supervision", "kind": kind}) == 1
    labels = {name for family in metrics.registry.collect() for s in family.samples
              for name in s.labels}
    assert labels <= {"service", "tier", "stage", "kind", "consumer", "cause", "reason",
                      "le"}


def test_an_acknowledgement_its_contract_does_not_take_neither_counts_nor_hides_the_real_one(
        ) -> None:
    clocks = CaseClocks()
    envelopes = crisis_case()
    real = next(e for e in envelopes if e.type == "GuardianAcknowledged")
    forged = real.model_copy(update={"event_id": uuid4(), "occurred_at": envelopes[1].occurred_at,
                                     "data": {"notice_id": "not-a-notice"}})
    seen = [told for envelope in [envelopes[0], forged, *envelopes[1:]]
            for told in clocks.take(envelope)]
    assert [told for told in seen if isinstance(told, Acknowledged)] == [
        Acknowledged("crisis", 78 * 60.0)]
