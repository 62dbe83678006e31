"""What every floor needs, built once per process: settings, storage, the Kotani client,
corridors and the clock (injected, so tests and the demo can move time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kotani import KotaniClient
from offramps.cashouts import CashoutService
from offramps.corridors import CorridorDirectory
from offramps.rules.qr import qr_png
from offramps.settings import Settings
from storage import Storage
from storage.models import OfframpRecord


def utcnow() -> datetime:
    return datetime.now(UTC)


async def draw_qr_here(payload: str) -> bytes:
    """Draw a QR code in this process (the process floor may hand in a worker instead)."""
    return qr_png(payload)


@dataclass
class Services:
    settings: Settings
    storage: Storage
    kotani: KotaniClient
    corridors: CorridorDirectory
    clock: Callable[[], datetime] = field(default=utcnow)
    quote_ttl_seconds: int = 60
    deposit_window_minutes: int = 60
    #: how deposit QR codes are drawn: ``bot.qr_worker`` draws them in a worker process
    draw_qr: Callable[[str], Awaitable[bytes]] = field(default=draw_qr_here)

    def deposit_deadline(self, offramp: OfframpRecord) -> datetime:
        """When Kotani stops waiting for this cash-out's deposit (the deposit window)."""
        return offramp.created_at + timedelta(minutes=self.deposit_window_minutes)

    @property
    def cashouts(self) -> CashoutService:
        """The cash-out service over this process's storage, Kotani client and clock."""
        return CashoutService(
            self.storage, self.kotani, clock=self.clock, quote_ttl_seconds=self.quote_ttl_seconds,
            callback_url=self.settings.callback_url,
        )  # fmt: skip
