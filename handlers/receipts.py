"""🧾 Receipt: the receipt image of a delivered cash-out, again, for its owner (or the agent
who made it), e.g. to forward it later. The first copy comes by itself with "Delivered"."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler

from handlers.common import Context, answer, chat_id, services
from handlers.transactions import owned
from offramps.states import status_of
from ui import callbacks as cb
from ui.receipt import receipt_message
from ui.texts import raw


async def receipt_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    (reference,) = cb.RECEIPT.parse(update.callback_query.data)
    offramp = await owned(update, context, reference)  # says why not, and answers the press
    if offramp is None:
        return
    if not status_of(offramp).is_delivered:
        await answer(update, raw("receipt_not_available"))
        return
    await answer(update)
    storage = services(context).storage
    recipient = await storage.recipients.of_offramp(offramp)
    photo, caption = await asyncio.to_thread(receipt_message, offramp, recipient)  # off the event loop
    await context.bot.send_photo(chat_id(update), photo, caption=caption, parse_mode=ParseMode.HTML)


def receipt_handlers() -> list[object]:
    return [CallbackQueryHandler(receipt_button, pattern=cb.RECEIPT.pattern)]
