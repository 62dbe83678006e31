"""Amounts and quotes of the cash-out: the unit a person types in, what Kotani is asked, the
quote kept in the draft and how it reads, and the configured limits."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from telegram import (
    Update,
)

from handlers.cashout.draft import CashDraft, draft
from handlers.common import Context, services
from kotani.chains import MSAT_PER_SAT, TOKEN_DECIMALS, Token, sats_to_msat
from kotani.currencies import currency_decimals
from offramps.services import Services
from storage.models import QuoteRecord
from ui.texts import t
from ui.views import (
    amount_text,
    crypto_text,
    fiat_text,
    is_lightning,
    token_unit,
)


def amount_rules(cash: CashDraft) -> tuple[int, str]:
    if cash["mode"] == "fiat":
        return currency_decimals(cash["currency"]), cash["currency"]
    if is_lightning(cash["chain"]):
        return 0, "sats"
    return TOKEN_DECIMALS.get(Token(cash["token"]), 6), cash["token"]


def kotani_amount(cash: CashDraft) -> Decimal:
    amount = Decimal(cash["amount"])
    if cash["mode"] == "crypto" and is_lightning(cash["chain"]):
        return sats_to_msat(amount)  # Kotani's MSAT unit
    return amount


async def fetch_quote(update: Update, context: Context) -> QuoteRecord:
    cash = draft(update, context)
    record = await services(context).cashouts.quote(
        int(cash["owner"]), cash["token"], cash["chain"], cash["currency"], kotani_amount(cash),
        source="fiat" if cash["mode"] == "fiat" else "crypto",
    )  # fmt: skip
    keep_quote(cash, record)
    return record


def keep_quote(cash: CashDraft, record: QuoteRecord) -> None:
    cash["quote"] = {
        "id": record.quote_id, "crypto": str(record.crypto_amount), "fiat": str(record.fiat_amount),
        "fee": str(record.fee), "receive": str(record.transaction_amount), "rate": str(record.rate),
        "expires_at": record.expires_at.isoformat(),
    }  # fmt: skip


def limits_problem(svc: Services, cash: CashDraft, quote: QuoteRecord) -> str | None:
    low, high = svc.settings.limits.get(cash["currency"], (None, None))
    if low is None or high is None or low <= quote.fiat_amount <= high:
        return None
    unit = token_unit(cash["token"], cash["chain"])
    per_unit = (Decimal(1) / quote.rate) / (MSAT_PER_SAT if is_lightning(cash["chain"]) else 1)
    # the crypto amounts shown must themselves pass: the minimum rounded up, the maximum down
    step = Decimal(1) if is_lightning(cash["chain"]) else Decimal("0.01")
    crypto_low = (low * per_unit).quantize(step, rounding=ROUND_CEILING)
    crypto_high = (high * per_unit).quantize(step, rounding=ROUND_FLOOR)
    return t(
        "amount_out_of_range",
        low=f"{fiat_text(low, cash['currency'])} (≈ {amount_text(crypto_low, unit)})",
        high=f"{fiat_text(high, cash['currency'])} (≈ {amount_text(crypto_high, unit)})",
    )


def rate_text(cash: CashDraft) -> str:
    """``1 USDT = 129.5 KES``; for Lightning per thousand sats (``1,000 sats = 123.03 KES``), as
    a sat is worth a fraction of a shilling and "1 sat = 0.123025 KES" says nothing to a person."""
    rate = Decimal(cash["quote"]["rate"])
    if is_lightning(cash["chain"]):
        per_thousand = rate * MSAT_PER_SAT * 1000
        return f"{amount_text(Decimal(1000), 'sats')} = {fiat_text(per_thousand.quantize(Decimal('0.01')), cash['currency'])}"
    return f"{amount_text(Decimal(1), cash['token'])} = {amount_text(rate, cash['currency'])}"


def quote_text(cash: CashDraft, svc: Services) -> str:
    quote = cash["quote"]
    seconds = max(0, math.ceil((datetime.fromisoformat(quote["expires_at"]) - svc.clock()).total_seconds()))
    return t(
        "quote",
        crypto=crypto_text(cash["token"], cash["chain"], Decimal(quote["crypto"])),
        chain=cash["chain"].title(),
        rate=rate_text(cash),
        fee=fiat_text(Decimal(quote["fee"]), cash["currency"]),
        receive=fiat_text(Decimal(quote["receive"]), cash["currency"]),
        seconds=seconds,
    )
