"""Customer-view links an agent revoked.

A link (``/start v_<reference>_<signature>``) is signed, not stored, so revoking one needs a
row: revoking ends every link to that cash-out, and the row survives restarts.
"""

from __future__ import annotations

import sqlite3

from storage.db import Database


class CustomerLinkRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def revoke(self, reference_id: str, revoked_by: int) -> bool:
        """End the links to ``reference_id``; ``False`` if they were already revoked."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO customer_view_revocations (reference_id, revoked_by, revoked_at)"
                " VALUES (?, ?, ?)",
                (reference_id, revoked_by, now),
            )
            return cursor.rowcount == 1

        return await self._db.run(work)

    async def is_revoked(self, reference_id: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM customer_view_revocations WHERE reference_id = ?", (reference_id,)
        )
        return row is not None
