"""Keep the bot token out of logs: httpx logs every request URL, and Telegram's URLs contain
the token (``/bot<token>/sendMessage``). Installed once, whatever the log level."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+/")


class _HideBotToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg = _TOKEN_IN_URL.sub("/bot<token>/", message)
            record.args = None
        return True


_FILTER = _HideBotToken()


def hide_bot_token_in_logs() -> None:
    for name in ("httpx", "telegram", "telegram.ext"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
