"""The "Saved recipients" menu: the people a customer pays, each one to rename (a name of
their own, like "Mum") or delete. Who is saved is decided by storage.recipients (delivered
to, or kept on purpose); this only shows and edits that list."""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from handlers.common import Context, answer, conversation_data, edit_or_say, in_private_chat, say, services, user_id
from offramps.corridors import FLAGS
from storage.models import Recipient
from ui import callbacks as cb
from ui.keyboards import keyboard, main_menu
from ui.texts import raw, t
from ui.views import recipient_label

NAMING = 0
NICKNAME = re.compile(r"^[^\W_](?:[\w .'&-]{0,28}[^\W_])?$")


def label(update: Update, recipient: Recipient) -> str:
    """The person's own recipient: in full in their private chat (a typo must be visible), masked elsewhere."""
    return f"{FLAGS.get(recipient.country, '')} {recipient_label(recipient, full=in_private_chat(update))}".strip()


async def saved_recipients(update: Update, context: Context) -> None:
    """The list, one button each, in the order they were first saved (nothing moves)."""
    await answer(update)
    recipients = await services(context).storage.recipients.for_owner(user_id(update))
    if not recipients:
        await edit_or_say(update, context, t("no_saved_recipients_yet"), main_menu())
        return
    rows = [[(label(update, r), cb.RECIPIENT_OPEN(r.id))] for r in recipients]
    markup = InlineKeyboardMarkup((*keyboard(rows).inline_keyboard, *main_menu().inline_keyboard))
    await edit_or_say(update, context, t("saved_recipients_manage"), markup)


async def _mine(update: Update, context: Context, kind: cb.Callback) -> Recipient | None:
    """The saved recipient a button names, only if it is this person's and still saved."""
    assert update.callback_query is not None
    (number,) = kind.parse(update.callback_query.data)
    owner = user_id(update)
    saved = await services(context).storage.recipients.for_owner(owner, limit=1000)
    return next((r for r in saved if r.id == int(number)), None)


async def _gone(update: Update, context: Context) -> None:
    await answer(update)
    await say(update, context, t("recipient_gone"))
    await saved_recipients(update, context)


async def open_recipient(update: Update, context: Context) -> int:
    recipient = await _mine(update, context, cb.RECIPIENT_OPEN)
    if recipient is None:
        await _gone(update, context)
        return ConversationHandler.END
    await answer(update)
    buttons = keyboard(
        [
            [
                (raw("btn_rename"), cb.RECIPIENT_RENAME(recipient.id)),
                (raw("btn_delete"), cb.RECIPIENT_DELETE(recipient.id)),
            ],
            [(raw("btn_back"), cb.RECIPIENTS())],
        ]
    )
    await edit_or_say(update, context, t("recipient_detail", recipient=label(update, recipient)), buttons)
    return ConversationHandler.END


async def ask_delete(update: Update, context: Context) -> None:
    recipient = await _mine(update, context, cb.RECIPIENT_DELETE)
    if recipient is None:
        await _gone(update, context)
        return
    await answer(update)
    buttons = keyboard(
        [
            [
                (raw("btn_delete_sure"), cb.RECIPIENT_DELETE_SURE(recipient.id)),
                (raw("btn_back"), cb.RECIPIENT_OPEN(recipient.id)),
            ]
        ]
    )
    await edit_or_say(update, context, t("recipient_delete_sure", recipient=label(update, recipient)), buttons)


async def delete_sure(update: Update, context: Context) -> None:
    recipient = await _mine(update, context, cb.RECIPIENT_DELETE_SURE)
    if recipient is None:
        await _gone(update, context)
        return
    await answer(update)
    await services(context).storage.recipients.delete(recipient.id, user_id(update))
    await edit_or_say(update, context, t("recipient_deleted", recipient=label(update, recipient)))
    await saved_recipients_below(update, context)


async def saved_recipients_below(update: Update, context: Context) -> None:
    """The list again as a new message (the one above says what was done)."""
    recipients = await services(context).storage.recipients.for_owner(user_id(update))
    if not recipients:
        await say(update, context, t("no_saved_recipients_yet"), main_menu())
        return
    rows = [[(label(update, r), cb.RECIPIENT_OPEN(r.id))] for r in recipients]
    markup = InlineKeyboardMarkup((*keyboard(rows).inline_keyboard, *main_menu().inline_keyboard))
    await say(update, context, t("saved_recipients_manage"), markup)


async def ask_nickname(update: Update, context: Context) -> int:
    recipient = await _mine(update, context, cb.RECIPIENT_RENAME)
    if recipient is None:
        await _gone(update, context)
        return ConversationHandler.END
    await answer(update)
    conversation_data(update, context)["renaming"] = recipient.id
    buttons = keyboard([[(raw("btn_back"), cb.RECIPIENT_OPEN(recipient.id))]])
    await edit_or_say(update, context, t("ask_nickname", recipient=label(update, recipient)), buttons)
    return NAMING


async def typed_nickname(update: Update, context: Context) -> int:
    assert update.message is not None and update.message.text is not None
    name = " ".join(update.message.text.split())
    if not NICKNAME.match(name):
        await say(update, context, t("nickname_invalid"))
        return NAMING
    number = conversation_data(update, context).pop("renaming", None)
    svc = services(context)
    if isinstance(number, int):
        await svc.storage.recipients.rename(number, user_id(update), name)
        renamed = await svc.storage.recipients.get(number, user_id(update))
        if renamed is not None:
            await say(update, context, t("recipient_renamed", recipient=label(update, renamed)))
    await saved_recipients_below(update, context)
    return ConversationHandler.END


async def stop_naming(update: Update, context: Context) -> int:
    conversation_data(update, context).pop("renaming", None)
    await saved_recipients_below(update, context)
    return ConversationHandler.END


def recipient_handlers() -> list[Any]:
    with warnings.catch_warnings():
        # per_message=False is what we want (as in bot.app): one naming per person and chat
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        naming = _naming()
    return [
        naming,
        CallbackQueryHandler(saved_recipients, pattern=cb.RECIPIENTS.pattern),
        CallbackQueryHandler(open_recipient, pattern=cb.RECIPIENT_OPEN.pattern),
        CallbackQueryHandler(ask_delete, pattern=cb.RECIPIENT_DELETE.pattern),
        CallbackQueryHandler(delete_sure, pattern=cb.RECIPIENT_DELETE_SURE.pattern),
    ]


def _naming() -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_nickname, pattern=cb.RECIPIENT_RENAME.pattern)],
        states={NAMING: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_nickname)]},
        fallbacks=[
            CallbackQueryHandler(open_recipient, pattern=cb.RECIPIENT_OPEN.pattern),  # Back
            CommandHandler("cancel", stop_naming),
        ],
        name="recipients",
        persistent=True,
        allow_reentry=True,
    )
