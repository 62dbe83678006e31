"""The production process without a public URL: long polling over real HTTP (getUpdates),
plus the web server on its port, exactly as ``python -m bot`` runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import uvicorn

from bot.server import serve
from offramps.settings import load_settings
from tests.conftest import API_KEY, Sandbox
from tests.e2e.test_process import free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import LiveServer


async def test_the_bot_answers_updates_it_fetched_with_get_updates(sandbox: Sandbox, tmp_path: Path) -> None:
    telegram = FakeTelegram()
    async with LiveServer(telegram.app()) as api:
        port = free_port()
        settings = load_settings({
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": api.url, "KOTANI_BASE_URL": sandbox.url,
            "KOTANI_API_KEY": API_KEY, "DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "PORT": str(port),
            "HOST": "127.0.0.1", "TELEGRAM_POLL_TIMEOUT": "1", "RECONCILE_INTERVAL_SECONDS": "3600",
        })  # fmt: skip
        ready, holder = asyncio.Event(), list[uvicorn.Server]()
        running = asyncio.create_task(serve(settings, ready=ready, server_holder=holder))
        try:
            await asyncio.wait_for(ready.wait(), 20)
            telegram.queue(telegram.user_message(5001, "/start"))
            telegram.queue(telegram.user_message(5002, "/help"))
            async with asyncio.timeout(10):
                while len(telegram.chat(5001)) < 1 or len(telegram.chat(5002)) < 1:  # noqa: ASYNC110 (another server fills it)
                    await asyncio.sleep(0.02)
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        finally:
            holder[0].should_exit = True
            await running
    assert "Welcome" in (telegram.chat(5001)[0].text or "")
    assert "How it works" in (telegram.chat(5002)[0].text or "")
    assert not any(method == "setWebhook" for method, _ in telegram.calls)
