"""What the running process holds open (storage, the Kotani client) and how it hears it must
stop; ``bot.server`` builds the process on top of these."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

from bot import qr_worker
from kotani import KotaniClient
from offramps.corridors import CorridorDirectory
from offramps.notices import notices
from offramps.services import Services, utcnow
from offramps.settings import Settings
from storage import Database, Storage

logger = logging.getLogger("bot")


@contextlib.asynccontextmanager
async def bot_services(settings: Settings) -> AsyncIterator[Services]:
    db = await Database(settings.database_path).open()
    storage = Storage.on(
        db, outbox_retry_base_seconds=settings.outbox_retry_base_seconds, owed=notices(settings.ops_chat_id)
    )
    kotani = KotaniClient(settings.kotani)
    try:
        yield Services(
            settings, storage, kotani, CorridorDirectory(kotani), clock=utcnow, draw_qr=qr_worker.qr_png_elsewhere
        )
    finally:
        await kotani.aclose()
        await storage.close()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
