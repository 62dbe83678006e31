"""The bot's HTTP to the Bot API (``bot/telegram_http.py``), against a real server on loopback:
what Telegram receives, and how a slow or absent Telegram surfaces (PTB's own error types, so
the rate limiter, the outbox and the handlers treat it as they did with httpx)."""

from __future__ import annotations

import asyncio
import io

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.telegram_http import AiohttpRequest
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import LiveServer


async def test_messages_and_photos_reach_telegram_as_sent() -> None:
    telegram = FakeTelegram()
    async with LiveServer(telegram.app()) as api:
        bot = Bot(telegram.token, base_url=f"{api.url}/bot", request=AiohttpRequest())
        async with bot:
            await bot.send_message(42, "Send exactly <b>10 USDT</b>", parse_mode="HTML")
            png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
            await bot.send_photo(42, io.BytesIO(png), caption="Scan to pay")
    sent = telegram.chat(42)
    assert sent[0].text == "Send exactly <b>10 USDT</b>" and sent[0].parse_mode == "HTML"
    assert sent[1].photo == png and sent[1].caption == "Scan to pay"


async def test_telegrams_flood_control_is_a_retry_after() -> None:
    async def throttled(request: Request) -> Response:
        return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                             "parameters": {"retry_after": 3}}, 429)  # fmt: skip

    async with LiveServer(Starlette(routes=[Route("/bot{token}/{method}", throttled, methods=["POST"])])) as api:
        bot = Bot("123:ABC", base_url=f"{api.url}/bot", request=AiohttpRequest())
        with pytest.raises(RetryAfter) as raised:
            await bot.initialize()
        assert raised.value.retry_after in (3, 3.0) or raised.value.retry_after.total_seconds() == 3  # type: ignore[union-attr]


async def test_a_silent_telegram_is_a_timeout_and_an_absent_one_a_network_error() -> None:
    async def silent(request: Request) -> Response:
        await asyncio.sleep(1)
        return Response()

    async with LiveServer(Starlette(routes=[Route("/bot{token}/{method}", silent, methods=["POST"])])) as api:
        bot = Bot("123:ABC", base_url=f"{api.url}/bot", request=AiohttpRequest(read_timeout=0.2))
        with pytest.raises(TimedOut):
            await bot.initialize()
        await bot.shutdown()
    absent = Bot("123:ABC", base_url="http://127.0.0.1:9/bot", request=AiohttpRequest())
    with pytest.raises(NetworkError) as raised:
        await absent.initialize()
    assert not isinstance(raised.value, TimedOut)
    await absent.shutdown()
