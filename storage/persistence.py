"""PTB persistence on our SQLite file: where each chat is in each conversation, plus
user, chat, bot and callback data, one JSON row per key.

Only conversation positions and small per-user scratch values live here; money state lives
in our own tables. Values must be JSON; ``Decimal`` and ``datetime`` are tagged so they
round-trip exactly (a float would silently change an amount).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

_DECIMAL = "__decimal__"
_DATETIME = "__datetime__"
_TUPLE = "__tuple__"


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {_DECIMAL: str(value)}
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, tuple):
        return {_TUPLE: [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {_DECIMAL}:
            return Decimal(value[_DECIMAL])
        if set(value) == {_DATETIME}:
            return datetime.fromisoformat(value[_DATETIME])
        if set(value) == {_TUPLE}:
            return tuple(_decode(item) for item in value[_TUPLE])
        return {key: _decode(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> str:
    return json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return _decode(json.loads(text))


class SQLitePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """A ``BasePersistence`` whose every method reads or writes rows of ``ptb_data`` and
    ``ptb_conversations``. The database is opened and closed by the application, not here."""

    def __init__(self, db: Database, *, store_data: PersistenceInput | None = None, update_interval: float = 5) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._db = db

    async def _load(self, kind: str) -> dict[str, Any]:
        rows = await self._db.fetch_all("SELECT key, value FROM ptb_data WHERE kind = ?", (kind,))
        return {row["key"]: loads(row["value"]) for row in rows}

    async def _store(self, kind: str, key: str, value: Any) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO ptb_data (kind, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                (kind, key, dumps(value)),
            )

    async def _drop(self, kind: str, key: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM ptb_data WHERE kind = ? AND key = ?", (kind, key))

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return {int(key): value for key, value in (await self._load("user")).items()}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {int(key): value for key, value in (await self._load("chat")).items()}

    async def get_bot_data(self) -> dict[str, Any]:
        return cast(dict[str, Any], (await self._load("bot")).get("bot", {}))

    async def get_callback_data(self) -> CDCData | None:
        stored = (await self._load("callback")).get("callback")
        if stored is None:
            return None
        entries, mapping = stored
        return [tuple(entry) for entry in entries], mapping

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._db.fetch_all("SELECT key, state FROM ptb_conversations WHERE name = ?", (name,))
        return {tuple(json.loads(row["key"])): loads(row["state"]) for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        encoded_key = json.dumps(list(key))
        async with self._db.transaction() as conn:
            if new_state is None:
                await conn.execute("DELETE FROM ptb_conversations WHERE name = ? AND key = ?", (name, encoded_key))
            else:
                await conn.execute(
                    "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                    (name, encoded_key, dumps(new_state)),
                )

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._store("user", str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._store("chat", str(chat_id), data)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        await self._store("bot", "bot", data)

    async def update_callback_data(self, data: CDCData) -> None:
        entries, mapping = data
        await self._store("callback", "callback", [[list(entries_item) for entries_item in entries], mapping])

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop("chat", str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop("user", str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to do: this process is the only writer, so memory is already current."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Nothing to do (single writer)."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Nothing to do (single writer)."""

    async def flush(self) -> None:
        """Every update is written through at once; nothing is buffered here."""
