"""Rows as typed values. Money is ``Decimal`` here and text in the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiosqlite


def dec(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def money_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise TypeError("amounts must be Decimal, never float")
    return str(value)


def ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class User:
    user_id: int
    chat_id: int | None
    language: str
    role: str
    blocked_bot: bool
    first_seen: datetime
    last_seen: datetime

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> User:
        return cls(
            row["user_id"], row["chat_id"], row["language"], row["role"], bool(row["blocked_bot"]),
            ts(row["first_seen"]) or datetime.min, ts(row["last_seen"]) or datetime.min,
        )  # fmt: skip


@dataclass(frozen=True)
class Recipient:
    id: int
    owner_id: int
    kind: str  # mobile_money, bank, till, paybill
    country: str
    destination: str  # E.164 phone, account, till or paybill number
    account_reference: str
    network: str | None
    bank_code: str | None
    bank_name: str | None
    holder_name: str | None
    customer_key: str | None
    last_used_at: datetime | None
    nickname: str | None = None  # the customer's own name for it ("Mum")

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Recipient:
        return cls(
            row["id"], row["owner_id"], row["kind"], row["country"], row["destination"], row["account_reference"],
            row["network"], row["bank_code"], row["bank_name"], row["holder_name"], row["customer_key"],
            ts(row["last_used_at"]), row["nickname"],
        )  # fmt: skip


@dataclass(frozen=True)
class SenderAddress:
    """An address a person sent crypto from (and is refunded to), for one chain."""

    id: int
    owner_id: int
    chain: str
    address: str
    last_used_at: datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> SenderAddress:
        return cls(row["id"], row["owner_id"], row["chain"], row["address"], ts(row["last_used_at"]))


@dataclass(frozen=True)
class NewRecipient:
    owner_id: int
    kind: str
    country: str
    destination: str
    account_reference: str = ""
    network: str | None = None
    bank_code: str | None = None
    bank_name: str | None = None
    holder_name: str | None = None
    customer_key: str | None = None


@dataclass(frozen=True)
class QuoteRecord:
    quote_id: str
    owner_id: int
    token: str
    chain: str
    crypto_amount: Decimal
    currency: str
    rate: Decimal
    fee: Decimal
    fiat_amount: Decimal
    transaction_amount: Decimal
    wallet_debit_amount: Decimal | None
    created_at: datetime
    expires_at: datetime
    used: bool = False

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> QuoteRecord:
        return cls(
            row["quote_id"], row["owner_id"], row["token"], row["chain"], Decimal(row["crypto_amount"]),
            row["currency"], Decimal(row["rate"]), Decimal(row["fee"]), Decimal(row["fiat_amount"]),
            Decimal(row["transaction_amount"]), dec(row["wallet_debit_amount"]),
            ts(row["created_at"]) or datetime.min, ts(row["expires_at"]) or datetime.min, bool(row["used"]),
        )  # fmt: skip


@dataclass(frozen=True)
class NewOfframp:
    """What we know before calling Kotani's create (stored first, so a retry never makes two)."""

    reference_id: str
    user_id: int
    chat_id: int
    token: str
    chain: str
    crypto_amount: Decimal
    currency: str
    recipient_id: int | None = None
    agent_id: int | None = None
    quote_id: str | None = None
    sender_address: str | None = None
    fiat_amount: Decimal | None = None
    fiat_transaction_amount: Decimal | None = None
    fee: Decimal | None = None


@dataclass(frozen=True)
class OfframpRecord:
    reference_id: str
    user_id: int
    chat_id: int
    agent_id: int | None
    recipient_id: int | None
    quote_id: str | None
    token: str
    chain: str
    crypto_amount: Decimal
    currency: str
    fiat_amount: Decimal | None
    fiat_transaction_amount: Decimal | None
    fee: Decimal | None
    escrow_address: str | None
    sender_address: str | None
    status: str
    raw_status: str | None
    onchain_status: str | None
    refund_status: str | None
    awaiting_invoice: bool
    transaction_hash: str | None
    refund_transaction_hash: str | None
    refund_amount: Decimal | None
    error: str | None
    status_message_id: int | None
    created_at: datetime
    updated_at: datetime
    last_polled_at: datetime | None
    #: 0 for the refund Kotani started by itself, then one more for each retry (retry-refund)
    refund_attempt: int = 0

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OfframpRecord:
        return cls(
            row["reference_id"], row["user_id"], row["chat_id"], row["agent_id"], row["recipient_id"],
            row["quote_id"], row["token"], row["chain"], Decimal(row["crypto_amount"]), row["currency"],
            dec(row["fiat_amount"]), dec(row["fiat_transaction_amount"]), dec(row["fee"]), row["escrow_address"],
            row["sender_address"], row["status"], row["raw_status"], row["onchain_status"], row["refund_status"],
            bool(row["awaiting_invoice"]), row["transaction_hash"], row["refund_transaction_hash"],
            dec(row["refund_amount"]), row["error"], row["status_message_id"],
            ts(row["created_at"]) or datetime.min, ts(row["updated_at"]) or datetime.min, ts(row["last_polled_at"]),
            int(row["refund_attempt"]),
        )  # fmt: skip


@dataclass(frozen=True)
class Observation:
    """One thing Kotani told us about an offramp: a webhook delivery or a status poll.

    ``status`` is canonical (``kotani.status.OfframpStatus`` values); the bot converts a
    parsed webhook or an API answer into this before it reaches storage.
    """

    reference_id: str
    source: str  # webhook, poll, create, cancel, refund
    event: str
    dedupe_key: str
    status: str
    raw: dict[str, Any]
    raw_status: str | None = None
    onchain_status: str | None = None
    refund_status: str | None = None
    escrow_address: str | None = None
    fiat_amount: Decimal | None = None
    fiat_transaction_amount: Decimal | None = None
    transaction_hash: str | None = None
    refund_transaction_hash: str | None = None
    refund_amount: Decimal | None = None
    error: str | None = None

    def raw_json(self) -> str:
        return json.dumps(self.raw, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class OfframpEvent:
    id: int
    reference_id: str
    source: str
    event: str
    dedupe_key: str
    status: str | None
    raw: dict[str, Any]
    received_at: datetime
    duplicate: bool
    changed: bool
    note: str | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OfframpEvent:
        return cls(
            row["id"], row["reference_id"], row["source"], row["event"], row["dedupe_key"], row["status"],
            json.loads(row["raw"]), ts(row["received_at"]) or datetime.min, bool(row["duplicate"]),
            bool(row["changed"]), row["note"],
        )  # fmt: skip


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    reference_id: str | None
    kind: str
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    message_id: int | None
    dead_at: datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OutboxMessage:
        return cls(
            row["id"], row["chat_id"], row["reference_id"], row["kind"], json.loads(row["payload"]),
            row["attempts"], ts(row["next_attempt_at"]) or datetime.min, ts(row["sent_at"]), row["message_id"],
            ts(row["dead_at"]), row["last_error"],
        )  # fmt: skip


@dataclass(frozen=True)
class RecordResult:
    """What recording one observation did."""

    duplicate: bool
    changed: bool
    previous_status: str | None
    status: str | None
    correction: bool = False
    outbox_ids: list[int] = field(default_factory=list)
    note: str = ""
