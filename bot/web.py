"""The web process's three doors (design.md §2): Telegram updates, Kotani webhooks, health.

Both webhooks are answered fast: the Telegram update is queued for PTB; the Kotani event is
verified, recorded once (with the notifications it owes, in one transaction) and answered
200; the outbox sender then delivers to the chat. A refused delivery changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot import __version__
from bot.app import App
from bot.observations import from_webhook
from bot.services import Services
from kotani.webhooks import WebhookRefused, parse_webhook
from storage import UnknownOfframp

logger = logging.getLogger("bot.web")

TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 256 * 1024


def create_web_app(
    application: App, svc: Services, *, telegram_secret: str, on_event: Callable[[], None] | None = None
) -> Starlette:
    webhook_path = svc.settings.webhook_path

    async def telegram_update(request: Request) -> Response:
        presented = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not hmac.compare_digest(presented.encode(), telegram_secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "malformed update"}, status_code=400)
        if application.bot.callback_data_cache is not None:  # as PTB's own webhook server does
            application.bot.insert_callback_data(update)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def kotani_webhook(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            event = parse_webhook(body, request.headers, svc.settings.kotani_webhook_secrets)
        except WebhookRefused as refused:
            logger.warning("kotani webhook refused: %s", refused.reason)
            return JSONResponse({"error": refused.reason.value}, status_code=refused.http_status)
        try:
            result = await svc.storage.offramps.record_observation(from_webhook(event))
        except UnknownOfframp:
            logger.warning("kotani webhook for an unknown reference refused")
            return JSONResponse({"error": "unknown reference"}, status_code=404)
        if result.outbox_ids and on_event is not None:
            on_event()
        logger.info(
            "kotani %s for %s: %s", event.event, event.reference_id,
            "duplicate" if result.duplicate else (f"{result.previous_status} -> {result.status}" if result.changed else "no change"),
        )  # fmt: skip
        return JSONResponse({"ok": True, "duplicate": result.duplicate, "changed": result.changed})

    async def health(request: Request) -> Response:
        database = await svc.storage.db.healthy()
        body: dict[str, Any] = {"status": "ok" if database else "error", "version": __version__,
                                "database": "up" if database else "down"}  # fmt: skip
        return JSONResponse(body, status_code=200 if database else 503)

    return Starlette(
        routes=[
            Route(webhook_path, telegram_update, methods=["POST"]),
            Route("/kotani/webhook", kotani_webhook, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
