"""Telegram updates already taken, so a redelivered one is handled once.

Telegram redelivers a webhook update when our answer was slow or lost; the same
``update_id`` arriving again must not restart a cash-out or answer an amount twice. Telegram
keeps an unanswered update for at most 24 hours, so older ids are forgotten.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from storage.db import Database, to_text

#: how long Telegram may redeliver an update (it keeps them 24 hours)
REMEMBERED = timedelta(hours=25)


class UpdateRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_time(self, update_id: int) -> bool:
        """Record ``update_id``; ``False`` when it was already taken (a redelivery)."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO telegram_updates (update_id, received_at) VALUES (?, ?)", (update_id, now)
            )
            return cursor.rowcount == 1

        return await self._db.run_grouped(work)

    async def forget_old(self) -> int:
        """Drop ids Telegram can no longer redeliver; returns how many."""
        cutoff = to_text(self._db.clock() - REMEMBERED)

        def work(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM telegram_updates WHERE received_at < ?", (cutoff,)).rowcount

        return await self._db.run(work)
