"""The production path end to end: long polling over real HTTP (getUpdates), the same runner
``python -m bot`` uses."""

from __future__ import annotations

import asyncio

from bot.app import build_application
from bot.runner import poll_until_stopped
from tests.e2e.harness import Harness


async def test_the_bot_answers_updates_it_fetched_with_get_updates(bot: Harness) -> None:
    application = build_application(bot.services, token=bot.telegram.token, api_base_url=bot.telegram_url)
    stop = asyncio.Event()
    running = asyncio.create_task(poll_until_stopped(application, stop, poll_timeout=1))
    try:
        bot.telegram.queue(bot.telegram.user_message(5001, "/start"))
        bot.telegram.queue(bot.telegram.user_message(5002, "/help"))
        async with asyncio.timeout(10):
            while len(bot.telegram.chat(5001)) < 1 or len(bot.telegram.chat(5002)) < 1:  # noqa: ASYNC110 (another server fills it)
                await asyncio.sleep(0.02)
    finally:
        stop.set()
        await running
    assert "Welcome" in (bot.telegram.chat(5001)[0].text or "")
    assert "How it works" in (bot.telegram.chat(5002)[0].text or "")
    user = await bot.services.storage.users.get(5001)
    assert user is not None and user.chat_id == 5001
