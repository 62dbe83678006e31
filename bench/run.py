"""Load benchmark, run by hand: ``python bench/run.py [--users 100] [--offramps 2000] [--webhooks 10000]``.

The real bot process (``python -m bot``, webhook mode) against the local Bot API with Telegram's
limits enforced and the Kotani sandbox answering every call after 200 ms, all on loopback:

1. conversation load: N users complete a whole cash-out at the same time; the reply latency of
   each step is measured from the update's POST to the bot's answer reaching the Bot API;
2. webhook storm: signed Kotani webhooks (duplicates, reordered) for stored offramps as fast as
   the server takes them; accepted/s, p99 answer time, and the time until the last
   notification reached its chat;
3. baseline: a minimal PTB echo bot on the same Bot API, for our per-update overhead as a ratio.

Prints a table and writes ``bench/results.json``. Needs ``pip install -e '.[dev]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.responses import JSONResponse, Response

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.local_telegram import LocalBotApi
from kotani.jsonjs import js_stringify
from kotani.sandbox import SandboxConfig, create_app
from kotani.signing import webhook_signature
from storage import Storage
from storage.models import NewOfframp, Observation

API_KEY = "bench_key"
SECRET = "whsec_bench"
TG_SECRET = "bench-telegram-secret"


@dataclass
class LimitedBotApi(LocalBotApi):
    """The local Bot API enforcing Telegram's limits: 1 message/s per chat, 30/s overall."""

    token: str = "123456:BENCH-TOKEN"
    sent_at: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    all_sent: list[float] = field(default_factory=list)
    refused: int = 0
    arrivals: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def refuse(self, method: str, params: dict[str, Any]) -> Response | None:
        if method not in ("sendMessage", "sendPhoto"):
            return None
        now = time.monotonic()
        chat = int(params["chat_id"])
        recent_chat = [t for t in self.sent_at[chat] if now - t < 1.0]
        recent_all = [t for t in self.all_sent if now - t < 1.0]
        if (len(recent_chat) >= 1 and method == "sendMessage" and self._notification(params)) or len(recent_all) >= 30:
            self.refused += 1
            return JSONResponse({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                 "parameters": {"retry_after": 1}}, 429)  # fmt: skip
        self.sent_at[chat].append(now)
        self.all_sent.append(now)
        self.all_sent[:] = [t for t in self.all_sent if now - t < 2.0]
        self.arrivals[chat].append(now)
        return None

    @staticmethod
    def _notification(params: dict[str, Any]) -> bool:
        text = str(params.get("text", ""))
        return any(mark in text for mark in ("We received", "Payout in progress", "Delivered"))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def serve(app: Any) -> tuple[uvicorn.Server, str, asyncio.Task[None]]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", task


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_stats(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"peak_memory_mb": peak_kb / 1024, "cpu_seconds": (int(fields[11]) + int(fields[12])) / ticks}


async def start_process(args: list[str], env: dict[str, str], url: str, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    async with httpx.AsyncClient() as http:
        for _ in range(400):
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{args} did not start; see {log}")


class JourneyBroken(Exception):
    """A simulated user could not go on (an earlier answer never came)."""


class Driver:
    """Plays users: POSTs updates to the bot's Telegram route and waits for its answers."""

    def __init__(self, api: LimitedBotApi, url: str, think: float = 0.0) -> None:
        self.api, self.url = api, url
        self.think = think  # seconds a person takes between two steps (randomised around it)
        self.http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200))
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors = 0

    async def step(self, user: int, name: str, update: dict[str, Any], *, expect: int = 1) -> None:
        if self.think:
            await asyncio.sleep(random.uniform(0.5, 1.5) * self.think)
        before = len(self.api.chat(user)) + sum(m.edits for m in self.api.chat(user))
        started = time.monotonic()
        response = await self.http.post(f"{self.url}/telegram", json=update,
                                        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})  # fmt: skip
        if response.status_code != 200:
            self.errors += 1
            return
        deadline = started + 30
        while len(self.api.chat(user)) + sum(m.edits for m in self.api.chat(user)) < before + expect:
            if time.monotonic() > deadline:
                self.errors += 1
                return
            await asyncio.sleep(0.002)
        self.latencies[name].append(time.monotonic() - started)

    def buttons(self, user: int) -> tuple[Any, dict[str, str]]:
        with_buttons = [m for m in self.api.chat(user) if m.reply_markup and "inline_keyboard" in m.reply_markup]
        if not with_buttons:
            raise JourneyBroken("no message with buttons")
        message = with_buttons[-1]
        return message, {b["text"]: b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row}

    async def press(self, user: int, name: str, label: str, *, expect: int = 1) -> None:
        message, buttons = self.buttons(user)
        matching = [value for text, value in buttons.items() if label in text]
        if not matching:
            raise JourneyBroken(label)
        data = matching[0]
        await self.step(user, name, self.api.button_press(user, message, data), expect=expect)

    async def cash_out(self, user: int) -> None:
        await self.step(user, "start (no Kotani)", self.api.user_message(user, "/start"))
        await self.press(user, "country list (Kotani, cached)", "Cash out")
        await self.press(user, "choose country (no Kotani)", "Kenya")
        await self.press(user, "choose token (no Kotani)", "USDT · Tron")
        await self.step(user, "amount -> quote (1 Kotani call)", self.api.user_message(user, "10"))
        await self.press(user, "confirm quote (no Kotani)", "Confirm")
        await self.press(user, "mobile money (no Kotani)", "Mobile money")
        await self.step(user, "phone -> validate (1 Kotani call)", self.api.user_message(user, "0700000001"), expect=2)
        await self.press(user, "confirm holder (no Kotani)", "Yes")
        await self.step(
            user, "refund address (no Kotani)", self.api.user_message(user, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
        )
        await self.press(user, "create (2-3 Kotani calls)", "Confirm", expect=2)


async def conversation_load(
    users: int, env: dict[str, str], api: LimitedBotApi, url: str, log: Path, think: float
) -> dict[str, Any]:
    process = await start_process(["-m", "bot"], env, url, log)
    driver = Driver(api, url, think)
    started = time.monotonic()

    async def journey(user: int) -> None:
        try:
            await driver.cash_out(user)
        except JourneyBroken:  # a step never got its answer, so the next button is missing
            driver.errors += 1

    await asyncio.gather(*(journey(100000 + index) for index in range(users)))
    elapsed = time.monotonic() - started
    stats = process_stats(process.pid)
    process.send_signal(signal.SIGTERM)
    await process.wait()
    steps = {name: {"p50_ms": percentile(v, 0.5) * 1000, "p95_ms": percentile(v, 0.95) * 1000,
                    "p99_ms": percentile(v, 0.99) * 1000, "n": len(v)} for name, v in driver.latencies.items()}  # fmt: skip
    local = [x for name, v in driver.latencies.items() if "no Kotani" in name for x in v]
    return {"users": users, "seconds": elapsed, "updates_per_second": sum(len(v) for v in driver.latencies.values()) / elapsed,
            "errors": driver.errors, "steps": steps, "no_kotani_p50_ms": percentile(local, 0.5) * 1000,
            "no_kotani_p99_ms": percentile(local, 0.99) * 1000, **stats}  # fmt: skip


async def echo_baseline(users: int, api: LimitedBotApi, log: Path) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "BENCH_API": api_url_holder[0], "BENCH_PORT": str(port), "BENCH_TOKEN": api.token}
    url = f"http://127.0.0.1:{port}"
    process = await start_process([str(ROOT / "bench" / "echo_bot.py")], env, url, log)
    driver = Driver(api, url)

    async def chat(user: int) -> None:
        for index in range(5):
            await driver.step(user, "echo", api.user_message(user, f"hello {index}"))

    await asyncio.gather(*(chat(200000 + index) for index in range(users)))
    process.send_signal(signal.SIGTERM)
    await process.wait()
    values = driver.latencies["echo"]
    return {
        "p50_ms": percentile(values, 0.5) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "errors": driver.errors,
    }


api_url_holder: list[str] = []


async def seed(path: Path, offramps: int) -> list[tuple[str, int]]:
    store = await Storage.open(path)
    refs = []
    try:
        for index in range(offramps):
            user = 300000 + index
            reference = f"tg-bench-{index:05d}"
            await store.users.touch(user, user, "en")
            await store.offramps.create(NewOfframp(reference, user, user, "USDT", "TRON", Decimal(10), "KES",
                                                   fiat_transaction_amount=Decimal(1269)))  # fmt: skip
            await store.offramps.record_observation(
                Observation(reference, "create", "create", f"c|{reference}", "PENDING", {}), notify=False
            )
            refs.append((reference, user))
    finally:
        await store.close()
    return refs


async def webhook_storm(webhooks: int, offramps: int, env: dict[str, str], api: LimitedBotApi, url: str,
                        log: Path, database: Path) -> dict[str, Any]:  # fmt: skip
    refs = await seed(database, offramps)
    rng = random.Random(1)
    events = [(ref, status) for ref, _ in refs for status in ("CRYPTO_RECEIVED", "IN_PROGRESS", "SUCCESSFUL")]
    while len(events) < webhooks:
        events.append(rng.choice(events))  # duplicates
    rng.shuffle(events)  # out of order
    bodies = []
    for ref, status in events[:webhooks]:
        data = {"referenceId": ref, "status": status}
        signature = webhook_signature(SECRET, {"event": "transaction.offramp.status.updated", "data": data})
        raw = (
            js_stringify({"event": "transaction.offramp.status.updated", "data": data})[:-1]
            + f',"signature":"{signature}"}}'
        )
        bodies.append((raw.encode(), {"X-Kotani-Signature": signature, "Content-Type": "application/json"}))
    process = await start_process(["-m", "bot"], env, url, log)
    latencies: list[float] = []
    accepted = 0
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=64)) as http:

        async def worker() -> None:
            nonlocal accepted
            while not queue.empty():
                body, headers = queue.get_nowait()
                started = time.monotonic()
                response = await http.post(f"{url}/kotani/webhook", content=body, headers=headers)
                latencies.append(time.monotonic() - started)
                accepted += response.status_code == 200

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(64)))
        storm_seconds = time.monotonic() - started
    chats = [user for _, user in refs]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        delivered = sum(1 for chat in chats for m in api.chat(chat) if m.text and "Delivered" in m.text)
        if delivered >= len(chats):
            break
        await asyncio.sleep(0.5)
    drained = time.monotonic() - started
    stats = process_stats(process.pid)
    process.send_signal(signal.SIGTERM)
    await process.wait()
    per_chat = [sum(1 for m in api.chat(chat) if m.text and "Delivered" in m.text) for chat in chats]
    return {"webhooks": len(bodies), "offramps": offramps, "accepted": accepted, "accepted_per_second": accepted / storm_seconds,
            "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "seconds_until_last_notification": drained, "lost_notifications": sum(1 for n in per_chat if n == 0),
            "duplicated_notifications": sum(n - 1 for n in per_chat if n > 1), "telegram_429s_served": api.refused,
            **stats}  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--offramps", type=int, default=2000)
    parser.add_argument("--webhooks", type=int, default=10000)
    parser.add_argument("--kotani-latency", type=float, default=0.2)
    parser.add_argument("--think", type=float, default=0.0, help="seconds a user takes between steps (0: none)")
    parser.add_argument("--skip-storm", action="store_true")
    options = parser.parse_args()
    work = Path(os.environ.get("BENCH_DIR", "/tmp/kotani-bench"))
    work.mkdir(parents=True, exist_ok=True)
    for leftover in work.glob("*.sqlite3*"):
        leftover.unlink()
    sandbox_config = SandboxConfig(api_keys=(API_KEY,), webhook_secret=SECRET, response_delay=options.kotani_latency,
                                   lookup_timeout_delay=0, rate_limits={"read": ((100000, 5.0),), "money": ((100000, 5.0),)})  # fmt: skip
    _, sandbox_url, _ = await serve(create_app(sandbox_config))
    api = LimitedBotApi()
    _, api_url, _ = await serve(api.app())
    api_url_holder.append(api_url)
    results: dict[str, Any] = {}
    for name in ("conversation",) if options.skip_storm else ("conversation", "storm"):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        database = work / f"{name}.sqlite3"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api_url,
               "KOTANI_BASE_URL": sandbox_url, "KOTANI_API_KEY": API_KEY, "KOTANI_WEBHOOK_SECRET": SECRET,
               "PUBLIC_URL": url, "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_PATH": str(database),
               "RECONCILE_INTERVAL_SECONDS": "100000", "TELEGRAM_WEBHOOK_SECRET": TG_SECRET}  # fmt: skip
        log = work / f"{name}.log"
        if name == "conversation":
            results["conversation"] = await conversation_load(options.users, env, api, url, log, options.think)
        else:
            results["storm"] = await webhook_storm(options.webhooks, options.offramps, env, api, url, log, database)
    results["echo_baseline"] = await echo_baseline(options.users, api, work / "echo.log")
    conversation = results["conversation"]
    results["overhead_ratio_p50"] = conversation["no_kotani_p50_ms"] / results["echo_baseline"]["p50_ms"]
    results["harness_peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nConversation load: {options.users} users, Kotani answering after {options.kotani_latency * 1000:.0f} ms")
    print(f"{'step':42} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for step, row in conversation["steps"].items():
        print(f"{step:42} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f}")
    print(f"updates/s {conversation['updates_per_second']:.1f}, errors {conversation['errors']}, "
          f"bot CPU {conversation['cpu_seconds']:.1f} s, bot peak memory {conversation['peak_memory_mb']:.0f} MB")  # fmt: skip
    echo = results["echo_baseline"]
    print(f"Echo bot baseline: p50 {echo['p50_ms']:.1f} ms, p99 {echo['p99_ms']:.1f} ms; "
          f"our steps without Kotani: p50 {conversation['no_kotani_p50_ms']:.1f} ms (x{results['overhead_ratio_p50']:.2f}), "
          f"p99 {conversation['no_kotani_p99_ms']:.1f} ms")  # fmt: skip
    storm = results.get("storm")
    if storm is None:
        return
    print(f"\nWebhook storm: {storm['webhooks']} webhooks for {storm['offramps']} offramps")
    print(f"accepted/s {storm['accepted_per_second']:.0f}, p50 {storm['p50_ms']:.1f} ms, p99 {storm['p99_ms']:.1f} ms, "
          f"last notification after {storm['seconds_until_last_notification']:.0f} s, lost {storm['lost_notifications']}, "
          f"duplicated {storm['duplicated_notifications']}, 429s served by the Bot API {storm['telegram_429s_served']}, "
          f"bot peak memory {storm['peak_memory_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
