"""Which answer of a receiver may follow which: a referral's status as a state machine.

The R4 Task workflow as the school's referrals live it: a receiver may acknowledge
(received) before it accepts or declines; an accepted referral is scheduled, admitted and
discharged; a student may miss an appointment (no-show) and be scheduled again; the
receiver may cancel it, or fail to carry it out, while it is in its hands. Declined,
discharged, failed, cancelled and unanswered are final.
"""

from __future__ import annotations

from contracts.codes import ReferralResponse as Answer

REQUESTED = "requested"
UNANSWERED = "unanswered"

ALLOWED: dict[str, frozenset[Answer]] = {
    REQUESTED: frozenset({Answer.RECEIVED, Answer.ACCEPTED, Answer.DECLINED, Answer.CANCELLED}),
    Answer.RECEIVED: frozenset({Answer.ACCEPTED, Answer.DECLINED, Answer.CANCELLED}),
    Answer.ACCEPTED: frozenset({Answer.SCHEDULED, Answer.ADMITTED, Answer.DISCHARGED,
                                Answer.CANCELLED, Answer.FAILED}),
    Answer.SCHEDULED: frozenset({Answer.ADMITTED, Answer.DISCHARGED, Answer.NO_SHOW,
                                 Answer.CANCELLED, Answer.FAILED}),
    Answer.NO_SHOW: frozenset({Answer.SCHEDULED, Answer.CANCELLED, Answer.FAILED}),
    Answer.ADMITTED: frozenset({Answer.DISCHARGED, Answer.FAILED}),
}
FINAL = frozenset({Answer.DECLINED.value, Answer.DISCHARGED.value, Answer.FAILED.value,
                   Answer.CANCELLED.value, UNANSWERED})
# Still waiting for the receiver's answer: its answer time runs on (received is no answer).
AWAITING = frozenset({REQUESTED, Answer.RECEIVED.value})


def refusal(status: str, answer: Answer) -> str | None:
    """Why `answer` may not follow a referral that is `status`; None if it may."""
    if answer in ALLOWED.get(status, frozenset()):
        return None
    if status in FINAL:
        return f"a referral that is {status} is final: it cannot be {answer.value}"
    return f"a referral that is {status} cannot be {answer.value}"
