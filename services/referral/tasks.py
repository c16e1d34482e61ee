"""The receivers' view of their referrals: each referral's FHIR Task, read one at a time or
searched, only by the receiver it went to; every read logged."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casetrail.case_read import CaseRead
from casetrail.kernel import CaseNotFound, EventMeta
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.referrals import Referral
from services.referral.packets import PacketsAndBoard

# What of a case a receiver's read of its Task shows; the list of its Tasks searched.
REFERRAL_TASK = "referral_task"
REFERRAL_TASKS = "referral_tasks"


class NotYourReferral(PermissionError):
    """A receiver answering for a referral made to another receiver (HTTP 403)."""


class VersionConflict(Exception):
    """An update made against a version of the Task that is no longer its latest (HTTP 412)."""

    def __init__(self, current: int) -> None:
        self.current = current
        super().__init__(f"the Task is at version {current}: read it again, then update it")


class ReceiverTasks(PacketsAndBoard):
    def receivers_referral(self, referral_id: UUID,
                           receiver_id: str) -> tuple[Aftercare, Referral]:
        """The referral, if it went to this receiver: 404 if none, 403 if another's."""
        case_id = self.board.cases_of.get(referral_id)
        if case_id is None:
            raise CaseNotFound(f"no referral {referral_id}")
        aftercare = self.get_case(case_id, Aftercare)
        referral = aftercare.referral(referral_id)
        if referral.receiver_id != receiver_id:
            raise NotYourReferral(f"referral {referral_id} was not made to {receiver_id}")
        return aftercare, referral

    def task(self, referral_id: UUID, receiver_id: str) -> dict[str, Any]:
        """The Task as it stands, for the answer to an update (no read of the case)."""
        aftercare, referral = self.receivers_referral(referral_id, receiver_id)
        return self.task_of(aftercare, referral)

    def read_task_as_receiver(self, referral_id: UUID, receiver_id: str, *, purpose: str,
                              reader: EventMeta) -> dict[str, Any]:
        """The receiver's read of its Task, logged as a read of the case."""
        aftercare, referral = self.receivers_referral(referral_id, receiver_id)
        self.record(CaseRead(aftercare.id, purpose, reader, REFERRAL_TASK))
        return self.task_of(aftercare, referral)

    def search_tasks(self, receiver_id: str, statuses: set[str] | None, *, purpose: str,
                     reader: EventMeta) -> list[dict[str, Any]]:
        """The receiver's own Tasks (of an R4 status, if given), oldest referral first; the
        read is logged as a list read of the cases shown."""
        found = []
        for referral_id, receiver in list(self.board.receiver_of.items()):
            if receiver != receiver_id:
                continue
            aftercare = self.get_case(self.board.cases_of[referral_id], Aftercare)
            resource = self.task_of(aftercare, aftercare.referral(referral_id))
            if statuses is None or resource["status"] in statuses:
                found.append((aftercare.id, resource))
        self.read_list(REFERRAL_TASKS, list(dict.fromkeys(case for case, _ in found)),
                       purpose=purpose, reader=reader)
        return [resource for _, resource in found]
