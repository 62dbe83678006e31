"""/language: the user picks English, Kiswahili or Français; it is stored and used for
everything the bot says to them from then on, notifications included."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.common import Context, answer, say, services, user_id
from ui import callbacks as cb
from ui.keyboards import keyboard, main_menu
from ui.texts import LANGUAGES, raw, t, use_language


async def language_command(update: Update, context: Context) -> None:
    await answer(update)
    rows = [[(name, f"lang:{code}")] for code, name in LANGUAGES.items()]
    await say(update, context, t("ask_language"), keyboard(rows))


async def chose_language(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    (code,) = cb.LANGUAGE.parse(update.callback_query.data)
    if code not in LANGUAGES:
        await answer(update, raw("stale_button"))
        return
    await answer(update)
    await services(context).storage.users.set_language(user_id(update), code)
    use_language(code)
    await say(update, context, t("language_set"), main_menu())


def language_handlers() -> list[object]:
    return [
        CommandHandler("language", language_command),
        CallbackQueryHandler(language_command, pattern=cb.MENU_LANGUAGE.pattern),
        CallbackQueryHandler(chose_language, pattern=cb.LANGUAGE.pattern),
    ]
