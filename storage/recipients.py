"""Saved recipients: where a user's cash-outs go, unique per owner and destination."""

from __future__ import annotations

import sqlite3

from storage.db import Database
from storage.models import NewRecipient, OfframpRecord, Recipient


class RecipientRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, recipient: NewRecipient) -> Recipient:
        """Insert, or refresh the details of the same destination saved before."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> Recipient:
            conn.execute(
                """
                INSERT INTO recipients (owner_id, kind, country, destination, account_reference, network,
                                        bank_code, bank_name, holder_name, customer_key, created_at, last_used_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (owner_id, kind, country, destination, account_reference) DO UPDATE SET
                    network = COALESCE(excluded.network, recipients.network),
                    bank_code = COALESCE(excluded.bank_code, recipients.bank_code),
                    bank_name = COALESCE(excluded.bank_name, recipients.bank_name),
                    holder_name = COALESCE(excluded.holder_name, recipients.holder_name),
                    customer_key = COALESCE(excluded.customer_key, recipients.customer_key),
                    last_used_at = excluded.last_used_at
                """,
                (
                    recipient.owner_id, recipient.kind, recipient.country, recipient.destination,
                    recipient.account_reference, recipient.network, recipient.bank_code, recipient.bank_name,
                    recipient.holder_name, recipient.customer_key, now, now,
                ),
            )  # fmt: skip
            cursor = conn.execute(
                """
                SELECT * FROM recipients
                WHERE owner_id = ? AND kind = ? AND country = ? AND destination = ? AND account_reference = ?
                """,
                (
                    recipient.owner_id,
                    recipient.kind,
                    recipient.country,
                    recipient.destination,
                    recipient.account_reference,
                ),
            )
            row: sqlite3.Row = cursor.fetchone()
            return Recipient.from_row(row)

        return await self._db.run(work)

    async def for_owner(self, owner_id: int, limit: int = 20) -> list[Recipient]:
        """The saved ones: a cash-out to it was delivered (since it was last deleted), or the
        customer chose to keep it. Failed and cancelled cash-outs save nobody. In the order
        they were first saved, so the buttons never move under the customer's thumb."""
        rows = await self._db.fetch_all(
            """
            SELECT r.* FROM recipients r
            WHERE r.owner_id = ? AND (
                r.kept_at IS NOT NULL
                OR EXISTS (SELECT 1 FROM offramps o WHERE o.recipient_id = r.id AND o.status = 'SUCCESSFUL'
                           AND (r.deleted_at IS NULL OR o.created_at > r.deleted_at)))
            ORDER BY r.id LIMIT ?
            """,
            (owner_id, limit),
        )
        return [Recipient.from_row(row) for row in rows]

    async def keep(self, recipient_id: int, owner_id: int) -> None:
        """The customer chose to keep this recipient."""
        await self._update(
            "UPDATE recipients SET kept_at = ? WHERE id = ? AND owner_id = ?", (self._db.now(), recipient_id, owner_id)
        )

    async def rename(self, recipient_id: int, owner_id: int, nickname: str) -> None:
        await self._update(
            "UPDATE recipients SET nickname = ? WHERE id = ? AND owner_id = ?", (nickname, recipient_id, owner_id)
        )

    async def delete(self, recipient_id: int, owner_id: int) -> None:
        """Off the saved list (the row stays for the cash-outs that name it); a later delivered
        cash-out to it, or Save, brings it back."""
        await self._update(
            "UPDATE recipients SET kept_at = NULL, nickname = NULL, deleted_at = ? WHERE id = ? AND owner_id = ?",
            (self._db.now(), recipient_id, owner_id),
        )

    async def _update(self, sql: str, params: tuple[object, ...]) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(sql, params)

        await self._db.run(work)

    async def of_offramp(self, offramp: OfframpRecord) -> Recipient | None:
        """Where this cash-out pays out (None before its recipient was stored)."""
        return await self.get(offramp.recipient_id, offramp.user_id) if offramp.recipient_id is not None else None

    async def get(self, recipient_id: int, owner_id: int) -> Recipient | None:
        """Only the owner's own recipient: another user's id yields nothing."""
        row = await self._db.fetch_one(
            "SELECT * FROM recipients WHERE id = ? AND owner_id = ?", (recipient_id, owner_id)
        )
        return Recipient.from_row(row) if row else None
