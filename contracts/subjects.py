"""Subject names on the bus: `case.<case_id>.<service>.<event_type>` and `dlq.<service>`."""

from uuid import UUID

CASES_STREAM = "CASES"
DLQ_STREAM = "DLQ"
# The services' signed checkpoints of their logs (hashes only), kept for good like CASES.
CHECKPOINTS_STREAM = "CHECKPOINTS"
CASE_SUBJECTS = "case.>"
DLQ_SUBJECTS = "dlq.>"

# Header carrying the producer's notification-log position: for people and auditors matching
# a message to its store; no consumer decides anything by it.
POSITION_HEADER = "Casetrail-Position"
MSG_ID_HEADER = "Nats-Msg-Id"
# W3C trace context of the work that recorded the event (when tracing is on): telemetry only.
TRACEPARENT_HEADER = "traceparent"


def case_subject(case_id: UUID, service: str, event_type: str) -> str:
    return f"case.{case_id}.{service}.{event_type}"


def case_trail(case_id: UUID) -> str:
    """Every event of one case, across all services."""
    return f"case.{case_id}.>"


def from_service(service: str, event_type: str = "*") -> str:
    return f"case.*.{service}.{event_type}"


def outbox_subject(service: str) -> str:
    """Core NATS (not in any stream): "events were committed", waking that service's relay."""
    return f"casetrail.outbox.{service}"


def dlq_subject(service: str) -> str:
    return f"dlq.{service}"


# The event types each service acts on, by whose they are: what its subscriptions handle
# (every reader of intake's also notes from STANDING_EVENTS who stands to a case),
# for the bus's documentation (contracts.asyncapi); a test holds the services' wiring to it.
STANDING_EVENTS = ("CaseDetected", "ReportAttached", "CaseAssigned", "BreakGlassOpened")
_CLOSING = ("CaseClosed", "CaseReopened")
HANDLES: dict[str, dict[str, frozenset[str]]] = {
    "intake": {"referral": frozenset(_CLOSING)},
    "assessment": {"intake": frozenset({*STANDING_EVENTS, "KeyConcernsNoted"}),
                   "referral": frozenset(_CLOSING)},
    "notification": {"assessment": frozenset({"CrisisPathStarted", "TierDecided"}),
                     "intake": frozenset({*STANDING_EVENTS, "IncidentReported"}),
                     "referral": frozenset(_CLOSING)},
    "referral": {"assessment": frozenset({"CrisisPathStarted", "TierDecided"}),
                 "intake": frozenset({*STANDING_EVENTS, "KeyConcernsNoted"})},
}

# Whose events each service consumes: its durable consumers, and what the bus lets it read.
CONSUMES: dict[str, tuple[str, ...]] = {
    service: tuple(sorted(upstreams)) for service, upstreams in HANDLES.items()}


def durable_name(service: str, upstream: str) -> str:
    """The durable consumer through which `service` reads `upstream`'s events."""
    return f"{service}-from-{upstream}"
