"""What the relay reads of a service's log: an event that never leaves the service is passed
over by the name it is stored under, never decrypted or decoded (a screening's batch of a
thousand rows is most of what intake stores); any other event is read whole."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from casetrail.bus.relay import stuck_at
from services.intake.adapters.published import PUBLISHED
from services.intake.bootstrap import ENTRY
from services.intake.domain.case import Case
from services.intake.domain.screening import Screening
from tests.application.all_services import settings_of


def test_an_internal_event_is_passed_over_unread_and_a_published_one_is_read(
        store_url: tuple[str, str | None], tmp_path: Path) -> None:
    app = ENTRY.checked_application(settings_of(ENTRY, store_url, tmp_path))
    unreadable = b"not what the cipher made"
    app.recorder.insert_events([
        StoredEvent(originator_id=uuid4(), originator_version=1,
                    topic=get_topic(Screening.BatchImported), state=unreadable),
        StoredEvent(originator_id=uuid4(), originator_version=1,
                    topic=get_topic(Case.Detected), state=unreadable)])
    first = app.recorder.max_notification_id()
    assert first is not None
    assert stuck_at(app, PUBLISHED, first - 2) is None  # the screening's batch: passed over
    stuck = stuck_at(app, PUBLISHED, first - 1)
    assert stuck is not None and stuck["position"] == first
