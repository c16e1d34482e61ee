"""Notification's settings: `casetrail up` warns of the escalation contacts the policy needs
and the environment leaves out."""

from __future__ import annotations

from pathlib import Path

from services.notification.config import NotificationSettings


def settings(**values: object) -> NotificationSettings:
    return NotificationSettings.model_validate({"CASETRAIL_PSEUDONYM_KEY": "k", **values})


def test_every_contact_the_policy_escalates_to_and_is_not_set_is_warned_of() -> None:
    warnings = settings().missing_contacts()
    assert [w.split(" ", 1)[0] for w in warnings] == [
        "NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT", "NOTIFICATION_POLICE_CONTACT",
        "NOTIFICATION_COMMISSION_CONTACT"]
    assert all("no_contact" in w for w in warnings)


def test_with_every_contact_set_there_is_nothing_to_warn_of() -> None:
    assert settings(crisis_team_head_contact="+86 138 0000 0009", police_contact="+86 110",
                    commission_contact="duty@edu.example.cn").missing_contacts() == []


def test_a_ladder_without_the_police_needs_no_police_contact(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("\n".join(
        f'[{tier}]\nacknowledge_within = "PT1H"\nladder = ["guardian_1", "crisis_team_head"]'
        for tier in ("crisis", "serious", "general")))
    warnings = settings(policy_file=policy, crisis_team_head_contact="+86 138",
                        commission_contact="duty@edu.example.cn").missing_contacts()
    assert warnings == []


def test_a_ladder_without_the_team_head_still_needs_their_contact_for_break_glass_alerts(
        tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("\n".join(
        f'[{tier}]\nacknowledge_within = "PT1H"\nladder = ["guardian_1", "police"]'
        for tier in ("crisis", "serious", "general")))
    warnings = settings(policy_file=policy, police_contact="+86 110",
                        commission_contact="duty@edu.example.cn").missing_contacts()
    assert [w.split(" ", 1)[0] for w in warnings] == ["NOTIFICATION_CRISIS_TEAM_HEAD_CONTACT"]
