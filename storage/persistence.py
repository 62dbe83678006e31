"""PTB persistence on our SQLite file: where each chat is in each conversation, plus
user, chat, bot and callback data, one JSON row per key.

Only conversation positions and small per-user scratch values live here; money state lives
in our own tables. Values must be JSON; ``Decimal`` and ``datetime`` are tagged so they
round-trip exactly (a float would silently change an amount).

PTB hands over every touched chat's data every few seconds, one call per chat, all at once.
Writing each in its own transaction queued hundreds of transactions in front of every other
database call (replies waited seconds under load: docs/benchmarks.md), so writes are grouped:
each call stages its row and the first caller writes everything staged in one transaction;
a value identical to the one last written is not written again. A SIGKILL can therefore lose
the last few seconds of conversation progress (the user repeats a step; money state is in
our own tables and committed before anything is sent), never leave half of one flush.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.db import Database

_DECIMAL = "__decimal__"
_DATETIME = "__datetime__"
_TUPLE = "__tuple__"

_DELETE = object()
Row = tuple[str, str, str]  # ("data", kind, key) or ("conv", conversation name, key)


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
        self._staged: dict[Row, Any] = {}  # rows to write, as Python values (or _DELETE)
        self._latest: dict[Row, str | None] = {}  # what the table holds (database thread only, but for a failure)
        self._writing = asyncio.Lock()

    async def _stage(self, row: Row, value: Any) -> None:
        """Stage one row (``_DELETE`` removes it) and return once it, with whatever else was
        staged meanwhile, is committed."""
        self._staged[row] = value
        # PTB hands over one flush as simultaneous calls (conversation state, user data, chat
        # data); yielding once lets all of them stage before the first writes, so they commit
        # together: a crash can never keep a new state without the draft it belongs to (that
        # mismatch left a person re-asked an old question for ever: tests/chaos).
        await asyncio.sleep(0)
        async with self._writing:  # also waits for a transaction in flight that carries our row
            if not self._staged:  # an earlier caller's transaction took ours along
                return
            batch, self._staged = self._staged, {}
            try:
                await self._db.run(lambda conn: self._write(conn, batch))
            except BaseException:
                for failed in batch:  # not written: the next call for these rows must write again
                    self._latest.pop(failed, None)
                raise

    def _write(self, conn: sqlite3.Connection, batch: dict[Row, Any]) -> None:
        """On the database thread: encoding a flush of hundreds of chats here keeps it from
        stalling the event loop (it held every reply up by ~100 ms every five seconds)."""
        changed: dict[Row, str | None] = {}
        for row, value in batch.items():
            text = None if value is _DELETE else dumps(value)
            if row not in self._latest or self._latest[row] != text:
                changed[row] = text
        upserts = {"data": "INSERT INTO ptb_data (kind, key, value) VALUES (?, ?, ?) "
                           "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
                   "conv": "INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?) "
                           "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state"}  # fmt: skip
        deletes = {"data": "DELETE FROM ptb_data WHERE kind = ? AND key = ?",
                   "conv": "DELETE FROM ptb_conversations WHERE name = ? AND key = ?"}  # fmt: skip
        for table in ("data", "conv"):
            mine = [(kind, key, text) for (where, kind, key), text in changed.items() if where == table]
            conn.executemany(upserts[table], [row for row in mine if row[2] is not None])
            conn.executemany(deletes[table], [(kind, key) for kind, key, text in mine if text is None])
        self._latest.update(changed)

    async def _load(self, kind: str) -> dict[str, Any]:
        rows = await self._db.fetch_all("SELECT key, value FROM ptb_data WHERE kind = ?", (kind,))
        self._latest.update({("data", kind, row["key"]): row["value"] for row in rows})
        return {row["key"]: loads(row["value"]) for row in rows}

    async def _store(self, kind: str, key: str, value: Any) -> None:
        await self._stage(("data", kind, key), value)

    async def _drop(self, kind: str, key: str) -> None:
        await self._stage(("data", kind, key), _DELETE)

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
        self._latest.update({("conv", name, row["key"]): row["state"] for row in rows})
        return {tuple(json.loads(row["key"])): loads(row["state"]) for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        await self._stage(("conv", name, json.dumps(list(key))), _DELETE if new_state is None else new_state)

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
        """Every call waits until its row is committed; nothing is left buffered here."""
