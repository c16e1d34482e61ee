"""Need-to-know in every service: how a principal stands to a case, from the standing its
application keeps (`ServiceApplication.case_standing`), and keeping it from intake's events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking

from casetrail.bus.handling import Handler
from casetrail.bus.inbox import Subscription
from casetrail.identity.access import Relation
from casetrail.identity.case_access import ACCESS_EVENTS, CaseAccess, relations_of
from casetrail.identity.principal import Principal
from casetrail.store import ServiceApplication
from contracts.envelope import Envelope


class AccessBook:
    def __init__(self, app: ServiceApplication, school: str | None) -> None:
        self.app = app
        self.school = school

    def relations(self, case_id: UUID, principal: Principal) -> frozenset[Relation]:
        return relations_of(self.app.case_standing(case_id), principal, self.school,
                            datetime.now(UTC))


def _keeping_access(app: ServiceApplication, own: Handler | None) -> Handler:
    def handle(envelope: Envelope, data: Any, mark: Tracking) -> None:
        access = (app.find_case(CaseAccess.create_id(envelope.case_id), CaseAccess)
                  or CaseAccess(envelope.case_id))
        access.note(envelope, data)
        if own is not None:
            # In the same commit as the service's own work, and its mark.
            with app.saving_along(access):
                own(envelope, data, mark)
        if own is None or access.pending_events:  # the handler saved nothing
            app.record(access, tracking=mark)

    return handle


def keeping_access(app: ServiceApplication, subscription: Subscription) -> Subscription:
    """Intake's events, with who stands to each case noted as they arrive."""
    if subscription.upstream != "intake":
        return subscription
    handlers: Mapping[str, Handler] = subscription.handlers
    return Subscription(subscription.service, subscription.upstream, {
        **handlers, **{kind: _keeping_access(app, handlers.get(kind))
                       for kind in ACCESS_EVENTS}})
