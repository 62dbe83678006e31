"""Running the bot: open storage and the Kotani client, build the application, poll
Telegram until told to stop, and close everything in the right order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from datetime import datetime

from bot.app import App, build_application
from bot.config import Settings
from bot.corridors import CorridorDirectory
from bot.services import Services, utcnow
from kotani import KotaniClient
from storage import Database, Storage

logger = logging.getLogger("bot")


@contextlib.asynccontextmanager
async def bot_services(settings: Settings, *, clock: type[datetime] | None = None) -> AsyncIterator[Services]:
    db = await Database(settings.database_path).open()
    storage = Storage.on(
        db, outbox_retry_base_seconds=settings.outbox_retry_base_seconds, ops_chat_id=settings.ops_chat_id
    )
    kotani = KotaniClient(settings.kotani)
    try:
        yield Services(settings, storage, kotani, CorridorDirectory(kotani), clock=utcnow)
    finally:
        await kotani.aclose()
        await storage.close()


async def poll_until_stopped(application: App, stop: asyncio.Event, *, poll_timeout: int = 10) -> None:
    assert application.updater is not None
    async with application:
        await application.start()
        await application.updater.start_polling(
            timeout=poll_timeout, drop_pending_updates=False, allowed_updates=["message", "callback_query"]
        )
        logger.info("bot is running (long polling)")
        await stop.wait()
        await application.updater.stop()
        await application.stop()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


async def run(settings: Settings) -> None:
    stop = asyncio.Event()
    stop_on_signals(stop)
    if settings.public_url:
        logger.warning("PUBLIC_URL is set, but webhook mode is not built yet: using long polling")
    assert settings.telegram_token is not None
    async with bot_services(settings) as svc:
        application = build_application(svc, token=settings.telegram_token, api_base_url=settings.telegram_api_base_url)
        await poll_until_stopped(application, stop)
