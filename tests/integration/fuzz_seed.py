"""The state every POST and PUT of the fuzz test needs to be carried out, made once before
it: the cases, reports, screening, incident, transfer and referrals its paths name, and the
facts a valid body takes from them (tests/integration/fuzz_fits.py).

Each operation that moves a record along (closing a case, answering a referral, receiving a
transfer) gets a record of its own, so that another operation cannot use up the state it
needs: the answers' referral is not the FHIR Task's, the case that closes and reopens has
nothing else done to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts.codes import Instrument, ReceiverType, Role, SchoolStage, Sign, Tier
from services.assessment.domain.assessment import Assessment
from services.intake.domain.transfer import is_later_stage
from services.referral.application import ReferralApplication
from services.referral.domain.receivers import DISCLOSURE
from tests.application.all_services import Running
from tests.application.conftest import assigned, deliver, detected, envelope
from tests.application.test_notification import crisis_path
from tests.application.test_referral import consented, decide
from tests.identity import bearer

TEAM = bearer(Role.CRISIS_TEAM)
HEAD = bearer(Role.CRISIS_TEAM_HEAD)
# The seed's reports are the class teacher's (`class_teacher-1`, as tests sign in).
TEACHER = bearer(Role.CLASS_TEACHER)
# Assigned to every seeded case, each as `<role>-1`.
ASSIGNED = frozenset({Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.EXTERNAL_PROFESSIONAL})
RECEIVER = "anding-hospital"
RECEIVER_TOKEN = "fuzz-receiver-token"
TRANSFER_SCHOOL = "middle-1"
SCREENING_INSTRUMENT = Instrument.ASQ
# Students of the seeded screening with both consents on record; a row for anyone else
# is refused by line.
SCREENED = ("S-1", "S-2", "S-3", "S-4")


@dataclass
class Seeded:
    """Path parameters per service and, where an operation needs a record of its own, per
    operation label; and what the fitted bodies take from the seeded state."""

    paths: dict[str, dict[str, str]]
    by_operation: dict[str, dict[str, str]] = field(default_factory=dict)
    # Each receiver of the directory, and the categories it may be told.
    receivers: dict[str, frozenset[str]] = field(default_factory=dict)
    checklist: tuple[str, ...] = ()
    later_stages: tuple[SchoolStage, ...] = ()
    receiver_types: dict[str, ReceiverType] = field(default_factory=dict)
    # The seeded case's consent to any receiver of each type, covering every category.
    consents: dict[ReceiverType, str] = field(default_factory=dict)
    # The tier assessment proposes for the decision's case: deciding another overrides it.
    proposed_tier: Tier | None = None

    def path_of(self, service: str, label: str) -> dict[str, str]:
        return {**self.paths.get(service, {}), **self.by_operation.get(label, {})}


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _report(intake: Any, student: str) -> dict[str, Any]:
    return _created(intake.post("/reports", headers=TEACHER, json={
        "student": {"school_student_id": student, "name": "张三"},
        "channel": "staff_observation", "signs": ["self_harm"]}))


def _seed_intake(intake: Running) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    http = intake.http
    reported = _report(http, "S-1")
    case_id = reported["case_id"]
    # Its own report for the acknowledgements: the forwards move the first one up.
    acknowledged = _report(http, "S-2")
    today = datetime.now(UTC).date().isoformat()
    screening = _created(http.post("/screenings", headers=TEAM, json={
        "instrument": SCREENING_INSTRUMENT, "held_on": today}))["screening_id"]
    _created(http.post(f"/screenings/{screening}/consents", headers=TEAM, json={"consents": [
        {"school_student_id": student, "student_consented": True, "guardian_consented": True}
        for student in SCREENED]}))
    incident = _created(http.post("/incidents", headers=TEAM, json={
        "student": {"school_student_id": "S-1"}, "kind": "self_harm"}))
    for case in {case_id, acknowledged["case_id"], incident["case_id"]}:
        for role in ASSIGNED:
            _created(http.post(f"/cases/{case}/assignments", headers=HEAD, json={
                "assignee_id": f"{role.value}-1", "assignee_role": role.value}))
    transfer = _created(http.post(f"/cases/{case_id}/transfers", headers=bearer(
        Role.PRINCIPAL), json={
        "to_school": TRANSFER_SCHOOL, "to_stage": "middle",
        "consent": {"guardian_rank": 1, "guardian_given_at": datetime.now(UTC).isoformat(),
                    "student_consented": True}}))
    paths = {"case_id": case_id, "report_id": reported["report_id"],
             "screening_id": screening, "transfer_id": transfer["transfer_id"],
             "school_student_id": "S-1"}
    return paths, {
        "POST /cases/{case_id}/reports/{report_id}/acknowledgements": {
            "case_id": acknowledged["case_id"], "report_id": acknowledged["report_id"]},
        "POST /cases/{case_id}/incidents/{incident_id}/checklist": {
            "case_id": incident["case_id"], "incident_id": incident["incident_id"]}}


def _refer(referral: Running, case_id: UUID, receiver_id: str) -> str:
    app = referral.app
    assert isinstance(app, ReferralApplication)
    entry = app.directory.find(receiver_id)
    assert entry is not None
    consent_id = consented(app, case_id, receiver_type=entry.type)
    referred = _created(referral.http.post(f"/cases/{case_id}/referrals", headers=TEAM,
                                           json={"receiver_id": receiver_id,
                                                 "consent_id": str(consent_id)}))
    referral_id: str = referred["referral_id"]
    return referral_id


def _seed_referral(referral: Running, case_id: UUID
                   ) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    app = referral.app
    assert isinstance(app, ReferralApplication)
    # A crisis: a referral may go under the safety override.
    decide(app, Tier.CRISIS, case_id=case_id)
    answered = _refer(referral, case_id, RECEIVER)
    tasked = decide(app, Tier.SERIOUS)
    task = _refer(referral, tasked, RECEIVER)
    # Discharged, for the return plan: a receiver without a webhook, answered by staff.
    returning = decide(app, Tier.SERIOUS)
    discharged = _refer(referral, returning, "district-centre")
    for response in ("accepted", "discharged"):
        _created(referral.http.post(f"/cases/{returning}/referrals/{discharged}/answers",
                                    headers=TEAM, json={"response": response}))
    # Tier none needs no follow-up to close; closure and reopening take turns on it.
    closing = str(decide(app, Tier.NONE))
    withdrawn = consented(app, case_id)  # the first withdrawal takes it, the next are 409s
    return {"case_id": str(case_id), "referral_id": answered,
            "consent_id": str(withdrawn)}, {
        "PUT /fhir/Task/{referral_id}": {"referral_id": task},
        "PATCH /fhir/Task/{referral_id}": {"referral_id": task},
        "GET /fhir/Task/{referral_id}": {"referral_id": task},
        "POST /cases/{case_id}/return-plan": {"case_id": str(returning)},
        "POST /cases/{case_id}/closure": {"case_id": closing},
        "POST /cases/{case_id}/reopen": {"case_id": closing}}


def seed(services: dict[str, Running]) -> Seeded:
    """Real records in every service, and the ids the operations' paths name."""
    paths, by_operation = _seed_intake(services["intake"])
    case_id = UUID(paths["case_id"])
    assessment = services["assessment"].app
    # Its own case for the decision: the instruments given on the first change its proposal.
    deciding = uuid4()
    for detected_case in (case_id, deciding):
        deliver(assessment, assessment.on_case_detected,  # type: ignore[attr-defined]
                envelope("intake", detected_case, detected(Sign.SELF_HARM)))
    by_operation["POST /cases/{case_id}/decision"] = {"case_id": str(deciding)}
    proposed = assessment.get_case(deciding, Assessment).proposed_tier
    notification = services["notification"].app
    # Its own case for the acknowledgements: a call that reaches a guardian acknowledges.
    acknowledging = uuid4()
    for notified in (case_id, acknowledging):
        deliver(notification, notification.on_crisis_path_started,  # type: ignore[attr-defined]
                envelope("assessment", notified, crisis_path()))
    by_operation["POST /cases/{case_id}/acknowledgements"] = {"case_id": str(acknowledging)}
    referral_paths, referral_targets = _seed_referral(services["referral"], case_id)
    by_operation.update(referral_targets)
    referral_app = services["referral"].app
    assert isinstance(referral_app, ReferralApplication)
    cases = {case_id, deciding, acknowledging, *(UUID(c["case_id"]) for c in [
        *referral_targets.values(), *by_operation.values()] if "case_id" in c)}
    for name, running in services.items():
        if name != "intake":
            for case in cases:
                for role in ASSIGNED:
                    assigned(running.app, case, f"{role.value}-1", role)
    policy = services["intake"].app.policy  # type: ignore[attr-defined]
    return Seeded(
        paths={"intake": paths, "assessment": {"case_id": str(case_id)},
               "notification": {"case_id": str(case_id), "school_student_id": "S-1"},
               "referral": referral_paths},
        by_operation=by_operation,
        receivers={r.id: frozenset(r.receiver().may_receive)
                   for r in referral_app.directory.receivers},
        receiver_types={r.id: r.type for r in referral_app.directory.receivers},
        consents={kind: str(consented(referral_app, case_id, {"scope": DISCLOSURE[kind]},
                                      receiver_type=kind)) for kind in ReceiverType},
        checklist=policy.checklist,
        later_stages=tuple(s for s in SchoolStage if is_later_stage(s, policy.school_stage)),
        proposed_tier=Tier(proposed) if proposed else None)
