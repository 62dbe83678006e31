"""Webhook delivery as Kotani does it (spec §8): signed envelopes or direct callbacks, retried.

Every attempt is recorded for ``GET /sandbox/webhooks``. Switches make it hostile on demand:
deliver each event twice, hold events back to release them in reverse order, or drop them.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from kotani.jsonjs import js_stringify
from kotani.signing import hmac_hex
from kotani_sandbox.clock import SandboxClock
from kotani_sandbox.config import SandboxConfig

logger = logging.getLogger("kotani_sandbox.webhooks")


@dataclass
class Delivery:
    id: int
    reference_id: str
    event: str
    url: str
    body: bytes
    headers: dict[str, str]
    first_at: float
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "queued"  # queued, held, delivered, retrying, failed, dropped

    def public(self) -> dict[str, Any]:
        last = self.attempts[-1] if self.attempts else {}
        return {
            "id": self.id,
            "referenceId": self.reference_id,
            "event": self.event,
            "url": self.url,
            "headers": self.headers,
            "body": self.body.decode("utf-8"),
            "state": self.state,
            "responseStatus": last.get("status"),
            "error": last.get("error"),
            "attempts": self.attempts,
        }


class WebhookDeliverer:
    def __init__(
        self,
        config: SandboxConfig,
        clock: SandboxClock,
        schedule_retry: Callable[[float, Delivery], None],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self._schedule_retry = schedule_retry
        self._http = httpx.AsyncClient(transport=transport)
        self._ids = itertools.count(1)
        self.log: list[Delivery] = []
        self.held: list[Delivery] = []
        self._outbox: list[Delivery] = []

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- building ---------------------------------------------------------------------

    def enqueue(self, reference_id: str, event: str, data: dict[str, Any], callback_url: str | None) -> None:
        """Queue one event; sent by :meth:`flush` once the state change that caused it is done."""
        if self.config.signed_mode:
            url = self.config.webhook_url or callback_url
            unsigned = js_stringify({"event": event, "data": data})
            assert self.config.webhook_secret is not None
            signature = "sha256=" + hmac_hex(self.config.webhook_secret, unsigned)
            body = (unsigned[:-1] + f',"signature":"{signature}"}}').encode("utf-8")
            headers = {
                "Content-Type": "application/json",
                "X-Kotani-Signature": signature,
                "X-Kotani-Event": event,
                "X-Kotani-Integrator": self.config.integrator_id,
            }
        else:
            url = callback_url or self.config.webhook_url
            body = js_stringify(data).encode("utf-8")
            headers = {"Content-Type": "application/json"}
        if not url:
            logger.info("no webhook URL for %s (%s); nothing sent", reference_id, event)
            return
        copies = 2 if self.config.duplicate_webhooks else 1
        for _ in range(copies):
            delivery = Delivery(next(self._ids), reference_id, event, url, body, headers, self.clock.now())
            self.log.append(delivery)
            if not self.config.deliver_webhooks:
                delivery.state = "dropped"
            elif self.config.hold_webhooks:
                delivery.state = "held"
                self.held.append(delivery)
            else:
                self._outbox.append(delivery)

    # --- sending ----------------------------------------------------------------------

    async def flush(self) -> None:
        while self._outbox:
            await self.attempt(self._outbox.pop(0))

    async def release_held(self, order: str = "reverse") -> int:
        held, self.held = self.held, []
        if order == "reverse":
            held.reverse()
        for delivery in held:
            await self.attempt(delivery)
        return len(held)

    async def attempt(self, delivery: Delivery) -> None:
        record: dict[str, Any] = {"at": self.clock.iso(), "status": None, "error": None}
        delivery.attempts.append(record)
        try:
            response = await self._http.post(
                delivery.url, content=delivery.body, headers=delivery.headers, timeout=self.config.webhook_timeout
            )
            record["status"] = response.status_code
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
            ok = False
        if ok:
            delivery.state = "delivered"
            return
        retry_index = len(delivery.attempts) - 1
        delays = self.config.webhook_retry_delays
        delay = delays[min(retry_index, len(delays) - 1)] if delays else None
        elapsed = self.clock.now() - delivery.first_at
        if delay is None or elapsed + delay > self.config.webhook_retry_horizon:
            delivery.state = "failed"
            return
        delivery.state = "retrying"
        self._schedule_retry(delay, delivery)
