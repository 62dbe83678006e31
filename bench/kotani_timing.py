"""Which simulated user each Kotani sandbox request served, and how long it took.

The conversation benchmark reports each reply's latency *excluding the time spent waiting on
Kotani for that user's own request*. This ASGI middleware around the sandbox times every
request and attributes it to a user by the markers only that user's requests carry: their
recipient's phone number (validation, customer, create) or their crypto amount (quote).
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Scope = dict[str, Any]
PHONE_DIGITS = re.compile(r"\d{9,}")


@dataclass
class KotaniTiming:
    app: Any
    markers: dict[str, int] = field(default_factory=dict)  # marker text -> user
    calls: dict[int, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    unattributed: int = 0
    by_route: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def mark(self, user: int, *markers: str) -> None:
        for marker in markers:
            self.markers[marker] = user

    def waited(self, user: int, start: float, end: float) -> float:
        """Seconds this user's own Kotani requests took inside ``[start, end]``."""
        return sum(min(e, end) - max(s, start) for s, e in self.calls.get(user, []) if e > start and s < end)

    def _owner(self, path: str, body: bytes) -> int | None:
        text = path + " " + body.decode(errors="replace")
        for digits in PHONE_DIGITS.findall(text):
            if digits[-9:] in self.markers:
                return self.markers[digits[-9:]]
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
        if isinstance(data, dict) and "cryptoAmount" in data:
            return self.markers.get(f"amount:{Decimal(str(data['cryptoAmount'])).normalize()}")
        return None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        chunks: list[bytes] = []

        async def receiving() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        try:
            await self.app(scope, receiving, send)
        finally:
            owner = self._owner(scope["path"], b"".join(chunks))
            route = scope["method"] + " " + "/".join(part if not any(c.isdigit() for c in part) else "{id}"
                                                     for part in scope["path"].split("/"))  # fmt: skip
            self.by_route[route + ("" if owner is not None else " (shared)")].append(time.monotonic() - started)
            if owner is None:
                self.unattributed += 1
            else:
                self.calls[owner].append((started, time.monotonic()))
