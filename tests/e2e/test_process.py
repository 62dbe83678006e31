"""``python -m bot`` as the PaaS runs it: one port, webhook mode, SIGTERM in the middle of a
burst of Kotani webhooks loses nothing, and the restarted process sends what was owed, once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from decimal import Decimal
from pathlib import Path

import httpx

from storage import Storage
from storage.models import NewOfframp, Observation
from tests.conftest import API_KEY, WEBHOOK_SECRET, Sandbox
from tests.e2e.test_live_refusals_and_faults import signed_body
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import LiveServer

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = [f"tg-9001-{index:03d}" for index in range(40)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed(path: Path) -> None:
    store = await Storage.open(path)
    try:
        await store.users.touch(9001, 9001)
        for reference in REFERENCES:
            await store.offramps.create(
                NewOfframp(
                    reference, 9001, 9001, "USDT", "TRON", Decimal(10), "KES", fiat_transaction_amount=Decimal(1269)
                )
            )
            await store.offramps.record_observation(
                Observation(reference, "create", "create", f"create|{reference}", "PENDING", {}), notify=False
            )
    finally:
        await store.close()


async def start_bot(env: dict[str, str], url: str, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:  # a file, not a pipe: an unread pipe would block the process
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    async with httpx.AsyncClient() as http, asyncio.timeout(20):
        while True:
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


async def test_sigterm_during_a_webhook_burst_loses_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await seed(database)
    telegram = FakeTelegram()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with LiveServer(telegram.app()) as api:
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": api.url,
            "KOTANI_BASE_URL": sandbox.url, "KOTANI_API_KEY": API_KEY, "KOTANI_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PUBLIC_URL": url, "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_PATH": str(database),
            "RECONCILE_INTERVAL_SECONDS": "3600", "TELEGRAM_WEBHOOK_SECRET": "process-secret",
            "PER_CHAT_INTERVAL_SECONDS": "0.05",
        }  # fmt: skip
        bodies = [
            signed_body("transaction.offramp.status.updated", {"referenceId": r, "status": "SUCCESSFUL"})
            for r in REFERENCES
        ]
        acknowledged: set[int] = set()
        log = tmp_path / "bot.log"
        first = await start_bot(env, url, log)
        assert any(
            method == "setWebhook" and params.get("secret_token") == "process-secret"
            for method, params in telegram.calls
        )

        async def deliver(index: int) -> None:
            body, headers = bodies[index % len(bodies)]
            try:
                async with httpx.AsyncClient() as http:
                    if (await http.post(f"{url}/kotani/webhook", content=body, headers=headers)).status_code == 200:
                        acknowledged.add(index % len(bodies))
            except httpx.TransportError:
                pass  # refused while shutting down: Kotani retries it later

        burst = [asyncio.create_task(deliver(index)) for index in range(2 * len(bodies))]  # every event twice
        await asyncio.sleep(0.05)
        first.send_signal(signal.SIGTERM)
        await asyncio.gather(*burst)
        async with asyncio.timeout(30):
            assert await first.wait() == 0
        second = await start_bot(env, url, log)
        try:
            for index in set(range(len(bodies))) - acknowledged:  # Kotani's retry of what was not acknowledged
                await deliver(index)
            assert acknowledged == set(range(len(bodies)))
            async with asyncio.timeout(60):
                while sum("Delivered!" in (m.text or "") for m in telegram.chat(9001)) < len(REFERENCES):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # would a duplicate still arrive?
        finally:
            second.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                assert await second.wait() == 0
    logged = log.read_text()
    assert "Traceback" not in logged and logged.count("stopped cleanly") == 2
    for secret in (telegram.token, API_KEY, WEBHOOK_SECRET):
        assert secret not in logged
    delivered = [m.text or "" for m in telegram.chat(9001) if "Delivered!" in (m.text or "")]
    assert sorted(next(r for r in REFERENCES if r in text) for text in delivered) == REFERENCES  # each exactly once
