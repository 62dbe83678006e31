"""The web process's three doors (design.md §2): Telegram updates, Kotani webhooks, health.

Both webhooks are answered fast: the Telegram update is queued for PTB; a signed Kotani event
is verified, recorded once (with the notifications it owes, in one transaction) and answered
200; the outbox sender then delivers to the chat. Without a webhook secret a Kotani callback
is only a hint: the offramp is fetched from Kotani's API and Kotani's answer is recorded. A
refused delivery changes nothing.

Both routes are open to anyone on the internet, so neither reads more than ``MAX_BODY`` bytes
(a declared larger ``Content-Length`` is refused before reading, a longer stream is cut off),
and no malformed body, however built, is answered with a 500 and a traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot import __version__
from bot.app import App
from bot.single_flight import SingleFlight
from kotani import errors
from kotani.jsonjs import StrictJSONError, loads_bounded
from kotani.webhooks import WebhookRefused, parse_hint, parse_webhook
from offramps.cashouts import Refreshed
from offramps.observations import from_webhook
from offramps.services import Services
from storage import UnknownOfframp

logger = logging.getLogger("bot.web")

TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token"
#: Kotani's deliveries and Telegram's updates are a few kilobytes; nothing legitimate comes near.
MAX_BODY = 256 * 1024


class BodyTooLarge(Exception):
    """The request declared or sent more than the route reads."""


class BodyIncomplete(Exception):
    """The client went away before sending its whole body."""


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, never holding more than ``limit`` bytes of it in memory.

    A declared ``Content-Length`` above the limit is refused before a byte is read; otherwise
    the body is streamed and the read stops as soon as it passes the limit (a chunked body has
    no length, and a declared one can lie).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge
    except ClientDisconnect:
        raise BodyIncomplete from None
    return bytes(body)


def _unread(problem: BodyTooLarge | BodyIncomplete) -> Response:
    if isinstance(problem, BodyIncomplete):
        return JSONResponse({"error": "incomplete body"}, status_code=400)
    return JSONResponse({"error": "body too large"}, status_code=413, headers={"Connection": "close"})


def create_web_app(
    application: App, svc: Services, *, telegram_secret: str, on_event: Callable[[], None] | None = None
) -> Starlette:
    webhook_path = svc.settings.webhook_path
    fetches: SingleFlight[Refreshed] = SingleFlight()
    if svc.settings.kotani_webhook_secrets:
        logger.info("Kotani webhooks: signed deliveries only")
    else:
        logger.info("Kotani webhooks: no secret, so a callback only makes the bot fetch the status from Kotani")

    async def telegram_update(request: Request) -> Response:
        presented = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        if not hmac.compare_digest(presented.encode(), telegram_secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = loads_bounded(await read_body(request))
        except (BodyTooLarge, BodyIncomplete) as problem:
            return _unread(problem)
        except StrictJSONError as exc:
            logger.warning("telegram update refused: %s", exc)
            return JSONResponse({"error": "malformed update"}, status_code=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            logger.warning("telegram update refused: not an object with an integer update_id")
            return JSONResponse({"error": "malformed update"}, status_code=400)
        try:
            update = Update.de_json(data, application.bot)
            if application.bot.callback_data_cache is not None:  # as PTB's own webhook server does
                application.bot.insert_callback_data(update)
        except Exception as exc:  # PTB raises many types for odd shapes; none may become a 500
            logger.warning("telegram update %d refused: %s", update_id, type(exc).__name__)
            return JSONResponse({"error": "malformed update"}, status_code=400)
        if not await svc.storage.updates.first_time(update_id):  # only well-formed updates are taken
            logger.info("telegram update %d was already taken (a redelivery): not handled again", update_id)
            return Response(status_code=200)
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def kotani_webhook(request: Request) -> Response:
        try:
            body = await read_body(request)
        except (BodyTooLarge, BodyIncomplete) as problem:
            return _unread(problem)
        if not svc.settings.kotani_webhook_secrets:
            return await kotani_hint(body)
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

    async def kotani_hint(body: bytes) -> Response:
        """An unsigned callback: fetch the offramp it names from Kotani and record that.

        Unknown references are refused before any API call (a forger cannot make us spend the
        API key's rate limit on made-up names), and concurrent callbacks about one offramp
        share one fetch. When Kotani cannot answer, 503 makes it deliver the callback again.
        """
        try:
            hint = parse_hint(body)
        except WebhookRefused as refused:
            logger.warning("kotani callback refused: %s", refused.reason)
            return JSONResponse({"error": refused.reason.value}, status_code=refused.http_status)
        reference = hint.reference_id
        if await svc.storage.offramps.get(reference) is None:
            logger.warning("kotani callback for an unknown reference refused")
            return JSONResponse({"error": "unknown reference"}, status_code=404)

        async def fetch() -> Refreshed:
            offramp = await svc.storage.offramps.get(reference)  # afresh: a shared follow-up runs later
            if offramp is None:
                raise UnknownOfframp(reference)
            return await svc.cashouts.refresh(offramp, source="callback")

        try:
            refreshed = await fetches.run(reference, fetch)
        except errors.KotaniError as exc:
            logger.warning("kotani callback for %s: Kotani's API did not answer (%s); 503, Kotani retries",
                           reference, type(exc).__name__)  # fmt: skip
            return JSONResponse({"error": "kotani unavailable"}, status_code=503, headers={"Retry-After": "60"})
        except UnknownOfframp:
            return JSONResponse({"error": "unknown reference"}, status_code=404)
        if refreshed.changed and on_event is not None:
            on_event()
        kotani_status = refreshed.current.status.value if refreshed.current is not None else "not known to Kotani"
        logger.info("kotani callback for %s (unsigned, so fetched): Kotani says %s, %d change(s) recorded",
                    reference, kotani_status, refreshed.changed)  # fmt: skip
        return JSONResponse({"ok": True, "fetched": True, "changed": refreshed.changed > 0})

    async def health(request: Request) -> Response:
        database = await svc.storage.db.healthy()
        body: dict[str, Any] = {"status": "ok" if database else "error", "version": __version__,
                                "database": "up" if database else "down"}  # fmt: skip
        return JSONResponse(body, status_code=200 if database else 503)

    app = Starlette(
        routes=[
            Route(webhook_path, telegram_update, methods=["POST"]),
            Route("/kotani/webhook", kotani_webhook, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
    app.state.kotani_fetches = fetches  # the fetches unsigned callbacks share (observable in tests)
    return app
