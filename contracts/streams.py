"""The streams the services rely on, and how they are provisioned.

Streams are created here, once, never by a client library's declare-on-start (FastStream's
`declare=True`), which would rewrite an existing stream's settings on every service start.
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from contracts.checkpoints import CHECKPOINT_SUBJECTS
from contracts.subjects import (
    CASE_SUBJECTS,
    CASES_STREAM,
    CHECKPOINTS_STREAM,
    DLQ_STREAM,
    DLQ_SUBJECTS,
)

log = logging.getLogger(__name__)

# Duplicate window: how long JetStream drops a re-published event id by itself. Consumers
# dedupe by position beyond it; a longer window keeps the stream itself free of copies after
# a relay restart that took a while.
DUPLICATE_WINDOW_SECONDS = 3600.0


def _kept_for_good(name: str, subjects: str, replicas: int) -> StreamConfig:
    # No limits, and `discard: new` should one ever be set: an audit trail never drops its
    # oldest events to make room, and nothing in it can be deleted or purged.
    return StreamConfig(
        name=name,
        subjects=[subjects],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        deny_delete=True,
        deny_purge=True,
    )


def cases_stream(replicas: int = 1) -> StreamConfig:
    """The audit trail: every event of every case."""
    return _kept_for_good(CASES_STREAM, CASE_SUBJECTS, replicas)


def dlq_stream(replicas: int = 1) -> StreamConfig:
    """Messages a service could not handle, with the reason, for a person to look at."""
    return _kept_for_good(DLQ_STREAM, DLQ_SUBJECTS, replicas)


def checkpoints_stream(replicas: int = 1) -> StreamConfig:
    """Each service's signed checkpoints of its log, and the leaves each adds: kept as long
    as the trail they prove."""
    return _kept_for_good(CHECKPOINTS_STREAM, CHECKPOINT_SUBJECTS, replicas)


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams if missing; leave an existing stream's settings as they are."""
    for config in (cases_stream(replicas), dlq_stream(replicas), checkpoints_stream(replicas)):
        assert config.name is not None
        try:
            info = await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream %s", config.name)
            continue
        # Drift is reported, not "fixed": changing a live audit stream is an operator's call.
        for setting in ("subjects", "duplicate_window", "deny_delete", "deny_purge", "storage"):
            found, expected = getattr(info.config, setting), getattr(config, setting)
            if found != expected:
                log.warning("stream %s has %s=%s, expected %s",
                            config.name, setting, found, expected)
