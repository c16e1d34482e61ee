"""The crisis team's work lists: cases that need someone, as ids, codes and dates."""

from __future__ import annotations

from typing import Annotated, Any
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

CONCERN_AFTER_CLOSURE = "concern_after_closure"


def routes(api: FastAPI, runtime: ServiceRuntime, app: ReferralApplication) -> None:
    run = runtime.thread.run

    async def logged(listed: str, case_ids: list[UUID], purpose: str,
                     reader: Principal) -> None:
        await run(lambda: app.read_list(listed, case_ids, purpose=purpose,
                                        reader=reader.meta()))

    @api.get("/referrals/flagged")
    async def flagged(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                      ) -> list[dict[str, Any]]:
        """Declined or unanswered referrals no later referral has made good, and reports
        on cases already closed."""
        cases = await run(app.flagged)
        await logged("flagged_referrals", [c.id for c in cases], purpose, reader)
        return [_flagged(case) for case in cases]

    @api.get("/referrals/without-consent")
    async def without_consent(
            reader: Annotated[Principal, ACCESS.depends("read_disclosures_without_consent")],
            purpose: Purpose = DEFAULT_PURPOSE) -> list[dict[str, Any]]:
        """Every disclosure made without consent, under the safety override, with its
        rationale: the auditor's to look at, each one."""
        found = await run(app.disclosed_without_consent)
        await logged("disclosed_without_consent", sorted({c.id for c, _ in found}), purpose,
                     reader)
        return [{"case_id": case.id, "referral_id": r.referral_id,
                 "receiver_id": r.receiver_id, "receiver_type": r.receiver_type,
                 "disclosed": r.disclosed, "basis": r.basis, "rationale": r.rationale,
                 "without_consent": r.without_consent} for case, r in found]

    @api.get("/follow-ups/overdue")
    async def overdue(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                      ) -> list[dict[str, Any]]:
        due = await run(app.overdue_follow_ups)
        await logged("overdue_follow_ups", [case.id for case, _ in due], purpose, reader)
        return [{"case_id": case.id, "tier": case.tier,
                 "overdue": [{"number": f.number, "due": f.due} for f in follow_ups]}
                for case, follow_ups in due]

    @api.get("/home-visits/due")
    async def visits_due(reader: Lister, purpose: Purpose = DEFAULT_PURPOSE
                         ) -> list[dict[str, Any]]:
        missing = await run(lambda: app.board.visits_missing())
        await logged("home_visits_due", sorted(missing), purpose, reader)
        return [{"case_id": case_id, "semesters": semesters}
                for case_id, semesters in sorted(missing.items())]


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
