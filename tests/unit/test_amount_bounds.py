"""The minimum and maximum shown in crypto are amounts that pass the limits (#14 item 7)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest

from handlers.cashout.draft import CashDraft
from handlers.cashout.quoting import limits_problem
from storage.models import QuoteRecord
from ui.texts import use_language


def quote(rate: str, crypto: str) -> QuoteRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    fiat = Decimal(crypto) * Decimal(rate)
    return QuoteRecord(
        "q", 1, "USDT", "TRON", Decimal(crypto), "KES", Decimal(rate), Decimal(0), fiat, fiat, None, now, now
    )


@pytest.mark.parametrize("rate", ["131", "129.9", "127.31", "140.77"])
def test_the_crypto_bounds_shown_pass(rate: str) -> None:
    use_language("en")
    svc = cast(Any, SimpleNamespace(settings=SimpleNamespace(limits={"KES": (Decimal(100), Decimal(250000))})))
    cash = cast(CashDraft, {"currency": "KES", "token": "USDT", "chain": "TRON"})
    text = limits_problem(svc, cash, quote(rate, "0.1"))
    assert text is not None
    low = Decimal(text.split("(≈ ")[1].split(" ")[0].replace(",", ""))
    high = Decimal(text.split("(≈ ")[2].split(" ")[0].replace(",", ""))
    assert 100 <= low * Decimal(rate) <= 250000
    assert 100 <= high * Decimal(rate) <= 250000
