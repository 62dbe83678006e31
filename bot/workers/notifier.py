"""Drains the outbox into Telegram, within Telegram's limits, exactly once per row.

Rows are claimed (one per chat at a time, in order), sent, and marked sent only after
Telegram accepted them. Per chat we keep at least ``per_chat_interval`` between messages
(Telegram allows about one a second in a private chat), and all notifications together stay
within ``bulk_per_second`` requests (Telegram: about 30 a second for bulk messages; every
send and edit the sender makes counts). Replies to people who just wrote are not in this
budget: they are not bulk, and must not wait behind a burst of notifications. A 429 is
retried after Telegram's ``retry_after``, a 5xx or a timeout with backoff, and a chat that
blocked the bot is marked and given up on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from offramps.services import Services
from storage.models import OutboxMessage
from ui.notifications import render
from ui.receipt import receipt_message
from ui.texts import use_language
from ui.transactions import action_buttons, card

logger = logging.getLogger("bot.workers.notifier")


class OutboxSender:
    def __init__(
        self,
        bot: Any,
        svc: Services,
        *,
        worker: str | None = None,
        batch: int = 30,
        idle_seconds: float = 2.0,
        per_chat_interval: float = 1.0,
        max_parallel: int = 10,
        bulk_per_second: float = 25,
    ) -> None:
        self._bot = bot
        self._svc = svc
        self._worker = worker or f"sender-{os.getpid()}-{secrets.token_hex(3)}"
        self._batch = batch
        self._idle = idle_seconds
        self._per_chat_interval = per_chat_interval
        self._parallel = asyncio.Semaphore(max_parallel)
        # one request every 1/bulk_per_second seconds, never a burst: Telegram counts any second
        # (a bucket of 25 would allow 50 within one second); a little under 30 leaves room for
        # the ops chat and clock skew
        self._bulk = AsyncLimiter(1, 1 / bulk_per_second)
        self._wake = asyncio.Event()
        self._last_sent: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next idle tick."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, grace_seconds: float = 10) -> None:
        """Finish the round in flight (a message being sent is marked sent, not lost), then
        hand back any claimed rows so the next process sends them at once."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(self._task, timeout=grace_seconds)
            except TimeoutError:
                logger.warning("outbox sender did not finish in %s s; stopping it", grace_seconds)
            self._task = None
        await self._svc.storage.outbox.release(self._worker)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.drain_once()
            except Exception:  # a broken row or a database hiccup must not stop all notifications
                logger.exception("outbox round failed")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle)

    async def drain_once(self) -> int:
        messages = await self._svc.storage.outbox.claim(self._worker, limit=self._batch)
        if messages:
            await asyncio.gather(*(self._deliver(message) for message in messages))
        return len(messages)

    async def _pace(self, chat_id: int) -> None:
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = self._per_chat_interval - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)

    async def _deliver(self, message: OutboxMessage) -> None:
        """Runs in its own task, so the language set here is this message's alone."""
        outbox = self._svc.storage.outbox
        use_language(await self._svc.storage.users.language_of_chat(message.chat_id))
        async with self._parallel:
            await self._pace(message.chat_id)
            try:
                if message.kind == "receipt":
                    sent = await self._send_receipt(message)
                else:
                    text, markup = await self._render(message)
                    await self._bulk.acquire()
                    sent = await self._bot.send_message(
                        message.chat_id,
                        text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        disable_web_page_preview=True,
                    )
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
                await outbox.mark_failed(message.id, f"Telegram flood control ({seconds:.0f} s)", retry_after=seconds)
                return
            except Forbidden as exc:
                logger.info("chat blocked the bot; dropping its notifications")
                await self._svc.storage.users.mark_blocked(message.chat_id)
                # this row and every later one of the chat in one statement: marking this one
                # dead first let a concurrent round claim the next and knock again (a 2nd 403)
                await outbox.drop_chat(message.chat_id, f"Forbidden: {exc.message}")
                return
            except BadRequest as exc:
                await outbox.mark_dead(message.id, f"BadRequest: {exc.message}")
                return
            except (NetworkError, TelegramError) as exc:
                await outbox.mark_failed(message.id, f"{type(exc).__name__}: {exc}")
                return
            self._last_sent[message.chat_id] = time.monotonic()
            await outbox.mark_sent(message.id, telegram_message_id=sent.message_id)
        await self._refresh_status_message(message)

    async def _send_receipt(self, message: OutboxMessage) -> Any:
        """The receipt image of a delivered cash-out, its own outbox row right after the
        "Delivered" notice: sent once, retried like any notice, in the owner's language."""
        storage = self._svc.storage
        offramp = await storage.offramps.get(message.reference_id or "")
        if offramp is None:
            raise BadRequest("the cash-out of this receipt is gone")
        recipient = await storage.recipients.of_offramp(offramp)
        # ~12 ms of drawing: off the event loop (to_thread carries the language along)
        photo, caption = await asyncio.to_thread(receipt_message, offramp, recipient)
        await self._bulk.acquire()
        return await self._bot.send_photo(message.chat_id, photo, caption=caption, parse_mode=ParseMode.HTML)

    async def _render(self, message: OutboxMessage) -> tuple[str, Any]:
        storage = self._svc.storage
        offramp = await storage.offramps.get(message.reference_id) if message.reference_id else None
        if offramp is None:  # alerts not about one cash-out (e.g. a low balance) carry their text
            return str(message.payload.get("text", "")), None
        recipient = await storage.recipients.of_offramp(offramp)
        return render(message.kind, message.payload, offramp, recipient, support=self._svc.settings.support_contact)

    async def _refresh_status_message(self, message: OutboxMessage) -> None:
        """Edit the deposit/status message in place, so the chat shows the current state."""
        if not message.reference_id or message.kind.startswith("agent_") or message.kind == "receipt":
            return
        offramp = await self._svc.storage.offramps.get(message.reference_id)
        if offramp is None or offramp.status_message_id is None or offramp.chat_id != message.chat_id:
            return
        storage = self._svc.storage
        recipient = await storage.recipients.of_offramp(offramp)
        deadline = self._svc.deposit_deadline(offramp)
        await self._bulk.acquire()
        with contextlib.suppress(TelegramError):
            await self._bot.edit_message_text(
                card(offramp, recipient=recipient, deadline=deadline),
                chat_id=offramp.chat_id,
                message_id=offramp.status_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=action_buttons(offramp),  # the same buttons a status check shows
            )
