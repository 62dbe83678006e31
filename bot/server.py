"""The production process: one port serving Telegram's webhook (or long polling without a
public URL), Kotani's webhook and the health check, plus the outbox sender and the
reconciler, all in one event loop. SIGTERM (the PaaS stopping us) ends uvicorn gracefully,
then the background work, then PTB (which writes persistence)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta

import uvicorn
from telegram.error import RetryAfter, TelegramError

from bot import qr_worker
from bot.app import build_application
from bot.runner import bot_services, stop_on_signals
from bot.web import create_web_app
from bot.workers.balance_watch import BalanceWatch
from bot.workers.notifier import OutboxSender
from bot.workers.reconciler import Reconciler
from offramps.settings import Settings

logger = logging.getLogger("bot")

ALLOWED_UPDATES = ["message", "callback_query"]


def telegram_secret_token(settings: Settings) -> str:
    """The webhook secret Telegram echoes back: configured, or derived from the bot token."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    assert settings.telegram_token is not None
    return hashlib.sha256(("webhook:" + settings.telegram_token).encode()).hexdigest()[:48]


async def register_webhook(bot: object, url: str, secret: str, *, attempts: int = 30) -> None:
    """``setWebhook``, retried: honouring ``retry_after`` on 429, backing off on errors."""
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            await bot.set_webhook(  # type: ignore[attr-defined]
                url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
            )
        except RetryAfter as exc:
            wait = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else float(exc.retry_after)
            logger.warning("Telegram asked to wait %.0f s before setting the webhook", wait)
            await asyncio.sleep(wait)
        except TelegramError as exc:
            logger.warning("setting the webhook failed (attempt %d): %s", attempt, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60)
        else:
            logger.info("Telegram webhook registered")
            return
    logger.error("could not register the Telegram webhook; updates will not arrive until a restart")


async def _exit_when(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True


async def serve(
    settings: Settings, *, ready: asyncio.Event | None = None, server_holder: list[uvicorn.Server] | None = None
) -> None:
    assert settings.telegram_token is not None
    webhook_mode = settings.public_url is not None
    secret = telegram_secret_token(settings)
    async with bot_services(settings) as svc:
        application = build_application(
            svc, token=settings.telegram_token, api_base_url=settings.telegram_api_base_url, polling=not webhook_mode
        )
        sender = OutboxSender(application.bot, svc, per_chat_interval=settings.per_chat_interval_seconds)
        reconciler = Reconciler(svc, interval_seconds=settings.reconcile_interval_seconds, on_change=sender.wake)
        balances = BalanceWatch(svc, on_alert=sender.wake)
        web = create_web_app(application, svc, telegram_secret=secret, on_event=sender.wake)
        server = uvicorn.Server(
            uvicorn.Config(web, host=settings.host, port=settings.port, log_level="warning", lifespan="off")
        )
        if server_holder is not None:
            server_holder.append(server)
        async with application:
            await application.start()
            registration: asyncio.Task[None] | None = None
            if webhook_mode:
                assert settings.public_url is not None
                # Telegram may throttle or fail for a moment; the web server (Kotani's webhooks,
                # health) must come up regardless, so the webhook is registered in the background.
                registration = asyncio.create_task(
                    register_webhook(application.bot, settings.public_url.rstrip("/") + settings.webhook_path, secret)
                )
            else:
                assert application.updater is not None
                await application.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, timeout=settings.poll_timeout_seconds
                )
            await qr_worker.warm_up()
            sender.start()
            reconciler.start()
            balances.start()
            logger.info("serving on port %s (%s mode)", settings.port, "webhook" if webhook_mode else "polling")
            if ready is not None:
                asyncio.get_running_loop().call_later(0.1, ready.set)
            # uvicorn traps SIGTERM itself, shuts down gracefully, then re-raises the signal; our
            # own handlers (installed first, so uvicorn restores them) turn that re-raise into
            # "carry on shutting down" instead of an abrupt exit before PTB has been stopped.
            stop = asyncio.Event()
            stop_on_signals(stop)
            watcher = asyncio.create_task(_exit_when(stop, server))
            try:
                await server.serve()
            finally:
                watcher.cancel()
                if registration is not None:
                    registration.cancel()
                await balances.stop()
                await reconciler.stop()
                await sender.stop()
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                await application.stop()
                qr_worker.shut_down()
        logger.info("stopped cleanly")
