"""Small helpers every handler uses: replying, keyboards, who is asking, error wording."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any, cast

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ContextTypes

from offramps.services import Services

logger = logging.getLogger("handlers")

Context = ContextTypes.DEFAULT_TYPE
Buttons = Sequence[Sequence[tuple[str, str]]]


def user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def in_private_chat(update: Update) -> bool:
    """A person's own private chat with the bot: their own details are shown there in full."""
    return update.effective_chat is not None and update.effective_chat.type == "private"


def conversation_data(update: Update, context: Context) -> dict[str, Any]:
    """What one person's conversation in one chat remembers (a cash-out draft, the refund
    being answered): one person may be mid-way in a private chat and in a group at once, and
    the two must never share a draft. PTB keys its conversations by (chat, user) too; this
    lives in the person's ``user_data``, under the chat's id, so it is saved with them."""
    assert context.user_data is not None
    chats = context.user_data.setdefault("chats", {})
    assert isinstance(chats, dict)
    value = chats.setdefault(str(chat_id(update)), {})
    assert isinstance(value, dict)
    return value


async def answer(update: Update, text: str | None = None) -> None:
    """Every button press is answered, so the client stops its spinner."""
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):  # a query too old to answer needs no answer
            await update.callback_query.answer(text)


async def say(update: Update, context: Context, text: str, markup: Any = None) -> Message:
    """Send a new HTML message to the chat of ``update``."""
    return await context.bot.send_message(
        chat_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
    )


async def edit_or_say(update: Update, context: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> int:
    """Edit the message whose button was pressed; send a new one for typed input. Returns the
    id of the message that now shows ``text``."""
    query: CallbackQuery | None = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return query.message.message_id
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return query.message.message_id
    return (await say(update, context, text, markup)).message_id


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The process's services, attached to the application at start (``bot.app``)."""
    return cast(Services, context.application.bot_data["services"])
