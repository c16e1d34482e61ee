"""The gateways against real local servers: SMTP, the signed SMS webhook, and the routing."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from services.notification.adapters.gateway import ChannelRouter, FileGateway
from services.notification.adapters.ledger import LedgeredGateway, SentLedger
from services.notification.adapters.smtp import SmtpGateway, SmtpSettings
from services.notification.adapters.webhook import WebhookSmsGateway
from services.notification.application import DeliveryRefused, OutgoingMessage
from tests.integration.gateway_servers import SmtpServer, WebhookServer

SECRET = b"webhook-secret"
TEXT = "【学校通知】请您立即与学校心理危机干预小组联系。"


def message(channel: str = "sms", to: str | None = "+86 139 0000 0001") -> OutgoingMessage:
    return OutgoingMessage(message_id=uuid4(), recipient="guardian_1", channel=channel,
                           template_id="guardian-notice-crisis-zh-v1", text=TEXT, to=to)


def smtp(port: int) -> SmtpGateway:
    return SmtpGateway(SmtpSettings(host="127.0.0.1", port=port, sender="school@example.cn",
                                    starttls=False))


async def test_an_email_reaches_the_smtp_relay_once_with_its_id_as_message_id(
        tmp_path: Path) -> None:
    async with SmtpServer().running() as server:
        sent = message("email", "li@example.cn")
        for _ in range(2):
            ledger = SentLedger(tmp_path / "sent.sqlite")  # as after a restart
            await LedgeredGateway(smtp(server.port), ledger).send(sent)
            ledger.close()
    [(sender, recipients, body)] = server.messages
    assert (sender, recipients) == ("<school@example.cn>", ["<li@example.cn>"])
    email = message_from_bytes(body, policy=default)
    assert email["Message-ID"] == f"<{sent.message_id}@casetrail>"
    payload = email.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.decode().strip() == TEXT


async def test_an_address_the_relay_refuses_is_a_refusal_for_good() -> None:
    async with SmtpServer(refuse_recipients=True).running() as server:
        with pytest.raises(DeliveryRefused) as refused:
            await smtp(server.port).send(message("email", "nobody@example.cn"))
    assert refused.value.reason == "address_refused"
    assert "nobody@example.cn" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


async def test_an_unreachable_relay_is_worth_another_try() -> None:
    async with SmtpServer().running() as server:
        port = server.port
    with pytest.raises(ConnectionRefusedError):
        await smtp(port).send(message("email", "li@example.cn"))


async def test_an_sms_goes_to_the_webhook_signed_with_the_shared_secret() -> None:
    with WebhookServer(SECRET).running() as server:
        sent = message()
        await WebhookSmsGateway(server.url, SECRET).send(sent)
    assert server.received == [{"message_id": str(sent.message_id),
                                "to": "+86 139 0000 0001", "text": TEXT}]


async def test_an_sms_sent_again_after_a_crash_reaches_the_family_once_by_its_idempotency_key(
        tmp_path: Path) -> None:
    """A crash after the provider took the message and before the ledger recorded it: the
    restarted service sends it again, with the same key, and the provider drops the copy."""
    with WebhookServer(SECRET, dedupe=True).running() as provider:
        sent = message()
        gateway = WebhookSmsGateway(provider.url, SECRET)
        await gateway.send(sent)  # taken; the service dies before its ledger write
        await LedgeredGateway(gateway, SentLedger(tmp_path / "sent.sqlite")).send(sent)
    assert provider.keys == {str(sent.message_id): 2}
    assert [m["message_id"] for m in provider.delivered] == [str(sent.message_id)]
    assert provider.dropped == 1


async def test_an_email_sent_again_after_a_crash_reaches_the_relay_twice_with_one_message_id(
        tmp_path: Path) -> None:
    """SMTP relays do not drop a repeated Message-ID: an e-mail is at least once, and the copy
    is counted here rather than hidden."""
    async with SmtpServer().running() as relay:
        sent = message("email", "li@example.cn")
        await smtp(relay.port).send(sent)  # taken; the service dies before its ledger write
        await LedgeredGateway(smtp(relay.port), SentLedger(tmp_path / "sent.sqlite")).send(sent)
    ids = [message_from_bytes(body, policy=default)["Message-ID"]
           for _, _, body in relay.messages]
    assert ids == [f"<{sent.message_id}@casetrail>"] * 2


async def test_a_webhook_that_does_not_know_the_secret_refuses_the_message() -> None:
    with WebhookServer(SECRET).running() as server, \
            pytest.raises(DeliveryRefused) as refused:
        await WebhookSmsGateway(server.url, b"another-secret").send(message())
    assert refused.value.reason == "gateway_refused"
    assert server.received == []


async def test_a_webhook_that_is_down_for_now_is_worth_another_try() -> None:
    with WebhookServer(SECRET, status=503).running() as server, \
            pytest.raises(httpx.HTTPStatusError, match="503"):
        await WebhookSmsGateway(server.url, SECRET).send(message())


async def test_a_provider_still_sending_the_same_key_is_asked_again_not_given_up_on() -> None:
    """409 is what an Idempotency-Key provider answers while the first post with that key is
    still in hand (a resend after a crash): the message is not refused, it is tried again."""
    with WebhookServer(SECRET, status=409).running() as server, \
            pytest.raises(httpx.HTTPStatusError, match="409"):
        await WebhookSmsGateway(server.url, SECRET).send(message())


async def test_messages_go_through_their_channels_gateway_and_the_rest_to_the_file(
        tmp_path: Path) -> None:
    file = FileGateway(tmp_path / "messages.jsonl")
    with WebhookServer(SECRET).running() as webhook:
        async with SmtpServer().running() as relay:
            router = ChannelRouter(file, sms=WebhookSmsGateway(webhook.url, SECRET),
                                   email=smtp(relay.port))
            for sent in (message("sms"), message("email", "li@example.cn"),
                         message("phone")):
                await router.send(sent)
    assert len(webhook.received) == 1
    assert len(relay.messages) == 1
    lines = [json.loads(line) for line in (tmp_path / "messages.jsonl").read_text().splitlines()]
    assert [(line["channel"], line["contact_on_file"]) for line in lines] == [
        ("phone", True)]
    assert all("+86" not in json.dumps(line) for line in lines)


async def test_without_gateways_configured_everything_goes_to_the_file(tmp_path: Path) -> None:
    router = ChannelRouter(FileGateway(tmp_path / "messages.jsonl"))
    await router.send(message("email", "li@example.cn"))
    assert len((tmp_path / "messages.jsonl").read_text().splitlines()) == 1


async def test_a_guardians_message_without_a_contact_is_refused_not_written_to_the_file(
        tmp_path: Path) -> None:
    router = ChannelRouter(FileGateway(tmp_path / "messages.jsonl"))
    with pytest.raises(DeliveryRefused) as refusal:
        await router.send(message("sms", None))
    assert refusal.value.reason == "no_contact"
    assert not (tmp_path / "messages.jsonl").exists()


async def test_a_message_the_ledger_has_is_not_handed_to_any_gateway_again(
        tmp_path: Path) -> None:
    sent = message("phone")
    first = SentLedger(tmp_path / "sent.sqlite")
    await LedgeredGateway(ChannelRouter(FileGateway(tmp_path / "a.jsonl")), first).send(sent)
    first.close()
    other_file = ChannelRouter(FileGateway(tmp_path / "b.jsonl"))
    await LedgeredGateway(other_file, SentLedger(tmp_path / "sent.sqlite")).send(sent)
    assert not (tmp_path / "b.jsonl").exists()


async def test_a_message_the_gateway_failed_to_send_is_not_in_the_ledger(
        tmp_path: Path) -> None:
    ledger, unsent = SentLedger(tmp_path / "sent.sqlite"), message()
    with WebhookServer(SECRET, status=503).running() as server, \
            pytest.raises(httpx.HTTPStatusError):
        await LedgeredGateway(WebhookSmsGateway(server.url, SECRET), ledger).send(unsent)
    assert not ledger.has(str(unsent.message_id))
