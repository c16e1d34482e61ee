"""Whom a case is assigned to, chosen from the people who sign in at the console."""

from __future__ import annotations

from pathlib import Path

from casetrail.identity.issuer import UserDirectory
from contracts.codes import Role
from services.console.adapters.built_in_issuer import BuiltInPasswords
from services.console.domain.actions import ACTIONS


def test_a_case_is_assigned_to_one_of_the_schools_people_chosen_by_login_name(
        tmp_path: Path) -> None:
    users = UserDirectory.of(tmp_path)
    users.add("li.hua", Role.PSYCH_TEACHER, "school-1", user_id="u-li", password="x" * 12)
    users.add("wang.fang", Role.CLASS_TEACHER, "school-2", user_id="u-wang", password="x" * 12)
    users.add("audit", Role.AUDITOR, None, user_id="u-audit", password="x" * 12)
    assert ACTIONS["assign"].staff == ("assignee_id",)
    assert BuiltInPasswords(tmp_path).staff("school-1") == [("u-li", "li.hua")]
