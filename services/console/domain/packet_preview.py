"""What a receiver will see of a referral before it is sent: each category of the packet,
whether the receiver's directory entry lets it go (`may_receive`), and what it would hold,
from the form (the student's and family's details, the summary) and from the record (the
tier, the signs). The referral service decides; this shows its rule before it is applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# In the order a packet lists them (services/referral/domain/receivers.py).
CATEGORIES = ("student_identity", "student_pseudonym", "guardian_contact", "risk_tier",
              "signs_observed", "assessment_summary")
PSEUDONYM = "pseudonym"  # made by the service as it sends: no name


@dataclass(frozen=True)
class Shown:
    category: str
    goes: bool
    values: tuple[str, ...] = ()
    codes: bool = False  # the values are codes, to be worded


def _details(entry: Any) -> tuple[str, ...]:
    if not isinstance(entry, Mapping):
        return ()
    return tuple(f"{key}: {value}" for key, value in entry.items() if value not in (None, ""))


def packet_preview(receiver: Mapping[str, Any] | None, body: Mapping[str, Any],
                   assessment: Any, intake: Any) -> list[Shown]:
    allowed = set(receiver.get("may_receive", ())) if receiver else set()
    packet = body.get("packet") or {}
    tier = assessment.get("tier") if isinstance(assessment, Mapping) else None
    signs = sorted({sign for report in (intake or {}).get("reports", ())
                    for sign in report.get("signs", ())}) if isinstance(intake, Mapping) else []
    held: dict[str, tuple[tuple[str, ...], bool]] = {
        "student_identity": (_details(packet.get("patient")), False),
        "student_pseudonym": ((PSEUDONYM,), True),
        "guardian_contact": (_details(packet.get("guardian")), False),
        "risk_tier": ((tier,) if tier else (), True),
        "signs_observed": (tuple(signs), True),
        "assessment_summary": ((packet["summary"],) if packet.get("summary") else (), False),
    }
    return [Shown(category, category in allowed, *held[category]) for category in CATEGORIES]
