"""Addresses people send from, per chain: offered as one tap at the next cash-out.

A failed payout is refunded to the address the customer sent from (Kotani's
``senderAddress``), so it is asked at every on-chain cash-out; remembering the ones that
were used spares the customer pasting a 34-character address again.
"""

from __future__ import annotations

import sqlite3

from storage.db import Database
from storage.models import SenderAddress


class SenderAddressRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(self, owner_id: int, chain: str, address: str) -> SenderAddress:
        """Insert, or mark as used now if this person used it on this chain before."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> SenderAddress:
            conn.execute(
                """
                INSERT INTO sender_addresses (owner_id, chain, address, created_at, last_used_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (owner_id, chain, address) DO UPDATE SET last_used_at = excluded.last_used_at
                """,
                (owner_id, chain, address, now, now),
            )
            cursor = conn.execute(
                "SELECT * FROM sender_addresses WHERE owner_id = ? AND chain = ? AND address = ?",
                (owner_id, chain, address),
            )
            return SenderAddress.from_row(cursor.fetchone())

        return await self._db.run(work)

    async def for_owner(self, owner_id: int, chain: str, *, limit: int = 3) -> list[SenderAddress]:
        """The person's addresses on this chain, most recently used first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM sender_addresses WHERE owner_id = ? AND chain = ? ORDER BY last_used_at DESC, id DESC LIMIT ?",
            (owner_id, chain, limit),
        )
        return [SenderAddress.from_row(row) for row in rows]

    async def get(self, address_id: int, owner_id: int) -> SenderAddress | None:
        """Only the owner's own address: another person's id yields nothing."""
        row = await self._db.fetch_one(
            "SELECT * FROM sender_addresses WHERE id = ? AND owner_id = ?", (address_id, owner_id)
        )
        return SenderAddress.from_row(row) if row else None
