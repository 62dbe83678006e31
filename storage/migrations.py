"""Versioned schema migrations, tracked in ``PRAGMA user_version``, each in one transaction.

Append new migrations at the end; never edit one that has shipped. A database written by a
newer version of the code is refused rather than silently misread.
"""

from __future__ import annotations

import aiosqlite

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema
    """
    CREATE TABLE users (
        user_id      INTEGER PRIMARY KEY,
        chat_id      INTEGER,
        language     TEXT NOT NULL DEFAULT 'en',
        role         TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'agent', 'admin')),
        blocked_bot  INTEGER NOT NULL DEFAULT 0,
        first_seen   TEXT NOT NULL,
        last_seen    TEXT NOT NULL
    );
    CREATE TABLE recipients (
        id                 INTEGER PRIMARY KEY,
        owner_id           INTEGER NOT NULL REFERENCES users (user_id),
        kind               TEXT NOT NULL CHECK (kind IN ('mobile_money', 'bank', 'till', 'paybill')),
        country            TEXT NOT NULL,
        destination        TEXT NOT NULL,
        account_reference  TEXT NOT NULL DEFAULT '',
        network            TEXT,
        bank_code          TEXT,
        bank_name          TEXT,
        holder_name        TEXT,
        customer_key       TEXT,
        created_at         TEXT NOT NULL,
        last_used_at       TEXT,
        UNIQUE (owner_id, kind, country, destination, account_reference)
    );
    CREATE TABLE quotes (
        quote_id             TEXT PRIMARY KEY,
        owner_id             INTEGER NOT NULL REFERENCES users (user_id),
        token                TEXT NOT NULL,
        chain                TEXT NOT NULL,
        crypto_amount        TEXT NOT NULL,
        currency             TEXT NOT NULL,
        rate                 TEXT NOT NULL,
        fee                  TEXT NOT NULL,
        fiat_amount          TEXT NOT NULL,
        transaction_amount   TEXT NOT NULL,
        wallet_debit_amount  TEXT,
        created_at           TEXT NOT NULL,
        expires_at           TEXT NOT NULL,
        used                 INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE offramps (
        reference_id             TEXT PRIMARY KEY,
        user_id                  INTEGER NOT NULL REFERENCES users (user_id),
        chat_id                  INTEGER NOT NULL,
        agent_id                 INTEGER REFERENCES users (user_id),
        recipient_id             INTEGER REFERENCES recipients (id),
        quote_id                 TEXT REFERENCES quotes (quote_id),
        token                    TEXT NOT NULL,
        chain                    TEXT NOT NULL,
        crypto_amount            TEXT NOT NULL,
        currency                 TEXT NOT NULL,
        fiat_amount              TEXT,
        fiat_transaction_amount  TEXT,
        fee                      TEXT,
        escrow_address           TEXT,
        sender_address           TEXT,
        status                   TEXT NOT NULL,
        raw_status               TEXT,
        onchain_status           TEXT,
        refund_status            TEXT,
        awaiting_invoice         INTEGER NOT NULL DEFAULT 0,
        transaction_hash         TEXT,
        refund_transaction_hash  TEXT,
        refund_amount            TEXT,
        error                    TEXT,
        status_message_id        INTEGER,
        created_at               TEXT NOT NULL,
        updated_at               TEXT NOT NULL,
        last_polled_at           TEXT
    );
    CREATE INDEX offramps_by_user ON offramps (user_id, created_at);
    CREATE INDEX offramps_by_agent ON offramps (agent_id, created_at);
    CREATE INDEX offramps_by_status ON offramps (status);
    CREATE TABLE offramp_events (
        id            INTEGER PRIMARY KEY,
        reference_id  TEXT NOT NULL REFERENCES offramps (reference_id),
        source        TEXT NOT NULL,
        event         TEXT NOT NULL,
        dedupe_key    TEXT NOT NULL,
        status        TEXT,
        raw           TEXT NOT NULL,
        received_at   TEXT NOT NULL,
        duplicate     INTEGER NOT NULL,
        changed       INTEGER NOT NULL,
        note          TEXT
    );
    CREATE INDEX offramp_events_by_reference ON offramp_events (reference_id, id);
    CREATE UNIQUE INDEX offramp_events_first_seen ON offramp_events (reference_id, dedupe_key) WHERE duplicate = 0;
    CREATE TABLE outbox (
        id               INTEGER PRIMARY KEY,
        chat_id          INTEGER NOT NULL,
        reference_id     TEXT REFERENCES offramps (reference_id),
        kind             TEXT NOT NULL,
        payload          TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  TEXT NOT NULL,
        claimed_by       TEXT,
        claimed_until    TEXT,
        sent_at          TEXT,
        message_id       INTEGER,
        dead_at          TEXT,
        last_error       TEXT
    );
    CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
    CREATE TABLE ptb_data (
        kind   TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    CREATE TABLE ptb_conversations (
        name   TEXT NOT NULL,
        key    TEXT NOT NULL,
        state  TEXT NOT NULL,
        PRIMARY KEY (name, key)
    );
    """,
    # 2: who did what at the agent desk (readable by admins)
    """
    CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY,
        actor_id  INTEGER NOT NULL,
        action    TEXT NOT NULL,
        target    TEXT,
        details   TEXT NOT NULL DEFAULT '{}',
        at        TEXT NOT NULL
    );
    CREATE INDEX audit_log_by_time ON audit_log (at);
    """,
    # 3: the addresses people send from (offered again as one tap), and which refund attempt
    # an offramp is on (a failure after a retry is a new event, not a duplicate of the first)
    """
    CREATE TABLE sender_addresses (
        id            INTEGER PRIMARY KEY,
        owner_id      INTEGER NOT NULL REFERENCES users (user_id),
        chain         TEXT NOT NULL,
        address       TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        last_used_at  TEXT NOT NULL,
        UNIQUE (owner_id, chain, address)
    );
    ALTER TABLE offramps ADD COLUMN refund_attempt INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX users_by_chat ON users (chat_id);
    """,
    # 4: Telegram updates already taken (Telegram redelivers a webhook update it thinks was
    # not answered; each update_id is handled once, across restarts)
    """
    CREATE TABLE telegram_updates (
        update_id    INTEGER PRIMARY KEY,
        received_at  TEXT NOT NULL
    );
    CREATE INDEX telegram_updates_by_time ON telegram_updates (received_at);
    """,
    # 5: customer-view links an agent revoked (a link is signed, not stored: revoking one needs a
    # row, kept across restarts; one row ends every link to that cash-out)
    """
    CREATE TABLE customer_view_revocations (
        reference_id  TEXT PRIMARY KEY,
        revoked_by    INTEGER NOT NULL,
        revoked_at    TEXT NOT NULL
    );
    """,
    # 6: saved recipients are the ones a cash-out was delivered to, or that the customer chose
    # to keep (kept_at); a customer may name (nickname) and delete (deleted_at) them. The row
    # itself stays, as offramps refer to it.
    """
    ALTER TABLE recipients ADD COLUMN kept_at TEXT;
    ALTER TABLE recipients ADD COLUMN deleted_at TEXT;
    ALTER TABLE recipients ADD COLUMN nickname TEXT;
    """,
)

LATEST_VERSION = len(MIGRATIONS)


class DatabaseTooNew(RuntimeError):
    """The file was written by a newer version of the bot; running older code on it is unsafe."""


def _statements(script: str) -> list[str]:
    return [statement.strip() for statement in script.split(";") if statement.strip()]


async def current_version(connection: aiosqlite.Connection) -> int:
    cursor = await connection.execute("PRAGMA user_version")
    row = await cursor.fetchone()
    await cursor.close()
    return int(row[0]) if row else 0


async def apply_migrations(connection: aiosqlite.Connection, *, target: int = LATEST_VERSION) -> int:
    """Bring the schema to ``target``; returns the version found before."""
    found = await current_version(connection)
    if found > LATEST_VERSION:
        raise DatabaseTooNew(
            f"The database is at schema version {found}, but this version of the bot only knows "
            f"up to {LATEST_VERSION}. Run a newer release of the bot, or restore a backup."
        )
    for version in range(found + 1, target + 1):
        await connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version - 1]):
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            await connection.execute("ROLLBACK")
            raise
        await connection.execute("COMMIT")
    return found
