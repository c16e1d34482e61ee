"""The ledger keeper against a real JetStream server: a service's log committed in signed
checkpoints, batched, and never lost or forked by a restart or a second keeper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client

from casetrail.bus.identities import BusLogin
from casetrail.bus.replay import read_messages
from casetrail.kernel import EventMeta
from casetrail.ledger.keeper import LedgerKeeper
from casetrail.ledger.leaves import all_notifications, leaf_of
from casetrail.service import connect
from casetrail.store import store_env
from contracts.checkpoints import CheckpointLeaf, CheckpointMessage, checkpoint_subject
from contracts.codes import Channel, Sign
from contracts.streams import ensure_streams
from contracts.subjects import CHECKPOINTS_STREAM
from services.intake.adapters.published import PUBLISHED
from services.intake.application import IntakeApplication
from services.intake.bootstrap import build_intake
from services.intake.domain.case import Concern
from tests.conftest import CIPHER_KEY
from trailproof import merkle
from trailproof.note import Checkpoint, open_checkpoint, sign_checkpoint, verifier_key

ORIGIN = "casetrail.school-1/intake"
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
async def nc(own_nats: str) -> AsyncIterator[Client]:
    client = await connect(own_nats, "ledger-test", BusLogin("test"))
    await ensure_streams(client.jetstream())
    yield client
    await client.close()


@pytest.fixture
def intake(tmp_path: Path) -> IntakeApplication:
    return build_intake(store_env(url=f"sqlite:///{tmp_path}/intake.db"), b"k")


def report(intake: IntakeApplication, student: str) -> None:
    intake.report_concern(
        student_ref=student, student_name=None,
        concern=Concern(uuid4(), Channel.HOTLINE, [Sign.SELF_HARM], True, "在宿舍"),
        meta=EventMeta.by("hotline_operator", "op-1"))


def keeper(intake: IntakeApplication, nc: Client, max_leaves: int = 1000) -> LedgerKeeper:
    return LedgerKeeper(app=intake, published=PUBLISHED, nc=nc, origin=ORIGIN, key=KEY,
                        max_leaves=max_leaves, read_timeout=0.5)


async def checkpoints(nc: Client) -> list[CheckpointMessage]:
    return [CheckpointMessage.from_bytes(m.data) for m in
            await read_messages(nc, CHECKPOINTS_STREAM, checkpoint_subject("intake"), 0.5)]


def store_leaf_hashes(intake: IntakeApplication) -> list[bytes]:
    return [leaf_of("intake", n, PUBLISHED, intake).hash() for n in all_notifications(intake)]


async def test_new_events_are_committed_in_batches_each_checkpoint_signing_the_whole_log(
        intake: IntakeApplication, nc: Client) -> None:
    for student in ("S-1", "S-2"):
        report(intake, student)
    stored = store_leaf_hashes(intake)
    assert len(stored) > 4
    assert await keeper(intake, nc, max_leaves=4).commit() == len(stored)
    published = await checkpoints(nc)
    assert [m.start for m in published] == list(range(0, len(stored), 4))
    assert all(len(m.leaves) <= 4 for m in published)
    vkey = verifier_key(ORIGIN, KEY.public_key())
    for message in published:
        signed = open_checkpoint(message.note, [vkey])
        assert signed.size == message.size
        assert signed.root == merkle.root(stored[:message.size])


async def test_nothing_new_publishes_nothing_and_a_restarted_keeper_goes_on_from_the_stream(
        intake: IntakeApplication, nc: Client) -> None:
    report(intake, "S-1")
    first = keeper(intake, nc)
    committed = await first.commit()
    assert await first.commit() == 0
    restarted = keeper(intake, nc)
    assert await restarted.commit() == 0  # the stream says it is all committed
    report(intake, "S-2")
    added = await restarted.commit()
    published = await checkpoints(nc)
    assert [(m.start, m.size) for m in published] == [(0, committed),
                                                      (committed, committed + added)]
    vkey = verifier_key(ORIGIN, KEY.public_key())
    assert open_checkpoint(published[-1].note, [vkey]).root == \
        merkle.root(store_leaf_hashes(intake))


async def test_a_keeper_behind_the_stream_cannot_fork_the_log_and_goes_on_from_what_it_holds(
        intake: IntakeApplication, nc: Client) -> None:
    report(intake, "S-1")
    stale = keeper(intake, nc)
    await stale.commit()
    other = keeper(intake, nc)
    report(intake, "S-2")
    await other.commit()  # the stream moved on without the first keeper knowing
    report(intake, "S-3")
    with pytest.raises(Exception, match="wrong last sequence"):
        await stale.commit()
    await stale.commit()  # read back, then built on what the stream holds
    published = await checkpoints(nc)
    assert [m.start for m in published[1:]] == [m.size for m in published[:-1]]
    assert published[-1].size == len(store_leaf_hashes(intake))


async def test_a_record_that_cannot_be_read_back_stops_the_log_before_it_as_it_stops_the_relay(
        tmp_path: Path, nc: Client) -> None:
    url = f"sqlite:///{tmp_path}/ciphered.db"
    intake = build_intake(store_env(url=url, cipher_key=CIPHER_KEY), b"k")
    report(intake, "S-1")
    broken = 2
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as db:  # its ciphertext no longer opens
        db.execute(sqlalchemy.text("UPDATE intake_events SET state = :state WHERE id = :id"),
                   {"state": b"\0" * 40, "id": broken})
    engine.dispose()
    stopped = keeper(intake, nc)
    assert await stopped.commit() == broken - 1
    assert stopped.stuck == broken
    assert await stopped.commit() == 0
    assert [m.size for m in await checkpoints(nc)] == [broken - 1]


async def test_a_forged_checkpoint_on_the_subject_is_passed_over_and_the_log_goes_on_after_it(
        intake: IntakeApplication, nc: Client) -> None:
    report(intake, "S-1")
    await keeper(intake, nc).commit()
    [real] = await checkpoints(nc)
    forged = CheckpointMessage(service="intake", start=real.size, leaves=[CheckpointLeaf(
        position=10_000, stored="0" * 64, envelope=None)], note=sign_checkpoint(
        Checkpoint(ORIGIN, real.size + 1, b"\0" * 32), Ed25519PrivateKey.generate()))
    await nc.jetstream().publish(checkpoint_subject("intake"), forged.to_bytes(),
                                 stream=CHECKPOINTS_STREAM)
    report(intake, "S-2")
    restarted = keeper(intake, nc)
    assert await restarted.commit() > 0
    latest = (await checkpoints(nc))[-1]
    assert latest.start == real.size
    vkey = verifier_key(ORIGIN, KEY.public_key())
    assert open_checkpoint(latest.note, [vkey]).root == merkle.root(store_leaf_hashes(intake))
