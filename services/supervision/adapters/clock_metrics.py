"""The domain's clocks on the process's metrics: a follower of CASES, as the replica reads
it from the stream's start (so a restart counts the whole stream again)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from casetrail.metrics import ServiceMetrics
from contracts.envelope import Envelope
from services.supervision.domain.clocks import Acknowledged, CaseClocks, Reached

HOUR = 3600.0
# The first hours decide most, the policy's times run to days.
BUCKETS = tuple(HOUR * hours for hours in (0.25, 0.5, 1, 2, 4, 8, 12, 24, 48, 72, 168))


class ClockMetrics:
    def __init__(self, metrics: ServiceMetrics, service: str) -> None:
        self.service = service
        self.clocks = CaseClocks()
        self.acknowledged = Histogram(
            "casetrail_guardian_acknowledgement_seconds", "From a case's detection to a "
            "guardian's first acknowledgement, by the tier notified", ("service", "tier"),
            buckets=BUCKETS, registry=metrics.registry)
        self.reached = Histogram(
            "casetrail_stage_reached_seconds", "From a case's detection to its first reaching "
            "each stage of the pipeline, by the case's tier then", ("service", "stage", "tier"),
            buckets=BUCKETS, registry=metrics.registry)
        self.breached = Counter("casetrail_policy_breaches", "Policy times that ran out, by "
                                "kind", ("service", "kind"), registry=metrics.registry)

    def take(self, envelope: Envelope, _: int) -> None:
        for seen in self.clocks.take(envelope):
            if isinstance(seen, Acknowledged):
                self.acknowledged.labels(self.service, seen.tier).observe(seen.seconds)
            elif isinstance(seen, Reached):
                self.reached.labels(self.service, seen.stage.value, seen.tier).observe(
                    seen.seconds)
            else:
                self.breached.labels(self.service, seen.kind).inc()
