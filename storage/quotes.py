"""Quotes Kotani gave a user: kept so a confirmation uses exactly the numbers shown."""

from __future__ import annotations

import sqlite3

from storage.db import Database, to_text
from storage.models import QuoteRecord, money_text


class QuoteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, quote: QuoteRecord) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                """
                INSERT OR REPLACE INTO quotes (quote_id, owner_id, token, chain, crypto_amount, currency, rate, fee,
                    fiat_amount, transaction_amount, wallet_debit_amount, created_at, expires_at, used)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    quote.quote_id, quote.owner_id, quote.token, quote.chain, money_text(quote.crypto_amount),
                    quote.currency, money_text(quote.rate), money_text(quote.fee), money_text(quote.fiat_amount),
                    money_text(quote.transaction_amount), money_text(quote.wallet_debit_amount),
                    to_text(quote.created_at), to_text(quote.expires_at), int(quote.used),
                ),
            )  # fmt: skip

        await self._db.run(work)

    async def get(self, quote_id: str, owner_id: int) -> QuoteRecord | None:
        row = await self._db.fetch_one("SELECT * FROM quotes WHERE quote_id = ? AND owner_id = ?", (quote_id, owner_id))
        return QuoteRecord.from_row(row) if row else None

    async def mark_used(self, quote_id: str) -> bool:
        """True for the first caller only: a quote backs at most one offramp."""

        def work(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute("UPDATE quotes SET used = 1 WHERE quote_id = ? AND used = 0", (quote_id,))
            return cursor.rowcount == 1

        return await self._db.run(work)
