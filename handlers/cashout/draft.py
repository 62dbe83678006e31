"""The cash-out draft of one conversation (per chat and person): what the customer chose so far."""

from __future__ import annotations

from typing import Any

from telegram import (
    Update,
)
from telegram.ext import (
    ConversationHandler,
)

from handlers.common import (
    Context,
    conversation_data,
)


def draft(update: Update, context: Context) -> dict[str, Any]:
    """This conversation's cash-out draft (per chat and person, ``conversation_data``)."""
    value = conversation_data(update, context).setdefault("cash", {})
    assert isinstance(value, dict)
    return value


def finish(update: Update, context: Context) -> int:
    conversation_data(update, context).pop("cash", None)
    return ConversationHandler.END
