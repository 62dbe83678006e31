"""/start (with deep links), the main menu, /help, saved recipients, and what happens to
input that belongs to no conversation (old buttons, stray text)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.common import Context, answer, chat_id, edit_or_say, say, services, user_id
from handlers.transactions import history, open_reference
from offramps.rules.links import verified_reference
from ui import callbacks as cb
from ui.keyboards import main_menu
from ui.texts import country_name, raw, supported, t, use_language
from ui.transactions import details
from ui.views import recipient_label

logger = logging.getLogger("handlers.start")


async def remember_user(update: Update, context: Context) -> None:
    """Group -1: every update from a person keeps their user row fresh (language, chat)."""
    if update.effective_user is None or update.effective_user.is_bot:
        return
    first_language = supported(update.effective_user.language_code)  # used on first contact only
    private_chat = (
        update.effective_chat.id if update.effective_chat and update.effective_chat.type == "private" else None
    )
    language = await services(context).storage.users.seen(update.effective_user.id, private_chat, first_language)
    use_language(language)


async def save_progress(update: Update, context: Context) -> None:
    """Last group: write where this person is in their conversation as soon as the step is
    answered. PTB would write it within ``update_interval`` seconds; a crash in between sent
    people back a step or more, and repeated crashes could keep them from ever finishing
    (tests/chaos/test_conversations.py). Writes of simultaneous updates share one transaction
    (storage/persistence.py), so this costs one database trip per update. PTB marks a
    person's data for saving only after the last handler group, so it is marked here first:
    saving the new position without the draft it belongs to left people stuck."""
    context.application.mark_data_for_update_persistence(
        chat_ids=update.effective_chat.id if update.effective_chat else None,
        user_ids=update.effective_user.id if update.effective_user else None,
    )
    await context.application.update_persistence()


async def start(update: Update, context: Context) -> None:
    payload = context.args[0] if context.args else ""
    if payload.startswith("tx_"):
        await open_reference(update, context, payload[3:])
        return
    if payload.startswith("v_"):
        reference = verified_reference(payload, context.bot.token)
        offramp = await services(context).storage.offramps.get(reference) if reference else None
        if offramp is None:
            await say(update, context, t("unknown_transaction"))
            return
        await say(update, context, t("customer_view", details="") + details(offramp))
        return
    await say(update, context, t("welcome"), main_menu())


async def help_command(update: Update, context: Context) -> None:
    await answer(update)
    await say(update, context, t("help", support=services(context).settings.support_contact), main_menu())


async def menu_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    (target,) = cb.MENU.parse(update.callback_query.data)
    if target == "hist":
        await history(update, context)
    elif target == "rcp":
        await saved_recipients(update, context)
    else:
        await help_command(update, context)


async def saved_recipients(update: Update, context: Context) -> None:
    await answer(update)
    recipients = await services(context).storage.recipients.for_owner(user_id(update))
    if not recipients:
        await edit_or_say(update, context, t("no_saved_recipients"), main_menu())
        return
    lines = "\n".join(f"• {recipient_label(r)} ({country_name(r.country)})" for r in recipients)
    await edit_or_say(update, context, t("saved_recipients", lines=lines), main_menu())


async def stale_button(update: Update, context: Context) -> None:
    """A button from a finished conversation or an old message."""
    await answer(update, raw("stale_button"))
    await say(update, context, t("stale_button") + "\n\n" + t("menu"), main_menu())


async def stray_input(update: Update, context: Context) -> None:
    """Text, stickers, photos outside any conversation: show the menu instead of silence."""
    if update.effective_chat is None or chat_id(update) < 0:
        return  # groups: stay quiet
    await say(update, context, t("unexpected_input") + "\n\n" + t("menu"), main_menu())


async def nothing_to_cancel(update: Update, context: Context) -> None:
    """``/cancel`` outside any conversation (the conversations answer it themselves)."""
    await say(update, context, t("nothing_to_cancel"), main_menu())


def start_handlers() -> list[object]:
    return [
        CommandHandler("start", start),
        CommandHandler("cancel", nothing_to_cancel),
        CommandHandler("help", help_command),
        CallbackQueryHandler(menu_button, pattern=cb.MENU.pattern),
    ]


def last_resort_handlers() -> list[object]:
    return [CallbackQueryHandler(stale_button), MessageHandler(filters.ALL, stray_input)]
