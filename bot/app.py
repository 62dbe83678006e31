"""Wiring: one PTB Application built the same way in production, the demo and the tests."""

from __future__ import annotations

import logging
import warnings
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import AIORateLimiter, Application, PersistenceInput, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.concurrency import PerChatUpdateProcessor
from bot.log_safety import hide_bot_token_in_logs
from bot.telegram_http import AiohttpRequest
from handlers.agents import agent_handlers
from handlers.cashout import build_cashout_conversation
from handlers.errors import on_error
from handlers.language import language_handlers
from handlers.menus import apply_all_menus
from handlers.receipts import receipt_handlers
from handlers.refunds import build_invoice_conversation, refund_handlers
from handlers.start import last_resort_handlers, remember_user, save_progress, start_handlers
from handlers.transactions import transaction_handlers
from offramps.roles import CUSTOMER_COMMANDS
from offramps.services import Services
from storage.persistence import SQLitePersistence
from ui.texts import DEFAULT_LANGUAGE, LANGUAGES, raw, use_language

logger = logging.getLogger("bot")

COMMANDS = CUSTOMER_COMMANDS

App = Application[Any, Any, Any, Any, Any, Any]

SAVE_PROGRESS_GROUP = 99  # after every handler that can move a conversation


async def register_commands(application: App) -> None:
    """The customer menu for everyone (in each language), and each admin's and agent's own menu."""
    for code in LANGUAGES:
        use_language(code)
        await application.bot.set_my_commands(
            [BotCommand(name, raw(f"cmd_{name}")) for name in COMMANDS],
            scope=BotCommandScopeDefault(),
            language_code=None if code == DEFAULT_LANGUAGE else code,
        )
    use_language(DEFAULT_LANGUAGE)
    await apply_all_menus(application.bot, application.bot_data["services"])


def build_application(svc: Services, *, token: str, api_base_url: str, polling: bool = True) -> App:
    """The bot: handlers, per-chat ordering, persistence on our SQLite file, Telegram limits."""
    hide_bot_token_in_logs()
    persistence = SQLitePersistence(svc.storage.db, store_data=PersistenceInput(bot_data=False, callback_data=False))
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{api_base_url}/bot")
        .base_file_url(f"{api_base_url}/file/bot")
        .persistence(persistence)
        .request(AiohttpRequest())  # a tenth of httpx's CPU per request: bot/telegram_http.py
        .get_updates_request(AiohttpRequest(connections=1, read_timeout=None))
        .concurrent_updates(PerChatUpdateProcessor())
        # Telegram's 30-a-second ceiling is for bulk messages; answering people who just wrote
        # is not capped overall (only our notifications are, by the outbox sender's own budget),
        # so a busy hour does not make every reply queue behind everyone else's. Group chats
        # (the ops chat) keep PTB's 20-a-minute limit; a 429 is retried twice.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=2))
        .post_init(register_commands)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["services"] = svc  # handlers.common.services() reads it
    with warnings.catch_warnings():
        # per_message=False is what we want: one conversation per user and chat, any message.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        application.add_handler(TypeHandler(Update, remember_user), group=-1)
        application.add_handler(TypeHandler(Update, save_progress), group=SAVE_PROGRESS_GROUP)
        application.add_handler(build_invoice_conversation())
        application.add_handler(build_cashout_conversation())
        for handler in agent_handlers():
            application.add_handler(handler)  # type: ignore[arg-type]
    for handler in (
        *start_handlers(),
        *language_handlers(),
        *transaction_handlers(),
        *receipt_handlers(),
        *refund_handlers(),
        *last_resort_handlers(),
    ):
        application.add_handler(handler)  # type: ignore[arg-type]
    application.add_error_handler(on_error)
    return application
