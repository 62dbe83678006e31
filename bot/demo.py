"""``python -m bot demo``: the whole product on one machine with no credentials.

The Kotani sandbox runs in this process (deposits arrive by themselves and every step runs
after a few seconds); state goes to ``data/demo.sqlite3``. With ``TELEGRAM_BOT_TOKEN`` set
the bot runs in real Telegram; without it you chat with it in this terminal.

It is the first thing a new user runs, so it never hangs: a part that does not start, or stops
while the demo runs, ends the demo with exit status 1 and one line on stderr saying which part
and why; Ctrl-D (the end of the input) or Ctrl-C stops every part in order and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn

from bot import qr_worker
from bot.local_telegram import LocalBotApi
from bot.server import serve
from bot.terminal_chat import TerminalChat
from kotani_sandbox import SandboxConfig, create_app
from offramps.settings import TELEGRAM_API, ConfigError, Settings, load_settings

logger = logging.getLogger("bot.demo")
DEMO_KEY = "sandbox_demo_key"
# A part that has not started by then is stuck, not slow: the whole demo starts in about two
# seconds on an idle machine.
START_SECONDS = 60.0
# How long stopping one part may take before it is abandoned: the process is ending anyway.
STOP_SECONDS = 5.0
_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class DemoError(Exception):
    """Why the demo cannot go on, in one line for the person who started it."""


class _Server(uvicorn.Server):
    """A uvicorn server that leaves Ctrl-C to the demo. uvicorn takes SIGINT over for each
    server it runs, so Ctrl-C would stop only the one started last (and the demo would wait on
    the others)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Background:
    """A uvicorn server running as a task of this event loop; ``stop`` waits for it to finish."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], url: str) -> None:
        self.server, self.task, self.url = server, task, url

    async def stop(self) -> None:
        self.server.should_exit = True
        await _finish(self.task)


async def serve_in_background(name: str, app: Any, parts: list[asyncio.Task[None]]) -> Background:
    """Serve ``app`` on a free loopback port in this event loop; its task joins ``parts``."""
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))
    task = asyncio.create_task(_part(server.serve()), name=name)
    parts.append(task)
    await _until(name, _started(server), parts)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Background(server, task, f"http://127.0.0.1:{port}")


async def demo() -> None:
    """Run the demo until the person quits; :class:`DemoError` when a part fails."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    quit_ = asyncio.Event()
    _quit_on_signals(quit_.set)
    parts: list[asyncio.Task[None]] = []  # what must keep running: the first to end ends the demo
    servers: list[Background] = []
    local_api: LocalBotApi | None = None
    bot: asyncio.Task[None] | None = None
    holder: list[uvicorn.Server] = []
    try:
        sandbox_config = SandboxConfig(api_keys=(DEMO_KEY,)).demo()
        servers.append(await serve_in_background("the Kotani sandbox", create_app(sandbox_config), parts))
        sandbox_config.public_base_url = servers[0].url
        token = os.environ.get("TELEGRAM_BOT_TOKEN")
        if token:
            api_base = os.environ.get("TELEGRAM_API_BASE_URL", TELEGRAM_API)
        else:
            local_api = LocalBotApi()
            servers.append(await serve_in_background("the local Telegram stand-in", local_api.app(), parts))
            api_base = servers[-1].url
            token = local_api.token
        settings = _settings(token, api_base, sandbox_config)
        print(f"Kotani sandbox: {sandbox_config.public_base_url} (deposits arrive by themselves in the demo)",
              flush=True)  # fmt: skip
        await _start_qr_worker_deaf_to_ctrl_c()
        _quit_on_signals(quit_.set)
        ready = asyncio.Event()
        bot = asyncio.create_task(_part(serve(settings, ready=ready, server_holder=holder)), name="the bot")
        parts.append(bot)
        if not await _until("the bot", ready.wait(), parts, quit_):
            return
        # serve() took SIGINT and SIGTERM over for itself; the demo stops it and the rest in order
        _quit_on_signals(quit_.set)
        if local_api is not None:
            chat = asyncio.create_task(TerminalChat(local_api).run(), name="the terminal chat")
        else:
            print("The bot is running in Telegram: open a chat with it and send /start. Ctrl-C stops.", flush=True)
            chat = asyncio.create_task(_wait(quit_), name="Ctrl-C")
        quitting = asyncio.create_task(_wait(quit_))
        try:
            done, _ = await asyncio.wait([chat, quitting, *parts], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (quitting, chat):
                waiting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiting  # the chat's own error, if it had one, is raised here
        for part in parts:
            if part in done:
                _ended(part, starting=False)
    except Exception as exc:
        if isinstance(exc, DemoError):
            raise
        raise DemoError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        await _stop(bot, holder, local_api, servers)


def run_demo() -> int:
    """``python -m bot demo``: 0 when the person quits, 1 and a one-line reason on stderr when
    a part of the demo fails."""
    token = os.environ.get("TELEGRAM_BOT_TOKEN") or ""
    try:
        asyncio.run(demo())
        return 0
    except DemoError as exc:
        reason = " ".join(str(exc).split())
    except KeyboardInterrupt:  # Ctrl-C in the instant before the demo handles it itself
        return 0
    # A bot that failed in PTB's initialize() leaves its HTTP sessions open; collected now (out
    # of the handler, which holds on to them), their warnings come before the reason, which
    # stays the last line.
    gc.collect()
    if token:
        reason = reason.replace(token, "<token>")  # PTB names the token it found invalid
    print(f"demo: {_TOKEN_IN_URL.sub('/bot<token>', reason)}", file=sys.stderr, flush=True)
    return 1


def _settings(token: str, api_base: str, sandbox_config: SandboxConfig) -> Settings:
    database = os.environ.get("DATABASE_PATH", "data/demo.sqlite3")
    for leftover in (database, database + "-wal", database + "-shm"):
        # the embedded sandbox forgets everything when it stops, so the demo starts afresh too
        try:
            os.remove(leftover)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise DemoError(f"cannot start afresh: {exc}") from None
    bot_port = free_port()
    try:
        return load_settings(
            {
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_BASE_URL": api_base,
                "KOTANI_BASE_URL": sandbox_config.public_base_url,
                "KOTANI_API_KEY": DEMO_KEY,
                "KOTANI_WEBHOOK_SECRET": sandbox_config.webhook_secret or "",
                "KOTANI_CALLBACK_URL": f"http://127.0.0.1:{bot_port}/kotani/webhook",
                "HOST": "127.0.0.1",
                "PORT": str(bot_port),
                "DATABASE_PATH": database,
                "RECONCILE_INTERVAL_SECONDS": "30",
            }
        )
    except ConfigError as exc:
        raise DemoError(f"the bot's settings: {exc}") from None


async def _part(work: Awaitable[None]) -> None:
    """Run one part of the demo, turning whatever ends it badly into a :class:`DemoError`
    that says what happened (:func:`_ended` adds which part, and when)."""
    try:
        await work
        return
    except SystemExit:  # how uvicorn ends when it cannot bind its port (it has logged why)
        reason = "its web server could not listen"
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
    raise DemoError(reason)  # outside the handler: nothing holds on to the failed part's objects


def _ended(part: asyncio.Task[None], *, starting: bool) -> None:
    """A part ended before the person quit: raise why. The bot's server also ends when Ctrl-C
    reaches it before the demo has taken the signals back from ``serve``: that is a request to
    stop, not a failure."""
    happened = "could not start" if starting else "stopped"
    try:
        part.result()
    except DemoError as exc:
        raise DemoError(f"{part.get_name()} {happened}: {exc}") from None
    if part.get_name() != "the bot":
        raise DemoError(f"{part.get_name()} {happened}")


async def _wait(event: asyncio.Event) -> None:
    await event.wait()


async def _started(server: uvicorn.Server) -> None:
    while not server.started:  # noqa: ASYNC110 (uvicorn offers only this flag)
        await asyncio.sleep(0.02)


async def _until(
    what: str, started: Awaitable[Any], parts: list[asyncio.Task[None]], quit_: asyncio.Event | None = None
) -> bool:
    """Wait for ``what`` to start: False if the person quit first; :class:`DemoError` if a part
    ended or ``START_SECONDS`` went by (never an endless wait on something that died)."""
    waiting = asyncio.ensure_future(started)
    watched: list[asyncio.Future[Any]] = [waiting, *parts]
    if quit_ is not None:
        watched.append(asyncio.ensure_future(_wait(quit_)))
    try:
        done, _ = await asyncio.wait(watched, timeout=START_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in watched:
            if future not in parts:
                future.cancel()
    for part in parts:
        if part in done:
            _ended(part, starting=True)
            return False
    if waiting in done:
        return True
    if done:  # the person quit
        return False
    raise DemoError(f"{what} did not start within {START_SECONDS:.0f} seconds")


async def _start_qr_worker_deaf_to_ctrl_c() -> None:
    """Start the QR worker process with Ctrl-C ignored. The terminal sends Ctrl-C to every
    process of the demo, and the worker would die of it printing a KeyboardInterrupt traceback;
    an ignored signal stays ignored in the new process, so only the demo hears it (and stops
    the worker itself). ``serve`` reuses this worker.

    The pool starts its worker when the first job is submitted, in the first step of
    ``warm_up``; Ctrl-C is ignored for that step only (10-30 ms: a Ctrl-C pressed just then is
    lost, and the next one quits)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        warming = asyncio.ensure_future(qr_worker.warm_up())
        await asyncio.sleep(0)
    finally:
        signal.signal(signal.SIGINT, previous)
    await warming


def _quit_on_signals(quit_: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(sig, quit_)


async def _stop(
    bot: asyncio.Task[None] | None,
    holder: list[uvicorn.Server],
    local_api: LocalBotApi | None,
    servers: list[Background],
) -> None:
    """Stop the bot first (it is the client of the others), then the Telegram stand-in and the
    sandbox. A part that failed has already said why, so its error is not raised again here."""
    if bot is not None:
        await _stop_bot(bot, holder)
    qr_worker.shut_down()  # serve() does it too, unless it never got that far
    if local_api is not None:
        local_api.close()
    for server in reversed(servers):
        await server.stop()


async def _stop_bot(bot: asyncio.Task[None], holder: list[uvicorn.Server]) -> None:
    """Ask the bot's web server to exit (the bot then stops in order), as soon as ``serve`` has
    made it: a Ctrl-C while the bot is still starting comes before there is one."""
    deadline = asyncio.get_running_loop().time() + STOP_SECONDS
    while not bot.done() and asyncio.get_running_loop().time() < deadline:
        if holder:
            holder[0].should_exit = True
        await asyncio.wait([bot], timeout=0.05)
    await _finish(bot)


async def _finish(task: asyncio.Task[None]) -> None:
    """Wait for ``task`` to end, cancelling it after ``STOP_SECONDS``: the process is ending."""
    await asyncio.wait([task], timeout=STOP_SECONDS)
    task.cancel()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
