"""PTB persistence on our SQLite file: a new Application continues every conversation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters

from bot.log_safety import hide_bot_token_in_logs
from storage import Database
from storage.persistence import SQLitePersistence, dumps, loads
from tests.support.fake_telegram import FakeTelegram
from tests.support.servers import LiveServer

ASK_AMOUNT, CONFIRM = range(2)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text("How much?")
    return ASK_AMOUNT


async def amount(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and update.message.text is not None and context.user_data is not None
    context.user_data["amount"] = Decimal(update.message.text)
    await update.message.reply_text("Confirm?")
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and context.user_data is not None
    await update.message.reply_text(f"Confirmed {context.user_data['amount']} USDT")
    return ConversationHandler.END


def build(persistence: SQLitePersistence, url: str, token: str) -> Application:  # type: ignore[type-arg]
    hide_bot_token_in_logs()  # as bot.app does: a bare Application would log the token in its URLs
    app = Application.builder().token(token).base_url(f"{url}/bot").persistence(persistence).updater(None).build()
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                ASK_AMOUNT: [MessageHandler(filters.TEXT & ~filters.COMMAND, amount)],
                CONFIRM: [MessageHandler(filters.Regex("^yes$"), confirm)],
            },
            fallbacks=[],
            name="cashout",
            persistent=True,
        )
    )
    return app


async def test_a_new_application_continues_the_conversation(tmp_path: Path) -> None:
    telegram = FakeTelegram()
    path = tmp_path / "bot.sqlite3"
    async with LiveServer(telegram.app()) as server:
        db = await Database(path).open()
        first = build(SQLitePersistence(db), server.url, telegram.token)
        await first.initialize()
        for text in ("/start", "12.50"):
            await first.process_update(Update.de_json(telegram.user_message(1001, text), first.bot))
        await first.update_persistence()
        await first.shutdown()
        await db.close()

        db = await Database(path).open()
        second = build(SQLitePersistence(db), server.url, telegram.token)
        await second.initialize()
        assert second.user_data[1001]["amount"] == Decimal("12.50")
        await second.process_update(Update.de_json(telegram.user_message(1001, "yes"), second.bot))
        await second.update_persistence()
        await second.shutdown()
        await db.close()
    assert [m.text for m in telegram.chat(1001)] == ["How much?", "Confirm?", "Confirmed 12.50 USDT"]


async def test_every_kind_of_data_round_trips(tmp_path: Path) -> None:
    async with Database(tmp_path / "bot.sqlite3") as db:
        persistence = SQLitePersistence(db)
        await persistence.update_user_data(1, {"amount": Decimal("0.000001"), "list": [1, "a"]})
        await persistence.update_chat_data(2, {"step": "quote"})
        await persistence.update_bot_data({"corridors": ["KE", "GH"]})
        await persistence.update_callback_data(([("uuid", 1.5, {"k": "v"})], {"q": "uuid"}))
        await persistence.update_conversation("cashout", (2, 1), 3)
        await persistence.update_conversation("cashout", (5, 5), 1)
        await persistence.update_conversation("cashout", (5, 5), None)
        assert await persistence.get_user_data() == {1: {"amount": Decimal("0.000001"), "list": [1, "a"]}}
        assert await persistence.get_chat_data() == {2: {"step": "quote"}}
        assert await persistence.get_bot_data() == {"corridors": ["KE", "GH"]}
        assert await persistence.get_callback_data() == ([("uuid", 1.5, {"k": "v"})], {"q": "uuid"})
        assert await persistence.get_conversations("cashout") == {(2, 1): 3}
        await persistence.drop_user_data(1)
        await persistence.drop_chat_data(2)
        assert await persistence.get_user_data() == {} and await persistence.get_chat_data() == {}


def test_tagged_json_keeps_decimals_tuples_and_datetimes() -> None:
    from datetime import UTC, datetime

    value = {"a": Decimal("1.10"), "b": (1, 2), "c": datetime(2026, 1, 1, tzinfo=UTC)}
    assert loads(dumps(value)) == value


async def test_a_flush_of_many_chats_is_one_transaction_and_unchanged_data_is_not_rewritten(tmp_path: Path) -> None:
    """PTB hands over every touched chat at once; one transaction each queued every other
    database call behind hundreds of them (docs/benchmarks.md)."""
    async with Database(tmp_path / "bot.sqlite3") as db:
        statements: list[str] = []
        await db.connection.set_trace_callback(statements.append)
        persistence = SQLitePersistence(db)
        data = {user: {"amount": Decimal(user)} for user in range(1, 301)}
        await asyncio.gather(*(persistence.update_user_data(user, value) for user, value in data.items()))
        assert await SQLitePersistence(db).get_user_data() == data  # all committed when the calls return
        assert statements.count("BEGIN IMMEDIATE") <= 2

        statements.clear()
        await asyncio.gather(*(persistence.update_user_data(user, value) for user, value in data.items()))
        await persistence.update_user_data(7, {"amount": Decimal("7.5")})
        rewritten = [statement for statement in statements if statement.startswith("INSERT INTO ptb_data")]
        assert len(rewritten) == 1 and "7.5" in rewritten[0]  # only the one that changed
        assert (await SQLitePersistence(db).get_user_data())[7] == {"amount": Decimal("7.5")}
