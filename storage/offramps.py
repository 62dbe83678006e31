"""Offramps and everything Kotani told us about them.

The rules that keep money state right live here, not in handlers: an offramp is stored
before Kotani's create is called; an observation is recorded once (duplicates are kept as
evidence but change nothing); status only moves forward (``status_rules``); and the change
plus the notifications it owes (``owed``) commit in one transaction.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from storage.db import Database
from storage.models import NewOfframp, Observation, OfframpEvent, OfframpRecord, RecordResult, money_text
from storage.outbox import enqueue, supersede
from storage.owed import OwedRule, owe_nothing
from storage.status_rules import NEW, OPEN, decide


class UnknownOfframp(LookupError):
    """No offramp with this reference: a webhook about it is refused and changes nothing."""


_DETAIL_FIELDS = (
    "escrow_address",
    "onchain_status",
    "transaction_hash",
    "refund_transaction_hash",
    "fiat_amount",
    "fiat_transaction_amount",
    "refund_amount",
)


class OfframpRepository:
    def __init__(self, db: Database, *, owed: OwedRule = owe_nothing) -> None:
        self._db = db
        self._owed = owed

    async def create(self, offramp: NewOfframp) -> OfframpRecord:
        """Store a new offramp as NEW; storing the same reference again returns the first."""
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> OfframpRecord:
            conn.execute(
                """
                INSERT OR IGNORE INTO offramps (reference_id, user_id, chat_id, agent_id, recipient_id, quote_id, token,
                    chain, crypto_amount, currency, fiat_amount, fiat_transaction_amount, fee, sender_address, status,
                    created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    offramp.reference_id, offramp.user_id, offramp.chat_id, offramp.agent_id, offramp.recipient_id,
                    offramp.quote_id, offramp.token, offramp.chain, money_text(offramp.crypto_amount),
                    offramp.currency, money_text(offramp.fiat_amount), money_text(offramp.fiat_transaction_amount),
                    money_text(offramp.fee), offramp.sender_address, NEW, now, now,
                ),
            )  # fmt: skip
            return self._get(conn, offramp.reference_id)

        return await self._db.run(work)

    async def get(self, reference_id: str) -> OfframpRecord | None:
        row = await self._db.fetch_one("SELECT * FROM offramps WHERE reference_id = ?", (reference_id,))
        return OfframpRecord.from_row(row) if row else None

    async def for_quote(self, user_id: int, quote_id: str) -> OfframpRecord | None:
        """The user's offramp made from this quote (a quote backs at most one)."""
        row = await self._db.fetch_one(
            "SELECT * FROM offramps WHERE user_id = ? AND quote_id = ? ORDER BY created_at DESC LIMIT 1",
            (user_id, quote_id),
        )
        return OfframpRecord.from_row(row) if row else None

    async def for_user(self, user_id: int, *, limit: int = 10, offset: int = 0) -> list[OfframpRecord]:
        rows = await self._db.fetch_all(
            "SELECT * FROM offramps WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [OfframpRecord.from_row(row) for row in rows]

    async def count_for_user(self, user_id: int) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) AS n FROM offramps WHERE user_id = ?", (user_id,))
        return int(row["n"]) if row else 0

    async def open_offramps(self, *, limit: int = 500) -> list[OfframpRecord]:
        """Non-terminal offramps Kotani knows of, least recently polled first (reconciler)."""
        marks = ",".join("?" for _ in OPEN)
        rows = await self._db.fetch_all(
            f"SELECT * FROM offramps WHERE status IN ({marks}) ORDER BY COALESCE(last_polled_at, '') , created_at LIMIT ?",  # noqa: S608
            (*sorted(OPEN), limit),
        )
        return [OfframpRecord.from_row(row) for row in rows]

    async def unsubmitted(self) -> list[OfframpRecord]:
        """Stored but never confirmed by Kotani: the create may or may not have happened."""
        rows = await self._db.fetch_all("SELECT * FROM offramps WHERE status = ? ORDER BY created_at", (NEW,))
        return [OfframpRecord.from_row(row) for row in rows]

    async def mark_polled(self, reference_id: str) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE offramps SET last_polled_at = ? WHERE reference_id = ?", (self._db.now(), reference_id)
            )

        await self._db.run(work)

    async def set_status_message(self, reference_id: str, message_id: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE offramps SET status_message_id = ? WHERE reference_id = ?", (message_id, reference_id))

        await self._db.run(work)

    async def set_recipient(self, reference_id: str, recipient_id: int) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE offramps SET recipient_id = ? WHERE reference_id = ?", (recipient_id, reference_id))

        await self._db.run(work)

    async def open_for_agent(self, agent_id: int) -> list[OfframpRecord]:
        """The agent's cash-outs still waiting or needing action, oldest first (their queue)."""
        marks = ",".join("?" for _ in OPEN)
        rows = await self._db.fetch_all(
            f"SELECT * FROM offramps WHERE agent_id = ? AND (status IN ({marks}) OR status = 'REFUND_FAILED') "  # noqa: S608
            "ORDER BY created_at, rowid",
            (agent_id, *sorted(OPEN)),
        )
        return [OfframpRecord.from_row(row) for row in rows]

    async def find(self, query: str, *, agent_id: int | None) -> list[OfframpRecord]:
        """By reference, or by the recipient's phone/account number; ``agent_id`` limits to theirs."""
        scope = "AND o.agent_id = :agent" if agent_id is not None else ""
        rows = await self._db.fetch_all(
            f"""
            SELECT o.* FROM offramps o LEFT JOIN recipients r ON r.id = o.recipient_id
            WHERE (o.reference_id = :query OR r.destination = :query) {scope}
            ORDER BY o.created_at DESC LIMIT 20
            """,  # noqa: S608 (the scope clause is ours)
            {"query": query, "agent": agent_id},
        )
        return [OfframpRecord.from_row(row) for row in rows]

    async def between(self, start: str, end: str, *, agent_id: int | None = None) -> list[OfframpRecord]:
        """Created in ``[start, end)`` (UTC ISO text), for summaries and exports."""
        scope = "AND agent_id = :agent" if agent_id is not None else "AND agent_id IS NOT NULL"
        rows = await self._db.fetch_all(
            f"SELECT * FROM offramps WHERE created_at >= :start AND created_at < :end {scope} ORDER BY created_at, rowid",  # noqa: S608
            {"start": start, "end": end, "agent": agent_id},
        )
        return [OfframpRecord.from_row(row) for row in rows]

    async def events(self, reference_id: str) -> list[OfframpEvent]:
        rows = await self._db.fetch_all(
            "SELECT * FROM offramp_events WHERE reference_id = ? ORDER BY id", (reference_id,)
        )
        return [OfframpEvent.from_row(row) for row in rows]

    async def record_observation(
        self, observation: Observation, *, notify: bool = True, answered_chat_id: int | None = None
    ) -> RecordResult:
        """Record what Kotani said and apply it if it moves the offramp forward.

        Raises :class:`UnknownOfframp` (and writes nothing) for an unknown reference.
        ``answered_chat_id``: the chat that is being shown this change right now (a status the
        user asked for); it is not sent a second notice, while agents and the operations chat
        still hear of it. ``notify=False`` only where nobody needs to hear (our own create).
        """
        now = self._db.now()

        def work(conn: sqlite3.Connection) -> RecordResult:
            cursor = conn.execute("SELECT * FROM offramps WHERE reference_id = ?", (observation.reference_id,))
            row = cursor.fetchone()
            if row is None:
                raise UnknownOfframp(observation.reference_id)
            before = OfframpRecord.from_row(row)
            key = scoped_dedupe_key(observation, before)
            cursor = conn.execute(
                "SELECT 1 FROM offramp_events WHERE reference_id = ? AND dedupe_key = ? AND duplicate = 0",
                (observation.reference_id, key),
            )
            seen = cursor.fetchone() is not None
            if seen and observation.source == "webhook":
                self._insert_event(conn, observation, key, now, duplicate=True, changed=False, note="duplicate")
                return RecordResult(True, False, before.status, before.status, note="duplicate")

            verdict = decide(before.status, observation.status)
            changes = _changes(before, observation, verdict.apply)
            changed = bool(changes)
            if changed:
                changes["updated_at"] = now
                columns = ", ".join(f"{name} = ?" for name in changes)
                conn.execute(
                    f"UPDATE offramps SET {columns} WHERE reference_id = ?",  # noqa: S608 (column names are ours)
                    (*changes.values(), observation.reference_id),
                )
            after = self._get(conn, observation.reference_id)
            note = (
                verdict.reason if not verdict.apply else ("correction: " + verdict.reason if verdict.correction else "")
            )
            self._insert_event(conn, observation, key, now, duplicate=seen, changed=changed, note=note or None)
            outbox_ids: list[int] = []
            if notify and changed:
                for owed in self._owed(before, after, verdict.correction):
                    dropped = supersede(conn, now, owed.chat_id, after.reference_id, owed.supersedes)
                    if owed.chat_id != answered_chat_id or owed.even_if_shown:
                        payload = {**owed.payload, "folded": dropped} if dropped else owed.payload
                        outbox_ids.append(enqueue(conn, now, owed.chat_id, after.reference_id, owed.kind, payload))
            return RecordResult(
                duplicate=False,
                changed=changed,
                previous_status=before.status,
                status=after.status,
                correction=verdict.correction,
                outbox_ids=outbox_ids,
                note=note,
            )

        return await self._db.run_grouped(work)

    def _get(self, conn: sqlite3.Connection, reference_id: str) -> OfframpRecord:
        cursor = conn.execute("SELECT * FROM offramps WHERE reference_id = ?", (reference_id,))
        row = cursor.fetchone()
        if row is None:
            raise UnknownOfframp(reference_id)
        return OfframpRecord.from_row(row)

    def _insert_event(
        self,
        conn: sqlite3.Connection,
        observation: Observation,
        key: str,
        now: str,
        *,
        duplicate: bool,
        changed: bool,
        note: str | None,
    ) -> None:
        conn.execute(
            """
            INSERT INTO offramp_events (reference_id, source, event, dedupe_key, status, raw, received_at, duplicate,
                                        changed, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                observation.reference_id, observation.source, observation.event, key, observation.status, observation.raw_json(), now, int(duplicate), int(changed), note,
            ),
        )  # fmt: skip


def scoped_dedupe_key(observation: Observation, before: OfframpRecord) -> str:
    """The observation's key, scoped to the refund attempt the offramp is on.

    Kotani sends no event id (spec §8.6), so a webhook is keyed by what it says and a repeat
    of the same key is a duplicate that changes nothing. Scoping by attempt keeps a retry's
    news from looking like a repeat: after a retry-refund, a second ``refund.failed`` says
    exactly what the first said, yet it must be recorded, shown and alerted. Our own reads of
    Kotani (polls, creates, the user's actions) are never dropped for their key (their row is
    only marked as a repeat): whether they change anything is for the status rules to say,
    and a poll that finds a refund state other than the stored one must be applied.
    """
    return f"{observation.dedupe_key}|attempt={before.refund_attempt}"


def _changes(before: OfframpRecord, observation: Observation, apply_status: bool) -> dict[str, Any]:
    """Columns to update. Details (hashes, amounts) are filled in whenever they are new; the
    status columns only when the status rules allow the move."""
    current = {field.name: getattr(before, field.name) for field in dataclasses.fields(before)}  # no deep copy
    wanted: dict[str, Any] = {}
    if apply_status:
        wanted["status"] = observation.status
        wanted["raw_status"] = observation.raw_status
        if observation.refund_status is not None or observation.status not in ("REFUND_PENDING", "FAILED"):
            wanted["refund_status"] = observation.refund_status or current["refund_status"]
    elif observation.status == before.status and observation.refund_status not in (None, before.refund_status):
        wanted["refund_status"] = observation.refund_status
    for name in _DETAIL_FIELDS:
        value = getattr(observation, name)
        if value is not None and (apply_status or current[name] is None):
            wanted[name] = value
    if observation.error and (apply_status or not before.error):
        wanted["error"] = observation.error
    status_after = wanted.get("status", before.status)
    refund_after = wanted.get("refund_status", before.refund_status)
    wanted["awaiting_invoice"] = status_after == "REFUND_PENDING" and refund_after == "INVOICE_NEEDED"
    if before.status == "REFUND_FAILED" and status_after == "REFUND_PENDING":
        wanted["refund_attempt"] = before.refund_attempt + 1  # a retry: what follows is about a new attempt
    stored = {name: money_text(v) if hasattr(v, "as_tuple") else v for name, v in wanted.items()}
    return {name: value for name, value in stored.items() if _differs(current[name], value)}


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, bool):
        return old != bool(new)
    if old is None or new is None:
        return old is not new
    return str(old) != str(new)
