"""The baseline: a minimal PTB echo bot in webhook mode behind Starlette, like ours but
doing nothing else (no database, no Kotani)."""

from __future__ import annotations

import os

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


async def main() -> None:
    api = os.environ["BENCH_API"]
    application = (
        Application.builder()
        .token(os.environ["BENCH_TOKEN"])
        .base_url(f"{api}/bot")
        .updater(None)
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def telegram(request: Request) -> Response:
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return Response()

    async def health(request: Request) -> Response:
        return Response("ok")

    web = Starlette(routes=[Route("/telegram", telegram, methods=["POST"]), Route("/healthz", health)])
    server = uvicorn.Server(
        uvicorn.Config(web, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="error")
    )
    async with application:
        await application.start()
        await server.serve()
        await application.stop()


if __name__ == "__main__":
    import uvloop  # the same event loop as the bot (bot/__main__.py), for a fair baseline

    uvloop.run(main())
