"""The last line: an exception in any handler is logged (without personal data) and the user
is told, in plain words, that nothing was lost."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from handlers.common import Context
from ui.texts import t

logger = logging.getLogger("handlers.errors")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        logger.info("a user blocked the bot")
        return
    if isinstance(error, NetworkError):
        logger.warning("Telegram network error: %s", error)
        return
    logger.error("handler failed: %s", type(error).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, t("internal_error"))
        except Exception:  # telling the user failed too; the log line above is what remains
            logger.warning("could not tell the user about the error")
