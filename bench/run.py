"""Load benchmark, run by hand: ``python bench/run.py --users 500 --offramps 2000 --webhooks 10000``.

The real bot process (``python -m bot``, webhook mode) against the local Bot API with Telegram's
limits enforced (``bench/telegram_limits.py``) and the Kotani sandbox answering every call
after 200 ms, all on loopback (method and figures: ``docs/benchmarks.md``):

1. conversation load: N people, arriving over ``--ramp`` seconds and taking ``--think``
   seconds between steps, each complete a whole cash-out; each reply's latency runs from the
   update's POST to the answer reaching the Bot API, also reported without the time Kotani
   took for that person's own requests (``bench/kotani_timing.py``);
2. webhook storm: signed Kotani webhooks (duplicates, reordered) for stored offramps over
   ``--connections`` connections; accepted/s, p99 answer time, lost/duplicated notifications,
   429s served and the time until the last notification reached its chat;
3. memory: peak memory of the process on a database of ``--memory-offramps`` offramps;
4. baseline: a minimal PTB echo bot with the same people and pace, for our overhead as a ratio.

Prints a table and writes ``bench/results.json``. Needs ``pip install -e '.[dev]'``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_load import post_all
from bench.kotani_timing import KotaniTiming
from bench.telegram_limits import LimitedBotApi
from kotani.jsonjs import js_stringify
from kotani.signing import webhook_signature
from kotani_sandbox import SandboxConfig, create_app
from storage import Storage
from storage.models import NewOfframp, Observation

API_KEY = "bench_key"
SECRET = "whsec_bench"
TG_SECRET = "bench-telegram-secret"


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


class LoopLag:
    """How late this process's event loop wakes up: if the harness lags, its timestamps do too."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.lags.append(time.monotonic() - before - 0.01)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def summary(self) -> dict[str, float]:
        return {"p50_ms": percentile(self.lags, 0.5) * 1000, "p99_ms": percentile(self.lags, 0.99) * 1000,
                "max_ms": max(self.lags, default=0) * 1000}  # fmt: skip


def harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_stats(pid: int) -> dict[str, float]:
    """Peak memory and CPU of the process and of its child processes (the QR worker) together."""
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    children = [int(child) for child in children_file.read_text().split()] if children_file.exists() else []
    peak_kb = 0
    cpu_ticks = 0
    for each in (pid, *children):
        try:
            status = Path(f"/proc/{each}/status").read_text()
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        peak_kb += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        cpu_ticks += int(fields[11]) + int(fields[12])
    ticks = os.sysconf("SC_CLK_TCK")
    return {"peak_memory_mb": peak_kb / 1024, "cpu_seconds": cpu_ticks / ticks, "processes": 1 + len(children)}


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


def phone_of(user: int) -> str:
    """A Kenyan number only this simulated user has (the sandbox has no name for it)."""
    return f"0711{user % 1_000_000:06d}"


def amount_of(user: int) -> str:
    """A crypto amount only this simulated user asks for (ends in 1, so it never normalises)."""
    return f"10.{user % 1000:03d}1"


class Driver:
    """Plays users: POSTs updates to the bot's Telegram route and waits for its answers."""

    def __init__(self, api: LimitedBotApi, url: str, think: float, timing: KotaniTiming | None = None) -> None:
        self.api, self.url, self.timing = api, url, timing
        self.think = think  # seconds a person takes between two steps (randomised around it)
        # aiohttp: a tenth of httpx's CPU per request, so the harness disturbs its own clock less
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.own_kotani: dict[str, list[float]] = defaultdict(list)
        self.timeline: list[tuple[float, float]] = []  # (when the step began, its latency without own Kotani wait)
        self.errors = 0

    async def step(self, user: int, name: str, update: dict[str, Any], *, expect: int = 1) -> None:
        if self.think:
            await asyncio.sleep(random.uniform(0.5, 1.5) * self.think)
        before = self.api.seen(user)
        self.api.user_wrote(user)
        started = time.monotonic()
        async with self.http.post(f"{self.url}/telegram", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}) as response:  # fmt: skip
            status = response.status
        if status != 200 or not await self.api.wait_for(user, before + expect, 60):
            self.errors += 1
            raise JourneyBroken(name)
        answered = self.api.arrivals[user][before + expect - 1]
        waited = self.timing.waited(user, started, answered) if self.timing else 0.0
        self.latencies[name].append(answered - started)
        self.own_kotani[name].append(waited)
        self.timeline.append((started, answered - started - waited))

    async def buttons(self, user: int, label: str) -> tuple[Any, str]:
        """The newest message offering ``label`` (waiting a little for it to arrive)."""
        for _ in range(3):
            for message in reversed(self.api.chat(user)):
                markup = message.reply_markup or {}
                for row in markup.get("inline_keyboard", []):
                    for button in row:
                        if label in button["text"]:
                            return message, button["callback_data"]
            await self.api.wait_for(user, self.api.seen(user) + 1, 5)
        raise JourneyBroken(label)

    async def press(self, user: int, name: str, label: str, *, expect: int = 1) -> None:
        message, data = await self.buttons(user, label)
        await self.step(user, name, self.api.button_press(user, message, data), expect=expect)

    async def cash_out(self, user: int) -> None:
        if self.timing is not None:
            self.timing.mark(user, phone_of(user)[-9:], f"amount:{Decimal(amount_of(user)).normalize()}")
        await self.step(user, "start", self.api.user_message(user, "/start"))
        await self.press(user, "cash out (Kotani, cached)", "Cash out")
        await self.press(user, "choose country", "Kenya")
        await self.press(user, "choose token", "USDT · Tron")
        await self.step(user, "amount -> quote (Kotani)", self.api.user_message(user, amount_of(user)))
        await self.press(user, "confirm quote", "Confirm")
        await self.press(user, "mobile money", "Mobile money")
        await self.step(user, "phone -> validate (Kotani)", self.api.user_message(user, phone_of(user)), expect=2)
        await self.step(user, "holder name", self.api.user_message(user, "Jane Doe"))
        await self.step(user, "refund address", self.api.user_message(user, "TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up"))
        await self.press(user, "create (Kotani)", "Confirm", expect=2)


async def conversation_load(
    users: int,
    env: dict[str, str],
    api: LimitedBotApi,
    url: str,
    log: Path,
    think: float,
    timing: KotaniTiming,
    ramp: float,
) -> dict[str, Any]:
    process = await start_process(["-m", "bot"], env, url, log)
    await asyncio.sleep(1)  # let start-up work (command menus) finish before counting CPU
    at_start = process_stats(process.pid)
    driver = Driver(api, url, think, timing)
    refused_before = api.refused
    calls_before = len(api.calls)
    harness_before = harness_cpu()
    started = time.monotonic()

    async def journey(user: int) -> None:
        await asyncio.sleep(random.uniform(0, ramp))  # people arrive over time, not all in one instant
        with contextlib.suppress(JourneyBroken):  # a step never got its answer: counted as an error
            await driver.cash_out(user)

    with LoopLag() as lag:
        await asyncio.gather(*(journey(100000 + index) for index in range(users)))
    elapsed = time.monotonic() - started
    stats = process_stats(process.pid)
    stats["harness_cpu_share"] = (harness_cpu() - harness_before) / elapsed
    stats["harness_loop_lag"] = lag.summary()
    process.send_signal(signal.SIGTERM)
    await process.wait()
    await driver.http.close()
    windows: dict[int, list[float]] = defaultdict(list)
    for at, latency in driver.timeline:
        windows[int((at - started) // 5) * 5].append(latency)
    timeline = {f"{second}s": {"n": len(values), "p50_ms": round(percentile(values, 0.5) * 1000, 1),
                               "p99_ms": round(percentile(values, 0.99) * 1000, 1)}
                for second, values in sorted(windows.items())}  # fmt: skip
    steps = {}
    own: list[float] = []
    for name, values in driver.latencies.items():
        net = [total - waited for total, waited in zip(values, driver.own_kotani[name], strict=True)]
        own.extend(net)
        steps[name] = {"p50_ms": percentile(values, 0.5) * 1000, "p99_ms": percentile(values, 0.99) * 1000,
                       "net_p50_ms": percentile(net, 0.5) * 1000, "net_p95_ms": percentile(net, 0.95) * 1000,
                       "net_p99_ms": percentile(net, 0.99) * 1000, "n": len(values)}  # fmt: skip
    stats["cpu_seconds"] -= at_start["cpu_seconds"]
    methods = Counter(method for method, _ in api.calls[calls_before:])
    return {"users": users, "think_seconds": think, "ramp_seconds": ramp, "seconds": elapsed, "bot_api_calls": dict(methods), "timeline": timeline,
            "updates_per_second": sum(len(v) for v in driver.latencies.values()) / elapsed,
            "errors": driver.errors, "steps": steps, "net_p50_ms": percentile(own, 0.5) * 1000,
            "net_p95_ms": percentile(own, 0.95) * 1000, "net_p99_ms": percentile(own, 0.99) * 1000,
            "telegram_429s_served": api.refused - refused_before, "telegram_429s_by_limit": dict(api.refused_by_kind),
            "bot_cpu_share": stats["cpu_seconds"] / elapsed,
            "kotani_calls": {route: {"n": len(v), "p50_ms": round(percentile(v, 0.5) * 1000, 1),
                                     "p99_ms": round(percentile(v, 0.99) * 1000, 1)}
                             for route, v in timing.by_route.items()}, **stats}  # fmt: skip


async def echo_baseline(
    users: int, api: LimitedBotApi, log: Path, think: float, steps: int, ramp: float
) -> dict[str, Any]:
    """The same users at the same pace, each sending as many messages as a cash-out takes."""
    port = free_port()
    env = {**os.environ, "BENCH_API": api_url_holder[0], "BENCH_PORT": str(port), "BENCH_TOKEN": api.token}
    url = f"http://127.0.0.1:{port}"
    process = await start_process([str(ROOT / "bench" / "echo_bot.py")], env, url, log)
    await asyncio.sleep(1)
    at_start = process_stats(process.pid)
    driver = Driver(api, url, think)
    started = time.monotonic()

    async def chat(user: int) -> None:
        await asyncio.sleep(random.uniform(0, ramp))
        with contextlib.suppress(JourneyBroken):
            for index in range(steps):
                await driver.step(user, "echo", api.user_message(user, f"hello {index}"))

    await asyncio.gather(*(chat(200000 + index) for index in range(users)))
    elapsed = time.monotonic() - started
    stats = process_stats(process.pid)
    stats["cpu_seconds"] -= at_start["cpu_seconds"]
    process.send_signal(signal.SIGTERM)
    await process.wait()
    await driver.http.close()
    values = driver.latencies["echo"]
    return {"p50_ms": percentile(values, 0.5) * 1000, "p95_ms": percentile(values, 0.95) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000, "errors": driver.errors, "updates": len(values),
            "updates_per_second": len(values) / elapsed, **stats}  # fmt: skip


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
                        log: Path, database: Path, connections: int) -> dict[str, Any]:  # fmt: skip
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
    refused_before = api.refused
    started = time.monotonic()
    latencies, statuses = await post_all("127.0.0.1", int(env["PORT"]), "/kotani/webhook", bodies,
                                         connections=connections)  # fmt: skip
    storm_seconds = time.monotonic() - started
    accepted = sum(1 for status in statuses if status == 200)
    chats = [user for _, user in refs]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        delivered = sum(1 for chat in chats if any(m.text and "Delivered" in m.text for m in api.chat(chat)))
        if delivered >= len(chats):
            break
        await asyncio.sleep(0.5)
    drained = time.monotonic() - started
    stats = process_stats(process.pid)
    process.send_signal(signal.SIGTERM)
    await process.wait()
    owed = await owed_notifications(database)
    got = {chat: [m.text for m in api.chat(chat) if m.text] for chat in chats}
    lost = sum(
        1
        for chat, texts in owed.items()
        for text in texts
        if not any(text in got_text for got_text in got.get(chat, []))
    )
    delivered_counts = [sum(1 for m in api.chat(chat) if m.text and "Delivered" in m.text) for chat in chats]
    return {"webhooks": len(bodies), "offramps": offramps, "connections": connections, "accepted": accepted, "accepted_per_second": accepted / storm_seconds,
            "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
            "seconds_until_last_notification": drained, "notifications_sent": sum(len(v) for v in got.values()),
            "lost_notifications": lost + sum(1 for n in delivered_counts if n == 0),
            "duplicated_notifications": sum(n - 1 for n in delivered_counts if n > 1),
            "telegram_429s_served": api.refused - refused_before, "peak_bulk_per_second": api.peak_bulk_per_second,
            **stats}  # fmt: skip


async def memory_at_rest(offramps: int, env: dict[str, str], url: str, log: Path, database: Path) -> dict[str, Any]:
    """Peak memory of the process started on a database holding ``offramps`` open offramps,
    its reconciler walking them every second for 20 s."""
    await seed(database, offramps)
    process = await start_process(["-m", "bot"], {**env, "RECONCILE_INTERVAL_SECONDS": "1"}, url, log)
    await asyncio.sleep(20)
    stats = process_stats(process.pid)
    process.send_signal(signal.SIGTERM)
    await process.wait()
    return {"offramps": offramps, **stats}


async def owed_notifications(database: Path) -> dict[int, list[str]]:
    """What each chat's outbox says it was owed (the kinds' first words, to find in the chat)."""
    store = await Storage.open(database)
    try:
        # a notice dropped unsent because a later one of the same cash-out superseded it was
        # not owed any more (the later one says what it would have said)
        rows = await store.db.fetch_all(
            "SELECT chat_id, kind FROM outbox WHERE dead_at IS NULL OR last_error NOT LIKE 'superseded%'"
        )
    finally:
        await store.close()
    words = {"crypto_received": "We received", "in_progress": "Payout in progress", "successful": "Delivered"}
    owed: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        if row["kind"] in words:
            owed[row["chat_id"]].append(words[row["kind"]])
    return owed


def print_report(results: dict[str, Any], options: argparse.Namespace) -> None:
    conversation = results.get("conversation")
    if conversation is not None:
        print(f"\nConversation load: {conversation['users']} users starting over {options.ramp} s, think time {options.think} s, "
              f"Kotani answering after {options.kotani_latency * 1000:.0f} ms")  # fmt: skip
        print(
            f"{'step':36} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} | excluding own Kotani wait: {'p50':>7} {'p95':>7} {'p99':>7}"
        )
        for step, row in conversation["steps"].items():
            print(f"{step:36} {row['n']:5d} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} |"
                  f"{'':27}{row['net_p50_ms']:7.1f} {row['net_p95_ms']:7.1f} {row['net_p99_ms']:7.1f}")  # fmt: skip
        print(f"all steps excluding own Kotani wait: p50 {conversation['net_p50_ms']:.1f} ms, "
              f"p95 {conversation['net_p95_ms']:.1f} ms, p99 {conversation['net_p99_ms']:.1f} ms")  # fmt: skip
        print(f"updates/s {conversation['updates_per_second']:.1f}, errors {conversation['errors']}, "
              f"429s served {conversation['telegram_429s_served']}, bot CPU {conversation['cpu_seconds']:.1f} s, "
              f"harness busy {conversation['harness_cpu_share'] * 100:.0f} % of a core, "
              f"bot peak memory {conversation['peak_memory_mb']:.0f} MB")  # fmt: skip
        echo = results["echo_baseline"]
        print(f"Echo bot, same users and pace: p50 {echo['p50_ms']:.1f} ms, p95 {echo['p95_ms']:.1f} ms, "
              f"p99 {echo['p99_ms']:.1f} ms, CPU {echo['cpu_seconds']:.1f} s for {echo['updates']} updates")  # fmt: skip
        print(f"overhead vs echo: p50 x{results['overhead_p50']:.2f}, p99 x{results['overhead_p99']:.2f}, "
              f"CPU per update x{results['overhead_cpu_per_update']:.2f}")  # fmt: skip
    memory = results.get("memory")
    if memory is not None:
        print(
            f"\nMemory: {memory['offramps']} stored offramps, reconciler walking them: peak {memory['peak_memory_mb']:.0f} MB"
        )
    storm = results.get("storm")
    if storm is not None:
        print(f"\nWebhook storm: {storm['webhooks']} webhooks for {storm['offramps']} offramps")
        print(f"accepted {storm['accepted']} ({storm['accepted_per_second']:.0f}/s), p50 {storm['p50_ms']:.1f} ms, "
              f"p99 {storm['p99_ms']:.1f} ms; {storm['notifications_sent']} notifications, the last after "
              f"{storm['seconds_until_last_notification']:.0f} s; lost {storm['lost_notifications']}, duplicated "
              f"{storm['duplicated_notifications']}; 429s served {storm['telegram_429s_served']}, peak bulk "
              f"{storm['peak_bulk_per_second']}/s; bot CPU {storm['cpu_seconds']:.1f} s, peak memory "
              f"{storm['peak_memory_mb']:.0f} MB")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--offramps", type=int, default=2000)
    parser.add_argument("--webhooks", type=int, default=10000)
    parser.add_argument("--kotani-latency", type=float, default=0.2)
    parser.add_argument("--think", type=float, default=3.0, help="seconds a person takes between steps (0: none)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the users start (0: all at once)")
    parser.add_argument("--memory-offramps", type=int, default=10000, help="stored offramps for the memory part")
    parser.add_argument("--connections", type=int, default=32, help="connections the webhook storm uses at once")
    parser.add_argument("--skip", action="append", default=[], choices=("conversation", "storm", "memory"))
    options = parser.parse_args()
    work = Path(os.environ.get("BENCH_DIR", "/tmp/kotani-bench"))
    work.mkdir(parents=True, exist_ok=True)
    for leftover in work.glob("*.sqlite3*"):
        leftover.unlink()
    sandbox_config = SandboxConfig(api_keys=(API_KEY,), webhook_secret=SECRET, response_delay=options.kotani_latency,
                                   lookup_timeout_delay=0, rate_limits={"read": ((100000, 5.0),), "money": ((100000, 5.0),)})  # fmt: skip
    timing = KotaniTiming(create_app(sandbox_config))
    _, sandbox_url, _ = await serve(timing)
    api = LimitedBotApi()
    _, api_url, _ = await serve(api.app())
    api_url_holder.append(api_url)
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "cores": os.cpu_count(),
        "options": vars(options),
    }
    parts = [part for part in ("conversation", "storm", "memory") if part not in options.skip]
    for name in parts:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        database = work / f"{name}.sqlite3"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api_url,
               "KOTANI_BASE_URL": sandbox_url, "KOTANI_API_KEY": API_KEY, "KOTANI_WEBHOOK_SECRET": SECRET,
               "PUBLIC_URL": url, "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_PATH": str(database),
               "RECONCILE_INTERVAL_SECONDS": "100000", "TELEGRAM_WEBHOOK_SECRET": TG_SECRET}  # fmt: skip
        log = work / f"{name}.log"
        if name == "conversation":
            results["conversation"] = await conversation_load(
                options.users, env, api, url, log, options.think, timing, options.ramp
            )
        elif name == "memory":
            results["memory"] = await memory_at_rest(options.memory_offramps, env, url, log, database)
        else:
            results["storm"] = await webhook_storm(options.webhooks, options.offramps, env, api, url, log, database,
                                                   options.connections)  # fmt: skip
    if "conversation" in results:
        echo = await echo_baseline(options.users, api, work / "echo.log", options.think, steps=11, ramp=options.ramp)
        results["echo_baseline"] = echo
        conversation = results["conversation"]
        updates = sum(row["n"] for row in conversation["steps"].values())
        results["overhead_p50"] = conversation["net_p50_ms"] / echo["p50_ms"]
        results["overhead_p99"] = conversation["net_p99_ms"] / echo["p99_ms"]
        results["overhead_cpu_per_update"] = (conversation["cpu_seconds"] / updates) / (
            echo["cpu_seconds"] / echo["updates"]
        )
    results["harness_peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print_report(results, options)


if __name__ == "__main__":
    asyncio.run(main())
