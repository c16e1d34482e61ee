"""A gateway that counts what it hands on, by channel, on the process's metrics: sends, and
failures by the refusal's code (or `unavailable`). Never a contact, never a case."""

from __future__ import annotations

from prometheus_client import Counter

from casetrail.metrics import ServiceMetrics
from contracts.codes import DeliveryGuarantee
from services.notification.application import DeliveryRefused, MessageGateway, OutgoingMessage

UNAVAILABLE = "unavailable"


class CountedGateway:
    def __init__(self, gateway: MessageGateway, metrics: ServiceMetrics, service: str) -> None:
        self.gateway = gateway
        self.service = service
        self.sent = Counter("casetrail_gateway_sent", "Messages a gateway took, by channel",
                            ("service", "channel"), registry=metrics.registry)
        self.failed = Counter("casetrail_gateway_failed", "Messages a gateway did not take, by "
                              "channel and why (a refusal's code, or unavailable)",
                              ("service", "channel", "reason"), registry=metrics.registry)

    def guarantee(self, message: OutgoingMessage) -> DeliveryGuarantee:
        return self.gateway.guarantee(message)

    async def send(self, message: OutgoingMessage) -> None:
        try:
            await self.gateway.send(message)
        except DeliveryRefused as refusal:
            self.failed.labels(self.service, message.channel, refusal.reason).inc()
            raise
        except Exception:
            self.failed.labels(self.service, message.channel, UNAVAILABLE).inc()
            raise
        self.sent.labels(self.service, message.channel).inc()
