"""The board of deadlines and the packets: what the timers, the webhooks and the person
carrying a packet by hand read from referral's store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Protocol
from uuid import UUID

from casetrail.case_read import CaseRead
from casetrail.kernel import CaseRuleViolated, EventMeta
from casetrail.personal.records import PersonalRecords
from casetrail.personal.sealing import ERASED
from contracts.codes import ReferralResponse, Role, Tier
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.board import ReferralBoard
from services.referral.domain.directory import Directory
from services.referral.domain.feedback import Feedback
from services.referral.domain.referrals import Referral

# What of a case reading a referral's packet shows.
REFERRAL_PACKET = "referral_packet"


@dataclass(frozen=True)
class CaseCodes:
    """What the packet may say about the case besides the referral's own packet."""

    case_id: UUID
    tier: str
    signs: list[str]
    student_key: str | None
    school_id: str | None = None  # the requester: the school this deployment serves


class TaskRefused(ValueError):
    """A Task body that is not valid FHIR, or says nothing referral understands: where
    (FHIRPath within the Task, `""` for the whole) and which rule, each never the value."""

    def __init__(self, *problems: tuple[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field or 'Task'}: {rule}" for field, rule in problems))


class NotAnAnswer(CaseRuleViolated):
    """A valid R4 Task status that is not the receiver's to set (HTTP 409)."""


class FhirFormat(Protocol):
    """The receivers' format: the packet sent them, and the Task they read and answer on."""

    def packet_bundle(self, referral: Referral, case: CaseCodes,
                      receiver_name: str) -> dict[str, Any]: ...

    def read_task(self, body: dict[str, Any]) -> tuple[ReferralResponse, str | None]:
        """The receiver's answer and decline reason; TaskRefused if it says none."""

    def read_output(self, body: dict[str, Any]) -> Feedback | None:
        """The receiver's feedback in its Task's output; TaskRefused if it is malformed."""

    def task(self, referral: Referral, case: CaseCodes) -> dict[str, Any]:
        """The referral's Task as the facade serves it."""

    def capabilities(self) -> dict[str, Any]:
        """What the facade supports, as a CapabilityStatement."""


@dataclass(frozen=True)
class OutgoingPacket:
    case_id: UUID
    referral_id: UUID
    receiver_id: str
    endpoint: str
    bundle: dict[str, Any]


class PacketPoster(Protocol):
    async def post(self, endpoint: str, receiver_id: str, referral_id: UUID,
                   bundle: dict[str, Any]) -> str | None:
        """None when the receiver took the packet; otherwise the reason, as a code."""


class PacketsAndBoard(PersonalRecords):
    name = "referral"
    directory: Directory
    fhir: FhirFormat
    school_id: str | None

    @cached_property
    def board(self) -> ReferralBoard:
        """Built from the whole store on first use (not in the relay, which never asks)."""
        return self.keep_read_model(ReferralBoard())

    def packets_due(self, now: datetime,
                    backoff: Callable[[int], timedelta]) -> list[OutgoingPacket]:
        """Packets for receivers with a webhook, not yet taken, whose retry time has come."""
        due = []
        for referral_id, (case_id, receiver_id) in list(self.board.undelivered.items()):
            entry = self.directory.find(receiver_id)
            if entry is None or entry.endpoint is None:
                continue  # a person carries it
            attempt, last = self.board.last_failure.get(referral_id, (0, None))
            if last is not None and last + backoff(attempt) > now:
                continue
            aftercare = self.get_case(case_id, Aftercare)
            referral = self._opened_referral(aftercare, aftercare.referral(referral_id))
            due.append(OutgoingPacket(case_id, referral_id, receiver_id, str(entry.endpoint),
                                      self.fhir.packet_bundle(
                                          referral, self._codes(aftercare), entry.name)))
        return due

    def read_packet(self, case_id: UUID, referral_id: UUID, *, purpose: str,
                    reader: EventMeta) -> dict[str, Any]:
        """The packet as FHIR, for the person who carries it to a receiver without a
        webhook: a read of the case, logged as such. Once its consent is withdrawn it is
        not carried any more: only the auditor reads it then, as the trail of what went."""
        aftercare = self.get_case(case_id, Aftercare)
        stopped = aftercare.disclosure_stopped(referral_id)
        if stopped and reader.actor_role != Role.AUDITOR:
            raise CaseRuleViolated(stopped)
        self.record(CaseRead(case_id, purpose, reader, REFERRAL_PACKET))
        referral = self._opened_referral(aftercare, aftercare.referral(referral_id))
        entry = self.directory.find(referral.receiver_id)
        return self.fhir.packet_bundle(referral, self._codes(aftercare),
                                       entry.name if entry else referral.receiver_id)

    def _opened_referral(self, aftercare: Aftercare, referral: Referral) -> Referral:
        """The referral with its packet and rationale opened; an erased part is left out
        of the packet (nothing of it is left to send)."""
        key = aftercare.student_key
        if key is None:
            return referral
        packet = {part: value for part, value in self.opened(key, referral.packet).items()
                  if value != ERASED}
        return replace(referral, packet=packet, rationale=self.opened(key, referral.rationale))

    def read_task(self, body: dict[str, Any]) -> tuple[ReferralResponse, str | None]:
        """A receiver's Task as its answer (TaskRefused if it is none); reads no store."""
        return self.fhir.read_task(body)

    def task_of(self, aftercare: Aftercare, referral: Referral) -> dict[str, Any]:
        """The referral's Task as it stands, its feedback opened (reads no store)."""
        if referral.feedback and aftercare.student_key:
            feedback = {part: value for part, value in
                        self.opened(aftercare.student_key, referral.feedback).items()
                        if value != ERASED}
            referral = replace(referral, feedback=feedback)
        return self.fhir.task(referral, self._codes(aftercare))

    def read_output(self, body: dict[str, Any]) -> Feedback | None:
        return self.fhir.read_output(body)

    def _codes(self, aftercare: Aftercare) -> CaseCodes:
        return CaseCodes(aftercare.id, aftercare.tier or Tier.NONE.value,
                         list(aftercare.signs), aftercare.student_key, self.school_id)

    def mark_delivered(self, case_id: UUID, referral_id: UUID, now: datetime) -> None:
        aftercare = self.get_case(case_id, Aftercare)
        if aftercare.mark_delivered(referral_id, EventMeta.by(Role.SYSTEM, self.name,
                                                              occurred_at=now)):
            self.record(aftercare)

    def delivery_failed(self, case_id: UUID, referral_id: UUID, reason: str,
                        now: datetime) -> int:
        aftercare = self.get_case(case_id, Aftercare)
        attempt = aftercare.delivery_failed(referral_id, reason,
                                            EventMeta.by(Role.SYSTEM, self.name,
                                                         occurred_at=now))
        self.record(aftercare)
        return attempt
