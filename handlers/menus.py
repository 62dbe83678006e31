"""Staff get their own command menu in their private chat (``BotCommandScopeChat``); everybody
else sees only the customer menu."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from offramps.roles import commands_for
from offramps.services import Services
from ui.texts import raw

logger = logging.getLogger("handlers.menus")


async def apply_menu(bot: Any, chat_id: int, role: str) -> None:
    """Give a staff member's chat their menu, or take it away (back to the default one)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if role == "customer":
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands([BotCommand(c, raw(f"cmd_{c}")) for c in commands_for(role)], scope=scope)
    except TelegramError as exc:  # the user may never have opened a chat with the bot
        logger.warning("could not set the command menu of a %s: %s", role, exc)


async def apply_all_menus(bot: Any, svc: Services) -> None:
    """At start: every admin and agent gets their menu (roles survive restarts in the database)."""
    for admin in svc.settings.admin_ids:
        await apply_menu(bot, admin, "admin")
    for role in ("agent", "admin"):
        for user in await svc.storage.users.with_role(role):
            if user.user_id not in svc.settings.admin_ids:
                await apply_menu(bot, user.user_id, role)
