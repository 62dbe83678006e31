"""The bot as production builds it, against the fake Bot API and the Kotani sandbox, both over
real HTTP on loopback; fake users type and press buttons and read what the bot sent."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import App, build_application
from bot.web import create_web_app
from bot.workers.notifier import OutboxSender
from bot.workers.reconciler import Reconciler
from kotani.client import KotaniClient, KotaniConfig
from offramps.corridors import CorridorDirectory
from offramps.notices import notices
from offramps.services import Services
from offramps.settings import load_settings
from storage import Database, Storage
from tests.conftest import API_KEY, WEBHOOK_SECRET, Sandbox
from tests.support.fake_telegram import FakeTelegram, SentMessage
from tests.support.servers import LiveServer

TELEGRAM_SECRET = "tg-webhook-secret-for-tests"


class BotClock:
    """The bot's clock in tests: starts at a fixed date, runs on (so retries fall due), and
    can be pushed forward (so a quote expires without waiting)."""

    def __init__(self) -> None:
        self._base = datetime(2026, 1, 1, tzinfo=UTC)
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._started)

    def advance(self, seconds: float) -> None:
        self._base += timedelta(seconds=seconds)


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the photo"
    return str(results[0].text)


@dataclass
class Harness:
    telegram: FakeTelegram
    telegram_url: str
    sandbox: Sandbox
    db_path: Path
    clock: BotClock
    application: App
    services: Services
    web_url: str = ""
    sender: OutboxSender | None = None
    reconciler: Reconciler | None = None

    async def until(self, condition: Callable[[], bool], what: str, limit: float = 15) -> None:
        """Wait for something another server does (a webhook, a notification) to have happened."""
        try:
            async with asyncio.timeout(limit):
                while not condition():  # noqa: ASYNC110 (the condition is met by other servers)
                    await asyncio.sleep(0.02)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def notified(self, user_id: int, text: str, *, count: int = 1) -> list[SentMessage]:
        """Wait until ``count`` messages containing ``text`` reached the chat; return them."""

        def matching() -> list[SentMessage]:
            return [m for m in self.telegram.chat(user_id) if m.text and text in m.text]

        await self.until(lambda: len(matching()) >= count, f"{text!r} in chat {user_id}")
        return matching()

    async def drain(self) -> None:
        async def pending() -> int:
            return await self.services.storage.outbox.pending_count()

        for _ in range(1000):
            if await pending() == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the outbox never drained")

    def user(self, user_id: int) -> User:
        return User(self, user_id)

    async def process(self, update: dict[str, Any]) -> None:
        await self.application.process_update(Update.de_json(update, self.application.bot))


@dataclass
class User:
    harness: Harness
    id: int

    @property
    def chat(self) -> list[SentMessage]:
        return self.harness.telegram.chat(self.id)

    async def _run(self, update: dict[str, Any]) -> list[SentMessage]:
        before = len(self.chat)
        await self.harness.process(update)
        return self.chat[before:]

    async def send(self, text: str) -> list[SentMessage]:
        return await self._run(self.harness.telegram.user_message(self.id, text))

    async def send_raw(self, **message: Any) -> list[SentMessage]:
        update = self.harness.telegram.user_message(self.id, "")
        del update["message"]["text"]
        update["message"].update(message)
        return await self._run(update)

    async def share_contact(self, phone: str) -> list[SentMessage]:
        return await self.send_raw(contact={"phone_number": phone, "first_name": "Me", "user_id": self.id})

    async def press_data(self, data: str, message: SentMessage | None = None) -> list[SentMessage]:
        target = message or self.last_with_buttons()
        return await self._run(self.harness.telegram.button_press(self.id, target, data))

    async def press(self, label: str) -> list[SentMessage]:
        message = self.last_with_buttons()
        for row in message.reply_markup["inline_keyboard"]:  # type: ignore[index]
            for button in row:
                # a copy button (copy_text) talks to no bot: pressing it sends nothing
                if label.lower() in button["text"].lower() and "callback_data" in button:
                    return await self.press_data(button["callback_data"], message)
        if " · " in label:  # "USDT · Tron": the token, then its network (two questions since #14 item 9)
            token, network = label.split(" · ", 1)
            said = await self.press(token)
            if any(network.lower() in text.lower() for text in self.buttons(self.last_with_buttons())):
                said += await self.press(network)
            return said
        raise AssertionError(f"no button {label!r} in {self.buttons(message)}")

    async def press_exact(self, label: str) -> list[SentMessage]:
        """Press the button labelled exactly ``label`` on the newest message with buttons."""
        message = self.last_with_buttons()
        for row in message.reply_markup["inline_keyboard"]:  # type: ignore[index]
            for button in row:
                if button["text"] == label and "callback_data" in button:
                    return await self.press_data(button["callback_data"], message)
        raise AssertionError(f"no button {label!r} in {self.buttons(message)}")

    def last_with_buttons(self) -> SentMessage:
        for message in reversed(self.chat):
            if message.reply_markup and "inline_keyboard" in message.reply_markup:
                return message
        raise AssertionError("no message with buttons")

    @staticmethod
    def buttons(message: SentMessage) -> list[str]:
        if not message.reply_markup or "inline_keyboard" not in message.reply_markup:
            return []
        return [button["text"] for row in message.reply_markup["inline_keyboard"] for button in row]

    @property
    def last_text(self) -> str:
        return next(m.text for m in reversed(self.chat) if m.text is not None)


@asynccontextmanager
async def running_bot(
    sandbox: Sandbox,
    db_path: Path,
    telegram: FakeTelegram,
    telegram_url: str,
    clock: BotClock,
    *,
    live: bool = False,
    webhook_secret: str | None = WEBHOOK_SECRET,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Harness]:
    env = {
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_BASE_URL": telegram_url,
        "KOTANI_BASE_URL": sandbox.url,
        "KOTANI_API_KEY": API_KEY,
        "KOTANI_WEBHOOK_SECRET": webhook_secret or "",
        "DATABASE_PATH": str(db_path),
        "PUBLIC_URL": "https://bot.example.com",
        **(extra_env or {}),
    }
    settings = load_settings(env)
    db = await Database(settings.database_path, clock=clock).open()
    storage = Storage.on(db, outbox_retry_base_seconds=0.2, owed=notices(settings.ops_chat_id))
    kotani = KotaniClient(KotaniConfig(base_url=settings.kotani.base_url, api_key=API_KEY), clock=sandbox.clock.now)
    services = Services(settings, storage, kotani, CorridorDirectory(kotani), clock=clock)
    assert settings.telegram_token is not None
    application = build_application(
        services, token=settings.telegram_token, api_base_url=settings.telegram_api_base_url, polling=False
    )
    await application.initialize()
    await application.post_init(application)  # type: ignore[misc]
    harness = Harness(telegram, telegram_url, sandbox, db_path, clock, application, services)
    web_server: LiveServer | None = None
    if live:
        harness.sender = OutboxSender(application.bot, services, per_chat_interval=0.05, idle_seconds=0.2)
        harness.reconciler = Reconciler(services, spacing_seconds=0, on_change=harness.sender.wake)
        web = create_web_app(application, services, telegram_secret=TELEGRAM_SECRET, on_event=harness.sender.wake)
        web_server = await LiveServer(web).__aenter__()
        harness.web_url = web_server.url
        services.settings = dataclasses.replace(settings, public_url=web_server.url)
        await application.start()  # consumes updates POSTed to the Telegram route
        harness.sender.start()
    try:
        yield harness
    finally:
        if live:
            assert harness.sender is not None and web_server is not None
            await harness.sender.stop()
            await web_server.__aexit__()
            await application.stop()
        await application.update_persistence()
        await application.shutdown()
        await kotani.aclose()
        await storage.close()


@asynccontextmanager
async def bot_world(
    sandbox: Sandbox,
    tmp_path: Path,
    *,
    live: bool = False,
    webhook_secret: str | None = WEBHOOK_SECRET,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Harness]:
    telegram = FakeTelegram()
    async with (
        LiveServer(telegram.app()) as server,
        running_bot(
            sandbox,
            tmp_path / "bot.sqlite3",
            telegram,
            server.url,
            BotClock(),
            live=live,
            webhook_secret=webhook_secret,
            extra_env=extra_env,
        ) as harness,
    ):
        yield harness
