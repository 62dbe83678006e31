"""Summaries and CSV exports of cash-outs (pure functions over stored offramps)."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from decimal import Decimal

from offramps.states import status_of
from storage.models import OfframpRecord
from ui.texts import status_words, t, tn
from ui.views import fiat_text

EXPORT_COLUMNS = (
    "reference_id", "created_at", "agent_id", "user_id", "status", "token", "chain", "crypto_amount", "currency",
    "fiat_amount", "fee", "fiat_transaction_amount", "transaction_hash", "refund_transaction_hash",
)  # fmt: skip


def period_summary(period: str, offramps: list[OfframpRecord]) -> str:
    if not offramps:
        return t("summary_empty", period=period)
    statuses = Counter(o.status for o in offramps)
    volume: dict[str, Decimal] = defaultdict(Decimal)
    fees: dict[str, Decimal] = defaultdict(Decimal)
    for offramp in offramps:
        if status_of(offramp).is_delivered:
            volume[offramp.currency] += offramp.fiat_transaction_amount or Decimal(0)
            fees[offramp.currency] += offramp.fee or Decimal(0)
    status_lines = ", ".join(f"{status_words(s)}: {n}" for s, n in sorted(statuses.items()))
    volume_lines = "\n".join(
        t("summary_paid_out", amount=fiat_text(amount, currency), fees=fiat_text(fees[currency], currency))
        for currency, amount in sorted(volume.items())
    ) or t("summary_nothing_paid")
    return tn("summary_period", len(offramps), period=period, statuses=status_lines, volumes=volume_lines)


def export_csv(offramps: list[OfframpRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for offramp in offramps:
        row = []
        for column in EXPORT_COLUMNS:
            value = getattr(offramp, column)
            row.append("" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value)))
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")
