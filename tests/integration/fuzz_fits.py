"""What a generated request needs, beyond what its OpenAPI schema can say, to be carried out:
per operation, a role allowed to act and the values a service checks against its rules or
its state (answers an instrument reads, a screening file with every column, a FHIR Task, a
consent that covers the referral, the level a report is at). Fitted onto the body that
schemathesis drew, the rest of it left as drawn, so that every POST and PUT reaches the
events it records (tests/integration/test_outbox_drains.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from openpyxl import Workbook

from casetrail.http import guarded_routes
from casetrail.identity.access import Permission, Relation
from contracts.codes import (
    Channel,
    DeclineReason,
    DisclosureBasis,
    ReceiverType,
    ReferralResponse,
    ReportLevel,
    Role,
)
from contracts.fhir import BUSINESS_STATUS_SYSTEM, DECLINE_SYSTEM
from contracts.instruments import INSTRUMENTS, InstrumentDefinition
from contracts.instruments.answers import _SPELLINGS
from contracts.instruments.definitions import AnswerType, Item
from services.intake.domain.report_chain import ACKNOWLEDGERS, reporter_problem
from services.referral.domain.receivers import DISCLOSURE, PACKET_PARTS
from services.referral.entrypoints.access import ACCESS as REFERRAL_ACCESS
from services.referral.entrypoints.consents import CATEGORIES
from tests.identity import token
from tests.integration.fuzz_seed import (
    ASSIGNED,
    RECEIVER_TOKEN,
    SCREENED,
    SCREENING_INSTRUMENT,
    TRANSFER_SCHOOL,
    Seeded,
)

# Who signs in, when nudged: those allowed most commands (a random role is mostly a 403).
STAFF = [Role.CRISIS_TEAM, Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.PRINCIPAL]
# Fixed for the run: hypothesis replays draws, which must not depend on the clock.
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
AROUND_A_YEAR = timedelta(days=400)  # either side of the bounds of a year
WELL_WITHIN = timedelta(days=300)
MOMENTS = {"at", "given_at", "guardian_given_at", "recorded_at", "occurred_at", "observed_at"}
# Dates by field, drawn around the bounds when nudged, within them when fitted: a day
# something was done, one planned, a birth date.
DATES = {"made_on": (TODAY - WELL_WITHIN, TODAY - timedelta(days=1)),
         "review_on": (TODAY + timedelta(days=1), TODAY + WELL_WITHIN),
         "held_on": (TODAY - WELL_WITHIN, TODAY + WELL_WITHIN),
         "birth_date": (TODAY - timedelta(days=18 * 365), TODAY - timedelta(days=6 * 365))}


def nudged(data: st.DataObject, body: Any, *, within: bool = False) -> Any:
    """The generated body with, drawn, its roles among the staff and its dates and times
    around today: either side of the bounds, or `within` them. Still input the schema
    allows: past the 403s and 422s that random roles and years make, to where events are
    made."""
    if isinstance(body, list):
        return [nudged(data, item, within=within) for item in body]
    if not isinstance(body, dict):
        return body
    changed = {}
    for key, value in body.items():
        if key == "role" and isinstance(value, str):
            changed[key] = data.draw(st.sampled_from(STAFF)).value
        elif key in DATES and isinstance(value, str):
            low, high = DATES[key] if within else (TODAY - AROUND_A_YEAR, TODAY + AROUND_A_YEAR)
            changed[key] = data.draw(st.dates(min_value=low, max_value=high)).isoformat()
        elif key in MOMENTS and isinstance(value, str):
            changed[key] = _moment(data, within=within)
        else:
            changed[key] = nudged(data, value, within=within)
    return changed


def _moment(data: st.DataObject, *, within: bool = True) -> str:
    earliest = NOW - (WELL_WITHIN if within else AROUND_A_YEAR)
    moment = data.draw(st.datetimes(min_value=earliest.replace(tzinfo=None),
                                    max_value=(NOW - timedelta(minutes=1)).replace(tzinfo=None)))
    return moment.replace(tzinfo=UTC).isoformat()


Body = dict[str, Any]
# A body's fit: the body changed in place, and the role that must act if the body decides it.
Fit = Callable[[st.DataObject, Body, Seeded, Permission], Role | None]
# By operation label: what fits a generated case (its path already naming seeded records).
FITS: dict[str, Callable[[st.DataObject, Any, Seeded, Permission], None]] = {}


def permissions(app: Any) -> dict[str, Permission]:
    """Each operation's permission, by label, from the service's routes."""
    return {f"{method} {route.path}": permission
            for route, permission in guarded_routes(app) for method in route.methods or ()}


def may_act(permission: Permission, among: Collection[Role] | None = None) -> list[Role]:
    """The roles (of `among`) that may take the action on the seeded records: on any, their
    school's, or as the assignee the seed made of their role."""
    return sorted(role for role, relations in permission.relations.items()
                  if (among is None or role in among) and (
                      relations & {Relation.ANY, Relation.SCHOOL}
                      or (Relation.ASSIGNED in relations and role in ASSIGNED)))


def signed_in(case: Any, role: Role) -> None:
    case.headers["authorization"] = f"Bearer {token(role)}"


def fits(label: str) -> Callable[[Fit], Fit]:
    """The fit of the body of the operation `label`, signed in as a role that may act."""

    def register(fit: Fit) -> Fit:
        def fitted(data: st.DataObject, case: Any, seeded: Seeded,
                   permission: Permission) -> None:
            role = fit(data, case.body, seeded, permission)
            if role is None:
                role = data.draw(st.sampled_from(may_act(permission)), label="role")
            signed_in(case, role)

        FITS[label] = fitted
        return fit

    return register


def as_is(data: st.DataObject, body: Body, seeded: Seeded,
          permission: Permission) -> Role | None:
    """Nothing but the role (and the dates and times, fitted for every operation)."""
    return None


for label in ("PUT /students/{school_student_id}/key-concerns", "POST /screenings",
              "POST /screenings/{screening_id}/consents", "POST /cases/{case_id}/acknowledgements",
              "POST /cases/{case_id}/calls", "POST /cases/{case_id}/intervention-plan",
              "POST /cases/{case_id}/follow-ups", "POST /cases/{case_id}/return-plan",
              "POST /cases/{case_id}/home-visits", "POST /cases/{case_id}/closure",
              "POST /cases/{case_id}/reopen", "POST /incidents",
              "POST /cases/{case_id}/break-glass",
              "POST /cases/{case_id}/consents/{consent_id}/withdrawal",
              "POST /students/{student_key}/erasure"):
    fits(label)(as_is)

# -- intake ----------------------------------------------------------------------------------

CHANNELS_AND_ROLES = [(channel, role) for channel in Channel for role in Role
                      if reporter_problem(channel, role) is None]


@fits("POST /reports")
def _report(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    channel, role = data.draw(st.sampled_from(
        [(c, r) for c, r in CHANNELS_AND_ROLES if r in permission.roles]), label="reporter")
    body["channel"] = channel.value
    return role


@fits("POST /cases/{case_id}/reports/{report_id}/forwards")
def _forward(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    # The seeded report starts at the class level: grade is next, then school.
    body["to_level"] = data.draw(st.sampled_from([ReportLevel.GRADE, ReportLevel.SCHOOL]))
    return None


@fits("POST /cases/{case_id}/reports/{report_id}/acknowledgements")
def _acknowledge(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    # Its report stays at the class level, where it is acknowledged once.
    level = data.draw(st.sampled_from([ReportLevel.CLASS] * 3 + [ReportLevel.SCHOOL]))
    body["level"] = level.value
    # The class teacher acknowledges as the report's reporter (the seed's), the rest as
    # assignees or on their school's case.
    return data.draw(st.sampled_from(may_act(permission, ACKNOWLEDGERS[level])))


@fits("POST /screenings/{screening_id}/imports")
@fits("POST /screenings/{screening_id}/imports/preview")  # the same file; nothing recorded
def _import(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    body["file"] = screening_file(data, INSTRUMENTS[SCREENING_INSTRUMENT])
    return None


@fits("POST /cases/{case_id}/incidents/{incident_id}/checklist")
def _checklist(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    body["item"] = data.draw(st.sampled_from(seeded.checklist))
    return None


@fits("POST /cases/{case_id}/transfers")
def _transfer(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    body["to_stage"] = data.draw(st.sampled_from(seeded.later_stages)).value
    body["consent"] = {"guardian_rank": data.draw(st.sampled_from([1, 2])),
                       "guardian_given_at": _moment(data), "student_consented": True}
    return None


@fits("POST /transfers/{transfer_id}/receipt")
def _receipt(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    body["school_code"] = TRANSFER_SCHOOL
    return None


@fits("POST /cases/{case_id}/assignments")
def _assignment(data: st.DataObject, body: Body, seeded: Seeded,
                permission: Permission) -> Role | None:
    # Someone not assigned yet: assigning the same person twice is a 409.
    body["assignee_id"] = f"staff-{data.draw(st.uuids()).hex[:12]}"
    return None


def spellings(item: Item) -> list[str | int]:
    """Every way a form or a sheet may write an answer to the item."""
    if item.answer is AnswerType.SCORE_0_3:
        return [0, 1, 2, 3, "0", "1", "2", "3"]
    return [spelling for spelled in _SPELLINGS[item.answer].values() for spelling in spelled]


def screening_file(data: st.DataObject, definition: InstrumentDefinition) -> bytes:
    """A CSV (UTF-8 or GB18030) or XLSX of answers: a column for the student and one for
    every item, each headed by its key or its wording, in any order, and a name column
    that is not read; rows for consented students and one who is not."""
    columns = [data.draw(st.sampled_from(["school_student_id", "学号"]))]
    columns += [data.draw(st.sampled_from([item.key, *item.text.values()]))
                for item in definition.items]
    order = data.draw(st.permutations(range(len(columns) + 1)))
    students = data.draw(st.lists(st.sampled_from([*SCREENED, "S-9"]), min_size=1,
                                  max_size=len(SCREENED) + 1, unique=True))
    rows = [[student, *(str(data.draw(st.sampled_from(spellings(item))))
                        for item in definition.items), "张三"] for student in students]
    table = [[line[i] for i in order] for line in [[*columns, "姓名"], *rows]]
    if data.draw(st.booleans(), label="xlsx"):
        workbook = Workbook()
        for line in table:
            workbook.active.append(line)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    text = io.StringIO(newline="")
    csv.writer(text).writerows(table)
    return text.getvalue().encode(data.draw(st.sampled_from(["utf-8-sig", "utf-8", "gb18030"])))


# -- assessment ------------------------------------------------------------------------------


@fits("POST /cases/{case_id}/instruments")
def _instrument(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    instrument = data.draw(st.sampled_from(sorted(INSTRUMENTS)))
    definition = INSTRUMENTS[instrument]
    body["instrument"] = instrument.value
    answers: dict[str, str | int | None] = {
        item.key: data.draw(st.sampled_from(spellings(item))) for item in definition.items}
    for item in definition.items:
        # An item asked only after a yes may be left blank when the answer was no.
        asked_after = definition.item(item.required_when_yes or "")
        if (asked_after is not None and data.draw(st.booleans())
                and answers[asked_after.key] not in _SPELLINGS[asked_after.answer]["yes"]):
            answers[item.key] = None
    body["answers"] = answers
    language = data.draw(st.sampled_from([None, *definition.languages]))
    body["language"] = language.value if language else None
    return None


@fits("POST /cases/{case_id}/decision")
def _decision(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    # Its case keeps the proposal it was seeded with: another tier overrides it, and says so.
    body["overrides_proposal"] = (seeded.proposed_tier is not None
                                  and body["tier"] != seeded.proposed_tier.value)
    for participant in body["participants"]:
        if participant.get("affiliation") == "external" and not participant.get("organisation"):
            participant["organisation"] = "district centre"
    if not body["rationale"].strip():
        body["rationale"] = "agreed by the team"
    return None


# -- notification ----------------------------------------------------------------------------


@fits("PUT /students/{school_student_id}/guardians")
def _guardians(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    guardians = body["guardians"][:2]
    for rank, guardian in enumerate(guardians, start=1):
        guardian["rank"] = rank
        if guardian["preferred_channel"] == "email" and guardian.get("email") is None:
            guardian["email"] = f"guardian{rank}@example.org"
    body["guardians"] = guardians
    return None


# -- referral --------------------------------------------------------------------------------


@fits("POST /cases/{case_id}/referrals")
def _referral(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    """To a receiver of the directory, or one outside it (the id drawn) named with its type;
    on a consent that covers what goes, or (the case is a crisis) the safety override."""
    if data.draw(st.integers(0, 3), label="outside the directory") == 3:
        receiver_type = data.draw(st.sampled_from(list(ReceiverType)))
        may_receive = frozenset(DISCLOSURE[receiver_type])
        body["receiver_type"] = receiver_type.value
    else:
        body["receiver_id"] = data.draw(st.sampled_from(sorted(seeded.receivers)))
        may_receive = seeded.receivers[body["receiver_id"]]
        receiver_type = seeded.receiver_types[body["receiver_id"]]
        body["receiver_type"] = None
    packet = body.get("packet") or {}
    body["packet"] = {part: value for part, value in packet.items()
                      if PACKET_PARTS[part] in may_receive}
    if data.draw(st.integers(0, 3), label="safety override") == 3:
        role = data.draw(st.sampled_from(may_act(
            REFERRAL_ACCESS["disclose_under_safety_override"])))
        body.update(basis=DisclosureBasis.SAFETY_OVERRIDE.value, consent_id=None,
                    rationale=f"imminent danger {body.get('rationale') or ''}")
    else:
        role = data.draw(st.sampled_from(may_act(permission)))
        # The seeded case's consent to any receiver of the type, covering every category.
        body.update(basis=DisclosureBasis.CONSENT.value,
                    consent_id=seeded.consents[receiver_type])
    return role


@fits("POST /cases/{case_id}/consents")
def _consent(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    """To the receivers named, or else to any receiver of a type: one of the two."""
    body["scope"] = sorted(set(body["scope"]) & CATEGORIES) or sorted(CATEGORIES)
    if data.draw(st.booleans(), label="named receivers"):
        body.update(receivers=body.get("receivers") or sorted(seeded.receivers)[:1],
                    receiver_type=None)
    else:
        body.update(receivers=None, receiver_type=data.draw(
            st.sampled_from(list(ReceiverType))).value)
    return None


@fits("POST /cases/{case_id}/referrals/{referral_id}/answers")
def _answer(data: st.DataObject, body: Body, seeded: Seeded,
        permission: Permission) -> Role | None:
    # The seeded referral is requested: accepted first, then the receiver's care; or,
    # rarely, declined (and re-routed), which leaves no answer to give after it.
    body["response"] = data.draw(st.sampled_from(
        [ReferralResponse.ACCEPTED] * 3 + [ReferralResponse.SCHEDULED,
                                           ReferralResponse.ADMITTED,
                                           ReferralResponse.DECLINED]))
    return None


def fhir_task(data: st.DataObject, referral_id: str) -> Body:
    """A receiver's answer as a FHIR R4 Task: accepted, in progress (scheduled or
    admitted), completed or, rarely, rejected with a reason."""
    status = data.draw(st.sampled_from(["accepted"] * 2 + ["in-progress"] * 2
                                       + ["completed", "rejected"]))
    task: Body = {"resourceType": "Task", "status": status,
                  "intent": data.draw(st.sampled_from(["order", "plan", "proposal"]))}
    if data.draw(st.booleans()):
        task["id"] = referral_id
    if status == "in-progress":
        step = data.draw(st.sampled_from([ReferralResponse.SCHEDULED,
                                          ReferralResponse.ADMITTED]))
        task["businessStatus"] = {"coding": [{"system": BUSINESS_STATUS_SYSTEM, "code": step}]}
    if status == "rejected":
        reason = data.draw(st.sampled_from(list(DeclineReason)))
        task["statusReason"] = {"coding": [{"system": DECLINE_SYSTEM, "code": reason}]}
    return task


def _fhir_task_update(data: st.DataObject, case: Any, seeded: Seeded,
                      permission: Permission) -> None:
    """The Task of the seeded referral, from the receiver it was made to."""
    case.body = fhir_task(data, case.path_parameters["referral_id"])
    case.headers["authorization"] = f"Bearer {RECEIVER_TOKEN}"


FITS["PUT /fhir/Task/{referral_id}"] = _fhir_task_update
