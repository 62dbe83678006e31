"""Catches what webhooks missed: on start and every few minutes, ask Kotani about every
offramp that is not finished and feed the answers through the same path as webhooks.

A missed or refused webhook therefore delays a notification by minutes, never loses it.
Calls are spaced out and a 429 ends the round early (Kotani counts reads per key, §2.3).
Offramps still PENDING well past their deposit window are closed as expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from kotani import errors
from offramps.notices import timed_notices
from offramps.observations import deposit_window_expired
from offramps.services import Services
from storage import UnknownOfframp
from storage.models import OfframpRecord

logger = logging.getLogger("bot.workers.reconciler")


class Reconciler:
    def __init__(
        self,
        svc: Services,
        *,
        interval_seconds: float = 180,
        spacing_seconds: float = 0.1,
        expiry_grace_minutes: int = 30,
        on_change: object = None,
    ) -> None:
        self._svc = svc
        self._interval = interval_seconds
        self._spacing = spacing_seconds
        self._grace = timedelta(minutes=expiry_grace_minutes)
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._owed_now = 0  # notices owed by time in this round

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the next round tries again
                logger.exception("reconciliation round failed")
            await asyncio.sleep(self._interval)

    async def run_once(self) -> int:
        """One round; returns how many offramps changed."""
        storage = self._svc.storage
        await storage.updates.forget_old()  # housekeeping on the same beat: ids Telegram no longer redelivers
        changed = 0
        self._owed_now = 0
        for offramp in [*await storage.offramps.unsubmitted(), *await storage.offramps.open_offramps()]:
            try:
                changed += await self._reconcile(offramp)
            except errors.RateLimited as exc:
                logger.info("Kotani rate limit reached; reconciliation resumes in %.0f s", exc.retry_after)
                break
            except errors.KotaniError as exc:
                logger.warning("could not reconcile %s: %s", offramp.reference_id, exc)
            except UnknownOfframp:
                continue
            await asyncio.sleep(self._spacing)
        if (changed or self._owed_now) and callable(self._on_change):
            self._on_change()
        return changed

    async def _reconcile(self, offramp: OfframpRecord) -> int:
        svc = self._svc
        refreshed = await svc.cashouts.refresh(offramp, source="poll")
        changed = refreshed.changed
        deadline = svc.deposit_deadline(offramp) + self._grace
        current = refreshed.current
        if current is not None and current.status.is_cancellable and svc.clock() > deadline:
            expired = deposit_window_expired(offramp.reference_id)
            changed += int((await svc.storage.offramps.record_observation(expired)).changed)
        await self._owe_timed_notices(offramp.reference_id)
        return changed

    async def _owe_timed_notices(self, reference_id: str) -> None:
        """The deposit reminder and the slow-payout notice: decided by the domain each round on
        what was just learnt, written once through the outbox (so a restart repeats nothing)."""
        svc = self._svc
        offramp = await svc.storage.offramps.get(reference_id)
        if offramp is None:
            return
        owed = timed_notices(
            offramp,
            svc.clock(),
            window_minutes=svc.deposit_window_minutes,
            slow_after_minutes=svc.settings.slow_payout_after(offramp.currency),
            ops_chat_id=svc.settings.ops_chat_id,
        )
        if owed:
            self._owed_now += len(await svc.storage.outbox.owe_once(reference_id, owed))
