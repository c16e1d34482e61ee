"""Every word the console shows has its Chinese: the templates' strings and every code of
the shared contracts that a page may show."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

import contracts.codes
from contracts.events import assessment, intake, notification, referral
from services.console.domain.actions import ACTIONS
from services.console.entrypoints.rendering import HERE, humanized, translations
from services.supervision.domain.flags import FAILURES

TEMPLATES = HERE / "templates"


def chinese(msgid: str) -> bool:
    return translations("zh_CN").gettext(msgid) != msgid


def template_strings() -> set[str]:
    found = extract_from_dir(str(TEMPLATES), method_map=[("**.html", "jinja2")],
                             options_map={"**.html": {"trimmed": "true"}})
    return {message if isinstance(message, str) else message[0]
            for _, _, message, _, _ in found}


def codes() -> set[str]:
    return {str(member.value) for value in vars(contracts.codes).values()
            if isinstance(value, type) and issubclass(value, enum.Enum)
            and value.__module__ == contracts.codes.__name__ for member in value}


def test_the_templates_hold_strings_to_translate() -> None:
    assert {"Worklist", "Sign in", "Timeline"} <= template_strings()


@pytest.mark.parametrize("msgid", sorted(template_strings()))
def test_each_string_of_the_pages_has_its_chinese(msgid: str) -> None:
    assert chinese(msgid)


@pytest.mark.parametrize("code", sorted(codes()))
def test_each_code_of_the_contracts_has_its_chinese(code: str) -> None:
    assert chinese(humanized(code))


def event_types() -> set[str]:
    return {name for module in (intake, assessment, notification, referral)
            for name in module.EVENTS}


@pytest.mark.parametrize("event_type", sorted(event_types()))
def test_each_event_on_the_timeline_has_its_chinese(event_type: str) -> None:
    assert chinese(humanized(event_type))


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_step_of_the_workflow_has_its_chinese(name: str) -> None:
    assert chinese(humanized(f"action {name}"))


# The flags of supervision's trail beside those it raises for a failure (domain/flags.py).
TRAIL_FLAGS = {kind for kind, _ in FAILURES.values()} | {
    "acknowledgement_late", "break_glass_open", "disclosed_without_consent",
    "follow_up_overdue", "home_visit_due", "referral_needs_receiver"}


@pytest.mark.parametrize("kind", sorted(TRAIL_FLAGS))
def test_each_flag_of_the_auditors_trail_has_its_chinese(kind: str) -> None:
    assert chinese(humanized(kind))


def test_english_is_the_msgid_itself() -> None:
    assert translations("en").gettext("Worklist") == "Worklist"
    assert Path(HERE.parent / "locales" / "en" / "LC_MESSAGES" / "console.po").exists()
