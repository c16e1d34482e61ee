"""Each service as its bootstrap wires it acts on the events the bus's document says, and
serves that document to anyone, like its API docs."""

from __future__ import annotations

from pathlib import Path

from casetrail.identity.access_book import keeping_access
from contracts.asyncapi import document
from contracts.subjects import HANDLES
from tests.application.all_services import ENTRIES, all_served, settings_of


def test_each_service_handles_the_event_types_the_contracts_say_it_receives(
        tmp_path: Path) -> None:
    store = (f"sqlite:///{tmp_path / 'events.db'}", None)
    for name, entry in ENTRIES.items():
        settings = settings_of(entry, store, tmp_path)
        app = entry.application(settings)
        # As the service runs them: with who stands to each case noted (ServiceEntry.api).
        wired = [keeping_access(app, subscription)
                 for subscription in entry.subscriptions(settings, app)]
        assert {s.upstream: frozenset(s.handlers) for s in wired} == HANDLES[name], name


def test_each_service_serves_the_bus_document_without_a_token(tmp_path: Path) -> None:
    with all_served((f"sqlite:///{tmp_path / 'events.db'}", None), tmp_path) as running:
        for service in running.values():
            answer = service.http.get("/asyncapi.json")
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == document()
