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


# Whose events each service consumes: its durable consumers, and what the bus lets it read.
CONSUMES: dict[str, tuple[str, ...]] = {
    "intake": ("referral",),
    "assessment": ("intake", "referral"),
    "notification": ("assessment", "intake", "referral"),
    "referral": ("assessment", "intake"),
}


def durable_name(service: str, upstream: str) -> str:
    """The durable consumer through which `service` reads `upstream`'s events."""
    return f"{service}-from-{upstream}"
