"""Chaos: the bot process is SIGKILLed at random moments while many people are in the middle of
cashing out, then restarted. Each simulated person behaves like one: they read the bot's last
message and answer it, and when an answer never comes (the process died with their message)
they answer the prompt on screen again. Every cash-out must still end with deposit
instructions, no person may end up with two offramps (at Kotani or in our table), and nobody
is sent back to the start. ``CHAOS_ROUNDS`` sets how many kills (CI: 2; by hand: 10 or more)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest

from bot.local_telegram import SentMessage
from kotani_sandbox import SandboxConfig
from storage import Storage
from tests.conftest import API_KEY, WEBHOOK_SECRET, Sandbox
from tests.e2e.flows import TRON_WALLET
from tests.e2e.test_process import ROOT, free_port, start_bot
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import LiveServer

pytestmark = pytest.mark.chaos
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "2"))
PEOPLE = int(os.environ.get("CHAOS_PEOPLE", "10"))
FIRST_PERSON = 8100
SECRET = "chaos-conversations"

# what a person types when the bot's last message asks for it
TYPED = {
    "How much": "10",
    "mobile money number": "0700000001",
    "full name": "Jane Doe",
    "Which wallet will you send from": TRON_WALLET,
}
# what a person presses, most specific first
PRESSED = ["Confirm", "Yes", "Mobile money", "Tron", "USDT", "Kenya", "Cash out"]  # the token, then its network


class Person:
    def __init__(self, user_id: int, telegram: FakeTelegram, url: str) -> None:
        self.user_id, self.telegram, self.url = user_id, telegram, url
        self.actions = 0
        self.repeats = 0  # answers sent again because the bot died before answering
        self.started_over = 0

    @property
    def chat(self) -> list[SentMessage]:
        return self.telegram.chat(self.user_id)

    def done(self) -> bool:
        return any(m.text and "Reference: <code>" in m.text for m in self.chat)

    def _next_update(self) -> dict[str, object]:
        """The answer to the bot's last message, as a person would give it."""
        chat = self.chat
        if not chat:
            return self.telegram.user_message(self.user_id, "/start")
        last = chat[-1]
        for hint, answer in TYPED.items():
            if last.text and hint in last.text:
                return self.telegram.user_message(self.user_id, answer)
        with_buttons = [m for m in chat if m.reply_markup and m.reply_markup.get("inline_keyboard")]
        if with_buttons:
            message = with_buttons[-1]
            buttons = [b for row in message.reply_markup["inline_keyboard"] for b in row]  # type: ignore[index]
            for label in PRESSED:
                for button in buttons:
                    if label in button["text"]:
                        return self.telegram.button_press(self.user_id, message, button["callback_data"])
        self.started_over += 1
        return self.telegram.user_message(self.user_id, "/cashout")

    async def act(self, http: httpx.AsyncClient) -> None:
        update = self._next_update()
        seen = len(self.chat) + sum(m.edits for m in self.chat)
        try:
            response = await http.post(f"{self.url}/telegram", json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})  # fmt: skip
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code != 200:
            self.repeats += 1
            await asyncio.sleep(0.3)  # the bot is down: try again in a moment
            return
        self.actions += 1
        for _ in range(200):  # wait for the answer (or give up and answer the screen again): 10 s on a busy machine
            if len(self.chat) + sum(m.edits for m in self.chat) > seen:
                await asyncio.sleep(0.15)  # let the rest of the answer arrive
                return
            await asyncio.sleep(0.05)
        self.repeats += 1

    async def cash_out(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        while not self.done() and self.actions < 60:  # a cash-out takes 11; the rest is for repeats
            await self.act(http)
            await asyncio.sleep(rng.uniform(0.0, 0.2))


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Kotani's rate limits are not what this test is about (tests/kotani covers them)."""
    return SandboxConfig(api_keys=(API_KEY,), webhook_secret=WEBHOOK_SECRET, lookup_timeout_delay=0,
                         rate_limits={"read": ((100_000, 5.0),), "money": ((100_000, 5.0),)})  # fmt: skip


async def test_sigkill_in_the_middle_of_many_cash_outs(sandbox: Sandbox, tmp_path: Path) -> None:
    rng = random.Random(ROUNDS * 31)
    database = tmp_path / "bot.sqlite3"
    telegram = FakeTelegram()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    people = [Person(FIRST_PERSON + index, telegram, url) for index in range(PEOPLE)]
    async with LiveServer(telegram.app()) as api:
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": api.url,
            "KOTANI_BASE_URL": sandbox.url, "KOTANI_API_KEY": API_KEY, "KOTANI_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PUBLIC_URL": url, "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_PATH": str(database),
            "RECONCILE_INTERVAL_SECONDS": "1", "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }  # fmt: skip
        log = tmp_path / "bot.log"
        process = await start_bot(env, url, log)
        async with httpx.AsyncClient(timeout=3) as http:
            journeys = asyncio.gather(*(person.cash_out(http, rng) for person in people))
            orphans: list[int] = []
            for _ in range(ROUNDS):
                await asyncio.sleep(rng.uniform(0.8, 2.5))  # somewhere in the middle of the cash-outs
                orphans += children(process.pid)
                process.send_signal(signal.SIGKILL)
                await process.wait()
                assert process.returncode == -signal.SIGKILL
                await asyncio.sleep(rng.uniform(0.0, 0.5))
                process = await start_bot(env, url, log)
            try:
                async with asyncio.timeout(300):  # about 15 s on an idle machine; CI machines are not always idle
                    await journeys
            finally:
                process.send_signal(signal.SIGTERM)
                await process.wait()

    stuck = [(p.user_id, [(m.text or "<photo>")[:40] for m in p.chat[-6:]]) for p in people if not p.done()]
    assert not stuck
    assert sum(person.repeats for person in people) > 0  # the kills did land in the middle of conversations
    assert [person.started_over for person in people] == [0] * PEOPLE  # resumed, never sent back to the start

    store = await Storage.open(database)
    try:
        for person in people:
            assert len(await store.offramps.for_user(person.user_id)) == 1, person.user_id
    finally:
        await store.close()
    listed = await httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": f"Bearer {API_KEY}"}).get(
        "/api/v3/offramp/transactions", params={"per_page": 100}
    )
    at_kotani = Counter(int(item["referenceId"].split("-")[1]) for item in listed.json()["data"])
    assert all(at_kotani[person.user_id] == 1 for person in people), at_kotani  # nobody created twice
    for _ in range(30):  # the killed processes' helpers (the QR worker) do not outlive them
        if not any(alive(pid) for pid in orphans):
            break
        await asyncio.sleep(0.1)
    assert orphans and not any(alive(pid) for pid in orphans)


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def children(pid: int) -> list[int]:
    listing = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in listing.read_text().split()] if listing.exists() else []
