"""Messages owed to chats, sent by one worker at a time, retried, and given up on visibly.

Rows are claimed with a lease: a sender that crashes mid-send leaves the lease to expire and
the row is sent by the next claim (at-least-once; Telegram's answer is recorded the moment it
arrives, which makes a repeat only possible if the process dies between Telegram's answer and
that write). Per chat, only the oldest unsent row is claimable, so a chat reads its
notifications in the order they were owed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

from storage.db import Database, to_text
from storage.models import OutboxMessage
from storage.owed import Owed

MAX_ATTEMPTS = 12


def backoff(attempts: int, base_seconds: float = 5) -> timedelta:
    """5 s, 10 s, 20 s … capped at one hour."""
    return timedelta(seconds=min(3600, base_seconds * 2 ** max(0, attempts - 1)))


def enqueue(
    conn: sqlite3.Connection, now: str, chat_id: int, reference_id: str | None, kind: str, payload: dict[str, Any]
) -> int:
    """Add a row inside the caller's transaction (so it commits with the change that owes it).

    A chat whose person blocked the bot gets the row already given up (kept as a record): a
    notice owed after the 403 would otherwise knock again. Writing to the bot unblocks them.
    """
    blocked = conn.execute("SELECT 1 FROM users WHERE chat_id = ? AND blocked_bot = 1", (chat_id,)).fetchone()
    cursor = conn.execute(
        """
        INSERT INTO outbox (chat_id, reference_id, kind, payload, created_at, next_attempt_at, dead_at, last_error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            chat_id, reference_id, kind, json.dumps(payload, ensure_ascii=False), now, now,
            now if blocked else None, "Forbidden: the user blocked the bot" if blocked else None,
        ),
    )  # fmt: skip
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def supersede(conn: sqlite3.Connection, now: str, chat_id: int, reference_id: str, kinds: frozenset[str]) -> list[str]:
    """Drop this chat's unsent notices of ``reference_id`` whose kind is in ``kinds``; returns
    the kinds dropped, oldest first.

    A row a sender holds under a live lease is left alone: it may be on its way to Telegram
    right now, and dropping it would only make the record lie (it is sent, and the later
    notice then simply follows it). Dropped rows are kept, marked given up with the reason.
    """
    if not kinds:
        return []
    marks = ",".join("?" for _ in kinds)
    rows = conn.execute(
        f"""
        SELECT id, kind, payload FROM outbox
        WHERE chat_id = ? AND reference_id = ? AND sent_at IS NULL AND dead_at IS NULL
          AND (claimed_until IS NULL OR claimed_until < ?) AND kind IN ({marks})
        ORDER BY id
        """,  # noqa: S608 (placeholders only)
        (chat_id, reference_id, now, *sorted(kinds)),
    ).fetchall()
    if rows:
        ids = [row[0] for row in rows]
        conn.execute(
            f"UPDATE outbox SET dead_at = ?, last_error = ? WHERE id IN ({','.join('?' for _ in ids)})",  # noqa: S608
            (now, "superseded by a later notice of the same cash-out", *ids),
        )
    dropped: list[str] = []
    for row in rows:  # what a dropped row had itself folded in is folded on, not lost
        dropped += [*json.loads(row[2]).get("folded", []), str(row[1])]
    return dropped


class OutboxRepository:
    def __init__(self, db: Database, *, max_attempts: int = MAX_ATTEMPTS, retry_base_seconds: float = 5) -> None:
        self._db = db
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds

    async def add(self, chat_id: int, kind: str, payload: dict[str, Any], reference_id: str | None = None) -> int:
        def work(conn: sqlite3.Connection) -> int:
            return enqueue(conn, self._db.now(), chat_id, reference_id, kind, payload)

        return await self._db.run(work)

    async def owe_once(self, reference_id: str, owed: list[Owed]) -> list[int]:
        """Write each notice unless this chat was already owed one of its kind for this
        cash-out (sent, pending or dropped): notices owed by time, decided again every round,
        go out once, across restarts. Returns the ids of the rows written."""

        def work(conn: sqlite3.Connection) -> list[int]:
            now = self._db.now()
            ids = []
            for notice in owed:
                seen = conn.execute(
                    "SELECT 1 FROM outbox WHERE reference_id = ? AND chat_id = ? AND kind = ?",
                    (reference_id, notice.chat_id, notice.kind),
                ).fetchone()
                if seen is None:
                    ids.append(enqueue(conn, now, notice.chat_id, reference_id, notice.kind, notice.payload))
            return ids

        return await self._db.run(work)

    async def claim(self, worker: str, *, limit: int = 20, lease_seconds: float = 60) -> list[OutboxMessage]:
        """Take up to ``limit`` due rows for ``worker``; nobody else gets them until the lease ends."""
        now_dt = self._db.clock()
        now = to_text(now_dt)
        until = to_text(now_dt + timedelta(seconds=lease_seconds))

        def work(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            cursor = conn.execute(
                """
                SELECT o.id FROM outbox o
                WHERE o.sent_at IS NULL AND o.dead_at IS NULL AND o.next_attempt_at <= :now
                  AND (o.claimed_until IS NULL OR o.claimed_until < :now)
                  AND NOT EXISTS (
                      SELECT 1 FROM outbox earlier
                      WHERE earlier.chat_id = o.chat_id AND earlier.id < o.id
                        AND earlier.sent_at IS NULL AND earlier.dead_at IS NULL
                  )
                ORDER BY o.id LIMIT :limit
                """,
                {"now": now, "limit": limit},
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            conn.execute(
                f"UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id IN ({marks})",  # noqa: S608 (placeholders only)
                (worker, until, *ids),
            )
            cursor = conn.execute(f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id", ids)  # noqa: S608
            return cursor.fetchall()

        return [OutboxMessage.from_row(row) for row in await self._db.run(work)]

    async def release(self, worker: str) -> int:
        """Give back rows ``worker`` claimed but did not send (a clean shutdown)."""

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND sent_at IS NULL",
                (worker,),
            )
            return cursor.rowcount

        return await self._db.run(work)

    async def mark_sent(self, message_id: int, *, telegram_message_id: int | None = None) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                """
                UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1,
                                  claimed_by = NULL, claimed_until = NULL,
                                  -- a slow sender outlived its lease and the row was dropped as
                                  -- superseded meanwhile: Telegram took it, so it is sent
                                  dead_at = NULL, last_error = NULL
                WHERE id = ?
                """,
                (self._db.now(), telegram_message_id, message_id),
            )

        await self._db.run(work)

    async def mark_failed(self, message_id: int, error: str, *, retry_after: float | None = None) -> bool:
        """Count a failed attempt and schedule the next; returns False once the row is dead."""
        now = self._db.clock()

        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("SELECT attempts FROM outbox WHERE id = ?", (message_id,))
            row = cursor.fetchone()
            if row is None:
                return False
            attempts = int(row[0]) + 1
            if attempts >= self.max_attempts:
                conn.execute(
                    """
                    UPDATE outbox SET attempts = ?, last_error = ?, dead_at = ?, claimed_by = NULL, claimed_until = NULL
                    WHERE id = ?
                    """,
                    (attempts, f"gave up after {attempts} attempts: {error}", to_text(now), message_id),
                )
                return False
            delay = (
                timedelta(seconds=retry_after)
                if retry_after is not None
                else backoff(attempts, self.retry_base_seconds)
            )
            conn.execute(
                """
                UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?,
                                  claimed_by = NULL, claimed_until = NULL
                WHERE id = ?
                """,
                (attempts, error, to_text(now + delay), message_id),
            )
            return True

        return await self._db.run(work)

    async def mark_dead(self, message_id: int, reason: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                """
                UPDATE outbox SET dead_at = ?, last_error = ?, attempts = attempts + 1,
                                  claimed_by = NULL, claimed_until = NULL
                WHERE id = ?
                """,
                (self._db.now(), reason, message_id),
            )

        await self._db.run(work)

    async def drop_chat(self, chat_id: int, reason: str) -> int:
        """Give up on every unsent row of a chat (the user blocked the bot)."""

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                """
                UPDATE outbox SET dead_at = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL
                WHERE chat_id = ? AND sent_at IS NULL AND dead_at IS NULL
                """,
                (self._db.now(), reason, chat_id),
            )
            return cursor.rowcount

        return await self._db.run(work)

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self._db.fetch_one("SELECT * FROM outbox WHERE id = ?", (message_id,))
        return OutboxMessage.from_row(row) if row else None

    async def for_reference(self, reference_id: str) -> list[OutboxMessage]:
        rows = await self._db.fetch_all("SELECT * FROM outbox WHERE reference_id = ? ORDER BY id", (reference_id,))
        return [OutboxMessage.from_row(row) for row in rows]

    async def pending_count(self) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL")
        return int(row["n"]) if row else 0
