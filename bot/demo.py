"""``python -m bot demo``: the whole product on one machine with no credentials.

The Kotani sandbox runs in this process (deposits arrive by themselves and every step runs
after a few seconds); state goes to ``data/demo.sqlite3``. With ``TELEGRAM_BOT_TOKEN`` set
the bot runs in real Telegram; without it you chat with it in this terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

import uvicorn

from bot.local_telegram import LocalBotApi
from bot.server import serve
from bot.terminal_chat import TerminalChat
from kotani_sandbox import SandboxConfig, create_app
from offramps.settings import TELEGRAM_API, load_settings

logger = logging.getLogger("bot.demo")
DEMO_KEY = "sandbox_demo_key"


class Background:
    """A uvicorn server running as a task of this event loop; ``stop`` waits for it to finish."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None], url: str) -> None:
        self.server, self.task, self.url = server, task, url

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task


async def serve_in_background(app: object) -> Background:
    """Serve ``app`` on a free loopback port in this event loop."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="on"))  # type: ignore[arg-type]
    task = asyncio.get_running_loop().create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Background(server, task, f"http://127.0.0.1:{port}")


async def demo() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sandbox_config = SandboxConfig(api_keys=(DEMO_KEY,)).demo()
    sandbox_server = await serve_in_background(create_app(sandbox_config))
    sandbox_config.public_base_url = sandbox_server.url
    servers = [sandbox_server]
    token = os.environ.get("TELEGRAM_BOT_TOKEN")
    local_api: LocalBotApi | None = None
    if token:
        api_base = os.environ.get("TELEGRAM_API_BASE_URL", TELEGRAM_API)
    else:
        local_api = LocalBotApi()
        api_server = await serve_in_background(local_api.app())
        api_base = api_server.url
        servers.append(api_server)
        token = local_api.token
    database = os.environ.get("DATABASE_PATH", "data/demo.sqlite3")
    for leftover in (database, database + "-wal", database + "-shm"):
        # the embedded sandbox forgets everything when it stops, so the demo starts afresh too
        with contextlib.suppress(FileNotFoundError):
            os.remove(leftover)
    bot_port = free_port()
    settings = load_settings(
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
    print(f"Kotani sandbox: {sandbox_config.public_base_url} (deposits arrive by themselves in the demo)")
    ready = asyncio.Event()
    holder: list[uvicorn.Server] = []
    running = asyncio.create_task(serve(settings, ready=ready, server_holder=holder))
    await ready.wait()
    if local_api is not None:
        await TerminalChat(local_api).run()
        holder[0].should_exit = True
    else:
        print("The bot is running in Telegram: open a chat with it and send /start. Ctrl-C stops.")
    await running
    for server in servers:
        await server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
