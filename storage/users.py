"""Telegram users: who they are to us (customer, agent, admin), their language, their chat."""

from __future__ import annotations

import sqlite3
import time

from storage.db import Database
from storage.models import User

ROLES = ("customer", "agent", "admin")


class UserRepository:
    def __init__(self, db: Database, *, touch_every_seconds: float = 60) -> None:
        self._db = db
        self._touch_every = touch_every_seconds
        self._recent: dict[int, tuple[float, int | None, str]] = {}  # user → (when, chat, language)

    async def seen(self, user_id: int, chat_id: int | None, language: str | None = None) -> str:
        """Record a visit and return the user's language; writes at most once a minute per user
        (every update of a busy chat would otherwise cost a write transaction)."""
        recent = self._recent.get(user_id)
        now = time.monotonic()
        if recent is not None and now - recent[0] < self._touch_every and recent[1] == chat_id:
            return recent[2]
        user = await self.touch(user_id, chat_id, language)
        if len(self._recent) > 50_000:
            self._recent.clear()
        self._recent[user_id] = (now, chat_id, user.language)
        return user.language

    async def touch(self, user_id: int, chat_id: int | None, language: str | None = None) -> User:
        """Record that the user was seen (creating them on first contact); an unblock too."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> User:
            conn.execute(
                """
                INSERT INTO users (user_id, chat_id, language, first_seen, last_seen)
                VALUES (?, ?, COALESCE(?, 'en'), ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    chat_id = COALESCE(excluded.chat_id, users.chat_id),
                    last_seen = excluded.last_seen,
                    blocked_bot = 0
                """,
                (user_id, chat_id, language, now, now),
            )
            cursor = conn.execute("SELECT * FROM users WHERE user_id = ?", (user_id,))
            row: sqlite3.Row = cursor.fetchone()
            return User.from_row(row)

        return await self._db.run(work)

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return User.from_row(row) if row else None

    async def set_language(self, user_id: int, language: str) -> None:
        self._recent.pop(user_id, None)

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET language = ? WHERE user_id = ?", (language, user_id))

        await self._db.run(work)

    async def set_role(self, user_id: int, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                """
                INSERT INTO users (user_id, role, first_seen, last_seen) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET role = excluded.role
                """,
                (user_id, role, now, now),
            )

        await self._db.run(work)

    async def with_role(self, role: str) -> list[User]:
        rows = await self._db.fetch_all("SELECT * FROM users WHERE role = ? ORDER BY user_id", (role,))
        return [User.from_row(row) for row in rows]

    async def language_of_chat(self, chat_id: int) -> str | None:
        """The language of the person whose private chat this is (None for groups and strangers)."""
        row = await self._db.fetch_one("SELECT language FROM users WHERE chat_id = ? LIMIT 1", (chat_id,))
        return str(row["language"]) if row else None

    async def mark_blocked(self, chat_id: int) -> None:
        """The user blocked the bot (Telegram answered 403): stop sending to this chat."""
        self._recent = {user: seen for user, seen in self._recent.items() if seen[1] != chat_id}

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE users SET blocked_bot = 1 WHERE chat_id = ?", (chat_id,))

        await self._db.run(work)
