"""Chaos: the bot process is SIGKILLed at random moments of a webhook storm and restarted;
Kotani answers a share of calls with 5xx, 429 or too late; Telegram throttles. Nothing
committed is lost, no status goes backwards, no offramp is created twice, and every
notification owed is delivered (a repeat is only possible for the one message in flight at a
kill). ``CHAOS_ROUNDS`` sets how many kills (CI: 2; by hand: 10 or more)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from kotani.models import MobileMoneyReceiver, OfframpRequest
from storage import Storage
from storage.models import NewOfframp, Observation
from tests.conftest import API_KEY, WEBHOOK_SECRET, Sandbox
from tests.e2e.test_live_refusals_and_faults import signed_body
from tests.e2e.test_process import ROOT, free_port, start_bot
from tests.kotani.helpers import TRON_SENDER
from tests.support.fake_telegram import FakeTelegram
from tests.support.proxy import FaultyProxy
from tests.support.servers import LiveServer

pytestmark = pytest.mark.chaos
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "2"))
USERS = 12
STATUSES = ["CRYPTO_RECEIVED", "IN_PROGRESS", "SUCCESSFUL"]


async def seed(path: Path, references: list[str], kotani_created: set[str], sandbox: Sandbox) -> None:
    """Offramps as the bot stores them; some were created at Kotani but the bot died before it
    recorded the answer (status NEW): the restarted bot must adopt, not duplicate, them."""
    from kotani.client import KotaniClient, KotaniConfig

    store = await Storage.open(path)
    try:
        async with KotaniClient(KotaniConfig(base_url=sandbox.url, api_key=API_KEY)) as kotani:
            for index, reference in enumerate(references):
                user = 7000 + index
                await store.users.touch(user, user, "en")
                await store.offramps.create(NewOfframp(reference, user, user, "USDT", "TRON", Decimal(10), "KES",
                                                       fiat_transaction_amount=Decimal(1269)))  # fmt: skip
                receiver = MobileMoneyReceiver("+254700000001", "Jane Doe", "MPESA")
                await kotani.create_offramp(
                    OfframpRequest(reference, Decimal(10), "KES", "TRON", "USDT", receiver, TRON_SENDER)
                )
                if reference not in kotani_created:
                    await store.offramps.record_observation(
                        Observation(reference, "create", "create", f"create|{reference}", "PENDING", {}), notify=False
                    )
    finally:
        await store.close()


async def test_sigkill_during_a_webhook_storm_loses_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    rng = random.Random(ROUNDS)
    references = [f"tg-chaos-{index:02d}" for index in range(USERS)]
    pending_create = {references[0], references[1]}  # created at Kotani, unknown to the bot's table
    database = tmp_path / "bot.sqlite3"
    await seed(database, references, pending_create, sandbox)
    telegram = FakeTelegram()
    proxy = FaultyProxy(sandbox.url, fault_rate=0.25, late_delay=0.6)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    events = [(ref, status) for status in STATUSES for ref in references]
    events += rng.sample(events, len(events) // 3)  # duplicates
    rng.shuffle(events)  # and out of order
    acknowledged: set[tuple[str, str]] = set()
    async with LiveServer(telegram.app()) as api, LiveServer(proxy.app()) as kotani_proxy:
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": api.url,
            "KOTANI_BASE_URL": kotani_proxy.url, "KOTANI_API_KEY": API_KEY, "KOTANI_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "KOTANI_TIMEOUT": "0.4", "KOTANI_BACKOFF_SECONDS": "0.05", "PUBLIC_URL": url, "PORT": str(port),
            "HOST": "127.0.0.1", "DATABASE_PATH": str(database), "RECONCILE_INTERVAL_SECONDS": "1",
            "PER_CHAT_INTERVAL_SECONDS": "0.02", "OUTBOX_RETRY_BASE_SECONDS": "0.1", "TELEGRAM_WEBHOOK_SECRET": "chaos",
        }  # fmt: skip
        log = tmp_path / "bot.log"

        async def deliver(event: tuple[str, str]) -> None:
            body, headers = signed_body(
                "transaction.offramp.status.updated", {"referenceId": event[0], "status": event[1]}
            )
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    if (await http.post(f"{url}/kotani/webhook", content=body, headers=headers)).status_code == 200:
                        acknowledged.add(event)
            except httpx.HTTPError:
                pass  # Kotani retries what was not acknowledged

        for round_ in range(ROUNDS):
            process = await start_bot(env, url, log)
            telegram.fail_next.extend([(429, 0), (502, 0)] * 2)
            storm = [asyncio.create_task(deliver(event)) for event in events if event not in acknowledged]
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            process.send_signal(signal.SIGKILL)
            await asyncio.gather(*storm)
            await process.wait()
            assert process.returncode == -signal.SIGKILL, round_
        final = await start_bot(env, url, log)
        try:
            for event in events:  # Kotani's retries of everything never acknowledged
                if event not in acknowledged:
                    await deliver(event)
            assert {(ref, status) for ref, status in events} <= acknowledged
            async with asyncio.timeout(120):
                while True:
                    delivered = [m.text or "" for chat in range(7000, 7000 + USERS) for m in telegram.chat(chat)]
                    if sum("Delivered!" in text for text in delivered) >= USERS:
                        break
                    await asyncio.sleep(0.1)
            await asyncio.sleep(1)
        finally:
            final.send_signal(signal.SIGTERM)
            await final.wait()
    store = await Storage.open(database)
    try:
        for reference in references:
            offramp = await store.offramps.get(reference)
            assert offramp is not None and offramp.status == "SUCCESSFUL", reference  # never backwards
            assert await store.outbox.pending_count() == 0
    finally:
        await store.close()
    listed = await httpx.AsyncClient(base_url=sandbox.url, headers={"Authorization": f"Bearer {API_KEY}"}).get(
        "/api/v3/offramp/transactions", params={"per_page": 100}
    )
    counts = Counter(item["referenceId"] for item in listed.json()["data"])
    assert all(counts[reference] == 1 for reference in references)  # no offramp twice
    per_chat = Counter()
    for index in range(USERS):
        per_chat[index] = sum("Delivered!" in (m.text or "") for m in telegram.chat(7000 + index))
    assert all(count >= 1 for count in per_chat.values())  # nothing lost
    assert sum(count - 1 for count in per_chat.values()) <= ROUNDS  # a repeat only for a message in flight at a kill
