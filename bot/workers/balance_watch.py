"""Tells the operations chat when a payout balance runs low (Kotani refuses cash-outs it
cannot cover, and customers would be turned away). One alert per currency each time the
balance crosses below its threshold; it re-arms once the balance is back above."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal

from kotani import KotaniError
from offramps.services import Services
from ui.texts import t
from ui.views import fiat_text

logger = logging.getLogger("bot.balance")


class BalanceWatch:
    def __init__(self, svc: Services, *, on_alert: object = None) -> None:
        self._svc = svc
        self._alerted: set[str] = set()
        self._on_alert = on_alert
        self._task: asyncio.Task[None] | None = None

    @property
    def thresholds(self) -> dict[str, Decimal]:
        return self._svc.settings.low_balance

    def start(self) -> None:
        if self._svc.settings.ops_chat_id is not None and self.thresholds:
            self._task = asyncio.create_task(self._run(), name="balance-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.check_once()
            except KotaniError as exc:
                logger.warning("could not read payout balances: %s", exc)
            await asyncio.sleep(self._svc.settings.balance_check_seconds)

    async def check_once(self) -> list[str]:
        """Alert for each currency newly below its threshold; returns those currencies."""
        ops = self._svc.settings.ops_chat_id
        if ops is None:
            return []
        alerted: list[str] = []
        for wallet in await self._svc.kotani.list_fiat_wallets():
            threshold = self.thresholds.get(wallet.currency)
            if threshold is None:
                continue
            if wallet.balance >= threshold:
                self._alerted.discard(wallet.currency)
                continue
            if wallet.currency in self._alerted:
                continue
            self._alerted.add(wallet.currency)
            alerted.append(wallet.currency)
            text = t("ops_low_balance", currency=wallet.currency, balance=fiat_text(wallet.balance, wallet.currency),
                     threshold=fiat_text(threshold, wallet.currency))  # fmt: skip
            await self._svc.storage.outbox.add(ops, "ops_low_balance", {"text": text})
        if alerted and callable(self._on_alert):
            self._on_alert()
        return alerted
