"""Every message the policy can ask for has a text before the service starts; a message that
still cannot be built holds back no other."""

from __future__ import annotations

from uuid import uuid4

import pytest

from casetrail.personal.vault import DataKeyVault
from services.notification.adapters.templates import MissingTemplates, Templates
from services.notification.application import NotificationApplication
from tests.application.conftest import deliver, envelope
from tests.application.test_notification import (
    CONTACTS,
    POLICY,
    PSEUDONYM_KEY,
    incident,
    messages_to_send,
    new_app,
    start_crisis,
)


def test_the_service_refuses_to_start_when_a_ladder_step_has_no_template(
        env: dict[str, str]) -> None:
    shipped = Templates.load()
    texts = {k: v for k, v in shipped.texts.items() if k != "guardian-notice-serious-en-v1"}
    with pytest.raises(MissingTemplates, match="guardian-notice-serious-en-v1"):
        NotificationApplication(env, POLICY, pseudonym_key=PSEUDONYM_KEY, contacts=CONTACTS,
                                templates=Templates(texts),
                                personal=DataKeyVault.transient(env, "notification"))


def test_the_shipped_templates_cover_every_tier_step_and_language_of_the_shipped_policy(
        env: dict[str, str]) -> None:
    new_app(env)  # does not raise


def test_a_message_that_cannot_be_built_does_not_hold_back_the_others(
        env: dict[str, str]) -> None:
    templates = Templates.load()
    app = new_app(env, templates)
    start_crisis(app)
    deliver(app, app.on_incident_reported, envelope("intake", uuid4(), incident()))
    del templates.texts["guardian-notice-crisis-zh-v1"]  # a file edited under it
    assert [m.recipient for _, m in messages_to_send(app)] == [
        "district_education_commission"]
