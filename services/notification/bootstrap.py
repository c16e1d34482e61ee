"""Wires notification's settings to its store, bus, gateway, timers and API."""

from casetrail.bus.inbox import Subscription
from casetrail.service import BackgroundTask, ServiceEntry
from casetrail.worker import ApplicationThread
from services.notification.adapters.gateway import FileGateway
from services.notification.adapters.published import PUBLISHED
from services.notification.application import NotificationApplication
from services.notification.config import NotificationSettings
from services.notification.entrypoints.http import build_api
from services.notification.entrypoints.timers import dispatcher, escalator, every


def application(settings: NotificationSettings) -> NotificationApplication:
    return NotificationApplication(settings.event_store_env(), settings.policy())


def subscriptions(settings: NotificationSettings,
                  app: NotificationApplication) -> list[Subscription]:
    return [Subscription(settings.service, "assessment", {
        "CrisisPathStarted": app.on_crisis_path_started,
        "TierDecided": app.on_tier_decided,
    })]


def background(settings: NotificationSettings, app: NotificationApplication,
               thread: ApplicationThread) -> list[BackgroundTask]:
    gateway = FileGateway(settings.gateway_path())
    return [every(settings.dispatch_poll_seconds, dispatcher(app, thread, gateway)),
            every(settings.timer_tick_seconds, escalator(app, thread))]


ENTRY = ServiceEntry(settings=NotificationSettings, application=application,
                     published=PUBLISHED, subscriptions=subscriptions, build_api=build_api,
                     background=background)
