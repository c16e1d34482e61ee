"""`casetrail demo`: cases of every tier through every stage, then the school's paths
(screening, a serious case's plan, an unreachable guardian, a hospital that declines, an
incident, a stage transfer) against a running system."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path
from uuid import UUID

import httpx

from casetrail.bus.replay import case_timeline
from casetrail.cli.cast import GUARDIAN, HOTLINE_OPERATOR, PEER, STUDENT, Cast, liaison
from casetrail.cli.commands import RequestRefused
from casetrail.cli.desk import Desk
from casetrail.cli.liaison import reference_liaison
from casetrail.cli.runtime import Runtime
from casetrail.cli.scenarios import (
    crisis_with_primary_unreachable,
    hospital_path,
    incident,
    screening_batch,
    serious_with_plan,
    stage_transfer,
)
from casetrail.cli.scenarios.hospital import FIRST, SECOND
from casetrail.cli.timeline import render
from casetrail.cli.up import DEFAULT_SCHOOL
from casetrail.identity.issuer import LocalIssuer, issuer_dir
from casetrail.service import connect

CASES = [
    ("crisis", True, ["suicide_attempt", "self_harm"]),
    ("serious", False, ["suicidal_ideation", "grade_swing"]),
    ("general", False, ["emotional_abnormality"]),
    ("none", False, ["grade_swing"]),
]


async def _demo(runtime: Runtime, cast: Cast) -> None:
    nc = await connect(runtime.nats_url, "casetrail-demo", runtime.login())
    run = secrets.token_hex(3)
    async with httpx.AsyncClient(timeout=30.0) as http:
        desk = Desk(runtime, nc, http, cast)
        done: list[UUID] = []
        for n, (tier, imminent, signs) in enumerate(CASES, start=1):
            case_id = await desk.through_every_stage(f"demo-{run}-{n}", tier,
                                                     imminent=imminent, signs=signs)
            print(f"{tier:<8} case {case_id}: detected → closed")
            done.append(case_id)
        await _show_refusals(desk)
        for case_id in done:
            print()
            print(render(case_id, await case_timeline(nc, case_id)))
        print()
        hospital_case = await _school_paths(desk, run)
        print()
        print(render(hospital_case, await case_timeline(nc, hospital_case)))
    await nc.close()


async def _school_paths(desk: Desk, run: str) -> UUID:
    """Each path of the school's workflow, narrated; returns the hospital path's case."""
    await screening_batch(desk, f"demo-{run}-screen", print)
    await serious_with_plan(desk, f"demo-{run}-serious", print)
    await crisis_with_primary_unreachable(desk, f"demo-{run}-crisis", print)
    # Each hospital's system (deploy/fhir's reference client) signs in as its liaison; a
    # receiver's own token does as well.
    liaisons = {receiver: reference_liaison(desk.http, desk.runtime.services["referral"],
                                            desk.cast.token(liaison(receiver)))
                for receiver in (FIRST, SECOND)}
    path = await hospital_path(desk, liaisons, f"demo-{run}-hospital", print, webhooks=False)
    await incident(desk, f"demo-{run}-incident", print)
    await stage_transfer(desk, f"demo-{run}-transfer", print)
    return path.case_id


async def _show_refusals(desk: Desk) -> None:
    """What the API answers to actions that do not fit the case's state, and to people
    outside the staff: they may report, and learn only that the report was received; a
    classmate may not read the case."""
    student_id = f"demo-early-{secrets.token_hex(3)}"
    case_id = await desk.decided_case(student_id, "serious",
                                      "self-harm reported by class teacher", signs=["self_harm"])
    for person, channel in ((GUARDIAN, "guardian"), (HOTLINE_OPERATOR, "hotline"),
                            (STUDENT, "self_report")):
        receipt = await desk.report(student_id, signs=["emotional_abnormality"],
                                    channel=channel, by=person)
        print(f"a {person.role.value}'s report: answered with {', '.join(sorted(receipt))} "
              "only (no case, no history)")
    referral_id = await desk.refer(case_id, "district_guidance_centre", "district-centre")
    for attempt, action in (
        ("admit before the receiver accepted", desk.answer(case_id, referral_id, "admitted")),
        ("close before any follow-up", desk.close(case_id, "resolved")),
        ("a classmate reads the case", desk.read("intake", case_id, by=PEER)),
    ):
        try:
            await action
        except RequestRefused as refused:
            print(f"{attempt}: HTTP {refused.status_code} {refused.detail}")


def demo(runtime: Runtime, directory: Path) -> int:
    """Against the system recorded in `directory`, as a cast of the school's people and its
    receivers' liaisons, each signed in by the built-in issuer."""
    if runtime.signed_by or not LocalIssuer(issuer_dir(directory)).jwks_file.exists():
        print("casetrail demo: needs the built-in issuer, which signs its people in, but the "
              f"services take tokens signed by {runtime.signed_by or 'another issuer'}: run "
              "it against a `casetrail up` started without CASETRAIL_OIDC_ISSUER, "
              "CASETRAIL_OIDC_JWKS_URL or CASETRAIL_OIDC_JWKS_FILE.", file=sys.stderr)
        return 2
    cast = Cast.signed_in(directory, runtime.school or DEFAULT_SCHOOL)
    asyncio.run(_demo(runtime, cast))
    return 0
