"""Wires notification's settings to its store, bus, gateway, timers and API."""

from fastapi import FastAPI

from casetrail.bus.inbox import Subscription
from casetrail.service import ServiceEntry, ServiceRuntime
from casetrail.worker import ApplicationThread
from services.notification.adapters.gateway import FileGateway
from services.notification.adapters.published import PUBLISHED
from services.notification.application import NotificationApplication
from services.notification.config import NotificationSettings
from services.notification.entrypoints.http import build_api
from services.notification.entrypoints.timers import dispatcher, escalator, every


def application(settings: NotificationSettings) -> NotificationApplication:
    return NotificationApplication(settings.event_store_env(), settings.policy())


def api(settings: NotificationSettings) -> FastAPI:
    app = application(settings)
    thread = ApplicationThread(settings.service)
    gateway = FileGateway(settings.gateway_path())
    runtime = ServiceRuntime(
        settings=settings, app=app, thread=thread,
        subscriptions=[Subscription(settings.service, "assessment", {
            "CrisisPathStarted": app.on_crisis_path_started,
            "TierDecided": app.on_tier_decided,
        })],
        background=[
            every(settings.dispatch_poll_seconds, dispatcher(app, thread, gateway)),
            every(settings.timer_tick_seconds, escalator(app, thread)),
        ],
    )
    return build_api(runtime, app)


ENTRY = ServiceEntry(settings=NotificationSettings, api=api, application=application,
                     published=PUBLISHED)
