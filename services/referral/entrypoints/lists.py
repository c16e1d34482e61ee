"""The crisis team's work lists: cases that need someone, as ids, codes and dates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import FastAPI

from casetrail.http import DEFAULT_PURPOSE, Purpose
from casetrail.identity.principal import Principal
from casetrail.service import ServiceRuntime
from services.referral.application import ReferralApplication
from services.referral.domain.aftercare import Aftercare
from services.referral.domain.referrals import Referral
from services.referral.entrypoints.access import ACCESS

Lister = Annotated[Principal, ACCESS.depends("read_work_lists")]
# Whose cases a work list shows: those the reader may read.
READ_CASE = ACCESS["read_case"]
T = TypeVar("T")

CONCERN_AFTER_CLOSURE = "concern_after_closure"


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    """Each list shows only the cases the reader may read (a psychology teacher, those
    assigned to them), and logs the read of those."""
    run = runtime.thread.run
    assert runtime.relations is not None, "the runtime always has a relation book"
    book = runtime.relations

    async def listed(name: str, found: Callable[[], Sequence[T]], case_of: Callable[[T], UUID],
                     purpose: str, reader: Principal) -> list[T]:
        def read() -> list[T]:
            shown = READ_CASE.visible_items(book, reader, found(), case_of)
            app.read_list(name, [case_of(item) for item in shown], purpose=purpose,
                          reader=reader.meta())
            return shown

        return await run(read)

    @api.get("/referrals/flagged")
    async def flagged(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                      ) -> list[dict[str, Any]]:
        """Declined or unanswered referrals no later referral has made good, and reports
        on cases already closed."""
        cases = await listed("flagged_referrals", app.flagged, _id, purpose, reader)
        return [_flagged(case) for case in cases]

    @api.get("/referrals/without-consent")
    async def without_consent(
            reader: Annotated[Principal, ACCESS.depends("read_disclosures_without_consent")],
            purpose: Purpose = DEFAULT_PURPOSE) -> list[dict[str, Any]]:
        """Every disclosure made without consent, under the safety override, with its
        rationale: the auditor's to look at, each one."""
        found = await listed("disclosed_without_consent", app.disclosed_without_consent,
                             lambda item: item[0].id, purpose, reader)
        return [{"case_id": case.id, "referral_id": r.referral_id,
                 "receiver_id": r.receiver_id, "receiver_type": r.receiver_type,
                 "disclosed": r.disclosed, "basis": r.basis, "rationale": r.rationale,
                 "without_consent": r.without_consent} for case, r in found]

    @api.get("/follow-ups/overdue")
    async def overdue(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                      ) -> list[dict[str, Any]]:
        due = await listed("overdue_follow_ups", app.overdue_follow_ups,
                           lambda item: item[0].id, purpose, reader)
        return [{"case_id": case.id, "tier": case.tier,
                 "overdue": [{"number": f.number, "due": f.due} for f in follow_ups]}
                for case, follow_ups in due]

    @api.get("/home-visits/due")
    async def visits_due(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                         ) -> list[dict[str, Any]]:
        missing = await listed("home_visits_due",
                               lambda: sorted(app.board.visits_missing().items()),
                               lambda item: item[0], purpose, reader)
        return [{"case_id": case_id, "semesters": semesters} for case_id, semesters in missing]


def _id(case: Aftercare) -> UUID:
    return case.id


def _flagged(case: Aftercare) -> dict[str, Any]:
    flags = case.flags()
    reasons = sorted({f"referral_{r.status}" for r in flags}
                     | ({CONCERN_AFTER_CLOSURE} if case.reports_after_closure else set()))
    return {"case_id": case.id, "tier": case.tier, "closed": case.closed, "reasons": reasons,
            "referrals": [_flag(case, r) for r in flags],
            "reports_after_closure": case.reports_after_closure}


def _flag(case: Aftercare, referral: Referral) -> dict[str, Any]:
    rerouted_to = next((later.referral_id for later in case.referrals
                        if later.rerouted_from == referral.referral_id), None)
    return {"referral_id": referral.referral_id, "receiver_id": referral.receiver_id,
            "receiver_type": referral.receiver_type, "status": referral.status,
            "decline_reason": referral.decline_reason, "rerouted_to": rerouted_to,
            "held": referral.held}
