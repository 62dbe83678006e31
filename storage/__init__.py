"""What we remember: aiosqlite schema, migrations, repositories, PTB persistence.

``Storage`` bundles one open database with its repositories; handlers and web routes use
these and never write SQL. Whom a status change is told about is the domain's rule, handed in
(``Storage.on(..., owed=offramps.notices.notices(...))``) and applied in the same transaction.

May import: nothing of ours (it is the bottom floor, beside ``kotani``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.audit import AuditRepository
from storage.db import DEFAULT_PATH, Database
from storage.links import CustomerLinkRepository
from storage.offramps import OfframpRepository, UnknownOfframp
from storage.outbox import OutboxRepository
from storage.owed import OwedRule, owe_nothing
from storage.quotes import QuoteRepository
from storage.recipients import RecipientRepository
from storage.sender_addresses import SenderAddressRepository
from storage.updates import UpdateRepository
from storage.users import UserRepository


@dataclass(frozen=True)
class Storage:
    db: Database
    users: UserRepository
    recipients: RecipientRepository
    quotes: QuoteRepository
    offramps: OfframpRepository
    outbox: OutboxRepository
    audit: AuditRepository
    sender_addresses: SenderAddressRepository
    updates: UpdateRepository
    customer_links: CustomerLinkRepository

    @classmethod
    async def open(cls, path: str | Path = DEFAULT_PATH) -> Storage:
        db = await Database(path).open()
        return cls.on(db)

    @classmethod
    def on(cls, db: Database, *, outbox_retry_base_seconds: float = 5, owed: OwedRule = owe_nothing) -> Storage:
        """``owed``: the domain's rule for whom a status change is told about (``offramps.notices``);
        without it, storage is opened only to read or repair and owes nobody anything."""
        return cls(
            db,
            UserRepository(db),
            RecipientRepository(db),
            QuoteRepository(db),
            OfframpRepository(db, owed=owed),
            OutboxRepository(db, retry_base_seconds=outbox_retry_base_seconds),
            AuditRepository(db),
            SenderAddressRepository(db),
            UpdateRepository(db),
            CustomerLinkRepository(db),
        )

    async def close(self) -> None:
        await self.db.close()


__all__ = ["Database", "Storage", "UnknownOfframp"]
