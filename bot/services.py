"""What handlers need, built once per process and reachable from any callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from telegram.ext import Application, CallbackContext

from bot.config import Settings
from bot.corridors import CorridorDirectory
from kotani import KotaniClient
from offramps.cashouts import CashoutService
from storage import Storage


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    storage: Storage
    kotani: KotaniClient
    corridors: CorridorDirectory
    clock: Callable[[], datetime] = field(default=utcnow)
    quote_ttl_seconds: int = 60
    deposit_window_minutes: int = 60

    @property
    def cashouts(self) -> CashoutService:
        """The cash-out service over this process's storage, Kotani client and clock."""
        return CashoutService(
            self.storage, self.kotani, clock=self.clock, quote_ttl_seconds=self.quote_ttl_seconds,
            callback_url=self.settings.callback_url,
        )  # fmt: skip

    def attach(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.bot_data["services"] = self


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    return cast(Services, context.application.bot_data["services"])
