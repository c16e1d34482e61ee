"""An application that keeps students' personal data: sealed through the PersonalData port,
and erased per student by deleting their data key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casetrail.kernel import EventMeta
from casetrail.personal.erasure import Erasure
from casetrail.personal.sealing import PersonalData, opened, seal_or_none
from casetrail.store import ServiceApplication
from contracts.codes import ErasureReason


@dataclass(frozen=True)
class ErasureDone:
    student_key: str
    reason: str
    erased_by: dict[str, str]
    erased_at: datetime
    # Whether this request erased anything (False for a repeat, which changes nothing).
    erased_now: bool


class PersonalRecords(ServiceApplication):
    def __init__(self, env: dict[str, str], personal: PersonalData) -> None:
        super().__init__(env)
        self.personal = personal

    def close(self) -> None:
        super().close()
        self.personal.close()

    def seal(self, student_key: str, value: Any) -> str | None:
        return seal_or_none(self.personal, student_key, value)

    def opened(self, student_key: str, data: Any) -> Any:
        """What a reader is shown: the personal fields opened, or "[erased]"."""
        return opened(self.personal, student_key, data)

    def erase_student(self, student_key: str, reason: ErasureReason,
                      meta: EventMeta) -> ErasureDone:
        """Deletes the student's data key, then records the erasure once. The key goes
        first, so that a failure between the two leaves a retry something to record."""
        self.personal.erase(student_key)
        erasure = self.find_case(Erasure.id_for(student_key), Erasure)
        erased_now = erasure is None
        if erasure is None:
            erasure = Erasure.record(student_key, reason.value, meta)
            self.record(erasure)
        return ErasureDone(student_key, erasure.reason, erasure.erased_by, erasure.erased_at,
                           erased_now)
