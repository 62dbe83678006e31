"""The local Bot API with Telegram's limits enforced, for the benchmark.

Telegram's documented limits (Bots FAQ, "My bot is hitting limits"): in one chat, about one
message a second (short bursts allowed); bulk notifications to many users, not more than about
30 messages a second. Answers to a person who just wrote to the bot are not bulk. This model:

- per chat, a token bucket of 3 messages refilled at 1 a second (new messages; edits of a
  message already in the chat are not counted);
- overall, at most 30 a second of messages to chats that have not sent the bot anything in the
  last 10 seconds (bulk: our notifications);
- a message over either limit is refused with 429 ``retry_after`` and counted as a violation.

It also wakes whoever waits for a chat's next message, so a thousand simulated users wait
without polling.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response

from bot.local_telegram import LocalBotApi, SentMessage

PER_CHAT_BURST = 3.0
PER_CHAT_RATE = 1.0  # messages a second, sustained
BULK_PER_SECOND = 30
RECENTLY_ACTIVE_SECONDS = 10.0
LIMITED = ("sendMessage", "sendPhoto", "sendDocument")


@dataclass
class LimitedBotApi(LocalBotApi):
    token: str = "123456:BENCH-TOKEN"
    refused: int = 0
    refused_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bulk_sent: int = 0
    peak_bulk_per_second: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._bulk: deque[float] = deque()
        self._last_update_from: dict[int, float] = {}
        self._events: dict[int, asyncio.Event] = {}
        self.arrivals: dict[int, list[float]] = defaultdict(list)

    # --- the simulated users' side -------------------------------------------------------

    def user_wrote(self, chat_id: int) -> None:
        """The simulated user sent an update: answers to this chat are not bulk for a while."""
        self._last_update_from[chat_id] = time.monotonic()

    def seen(self, chat_id: int) -> int:
        """How many messages and edits this chat has received so far."""
        return len(self.arrivals[chat_id])

    async def wait_for(self, chat_id: int, count: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.seen(chat_id) < count:
            event = self._events.setdefault(chat_id, asyncio.Event())
            event.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return self.seen(chat_id) >= count
        return True

    def _notify(self, what: str, message: SentMessage) -> None:
        super()._notify(what, message)
        self.arrivals[message.chat_id].append(time.monotonic())
        event = self._events.get(message.chat_id)
        if event is not None:
            event.set()

    # --- Telegram's limits ----------------------------------------------------------------

    async def refuse(self, method: str, params: dict[str, Any]) -> Response | None:
        if method not in LIMITED:
            return None
        now = time.monotonic()
        chat = int(params["chat_id"])
        tokens, at = self._buckets.get(chat, (PER_CHAT_BURST, now))
        tokens = min(PER_CHAT_BURST, tokens + (now - at) * PER_CHAT_RATE)
        if tokens < 1:
            return self._too_many("per chat", 1.0)
        bulk = now - self._last_update_from.get(chat, -1e9) > RECENTLY_ACTIVE_SECONDS
        if bulk:
            while self._bulk and now - self._bulk[0] >= 1.0:
                self._bulk.popleft()
            if len(self._bulk) >= BULK_PER_SECOND:
                return self._too_many("bulk", 1.0)
            self._bulk.append(now)
            self.bulk_sent += 1
            self.peak_bulk_per_second = max(self.peak_bulk_per_second, len(self._bulk))
        self._buckets[chat] = (tokens - 1, now)
        return None

    def _too_many(self, kind: str, retry_after: float) -> Response:
        self.refused += 1
        self.refused_by_kind[kind] += 1
        return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry later",
                             "parameters": {"retry_after": int(retry_after)}}, 429)  # fmt: skip

    async def api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        result = await super().api_editMessageReplyMarkup(params, files)
        self._notify("edit", self._find(params))
        return result
