"""Notices owed by time (#14): the deposit reminder and "taking longer than usual", decided by
a pure rule the reconciler asks every round (storage writes each once)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from offramps.notices import timed_notices
from offramps.settings import ConfigError, load_settings
from storage.models import OfframpRecord

START = datetime(2026, 1, 1, tzinfo=UTC)
BASE = {"TELEGRAM_BOT_TOKEN": "123:secret-token-value", "KOTANI_API_KEY": "key_abcdefghijklmnop"}


def offramp(status: str, **changes: object) -> OfframpRecord:
    record = OfframpRecord(
        "tg-1-abc", 1, 1, None, 1, None, "USDT", "TRON", Decimal(10), "KES", Decimal(1295), Decimal(1269),
        Decimal(26), "T...", "T...", status, status, None, None, False, None, None, None, None, None, START, START,
        None,
    )  # fmt: skip
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def due(record: OfframpRecord, minutes: float, ops: int | None = None) -> list[tuple[int, str]]:
    owed = timed_notices(
        record, START + timedelta(minutes=minutes), window_minutes=60, slow_after_minutes=30, ops_chat_id=ops
    )
    return [(o.chat_id, o.kind) for o in owed]


@pytest.mark.parametrize(("minutes", "expected"), [(49.9, []), (50, [(1, "deposit_reminder")]),
                                                   (59.9, [(1, "deposit_reminder")]), (60, [])])  # fmt: skip
def test_the_reminder_is_due_in_the_last_ten_minutes_of_the_window_only(
    minutes: float, expected: list[tuple[int, str]]
) -> None:
    assert due(offramp("PENDING"), minutes) == expected


def test_no_reminder_once_a_deposit_was_seen() -> None:
    assert due(offramp("PENDING", transaction_hash="0xabc"), 55) == []
    assert due(offramp("PENDING", onchain_status="SUCCESSFUL"), 55) == []


def test_a_slow_payout_is_counted_from_its_last_change_and_alerts_ops_when_there_is_a_chat() -> None:
    running = offramp("IN_PROGRESS", updated_at=START + timedelta(minutes=20))
    assert due(running, 49) == []
    assert due(running, 50) == [(1, "slow_payout")]
    assert due(running, 50, ops=-100) == [(1, "slow_payout"), (-100, "ops_slow_payout")]
    assert due(offramp("SUCCESSFUL"), 500, ops=-100) == []


def test_the_threshold_is_a_setting_per_corridor() -> None:
    settings = load_settings({**BASE, "SLOW_PAYOUT_MINUTES": "45", "SLOW_PAYOUT_MINUTES_ghs": "90"})
    assert settings.slow_payout_after("KES") == 45 and settings.slow_payout_after("GHS") == 90
    assert load_settings(BASE).slow_payout_after("KES") == 30
    with pytest.raises(ConfigError, match="SLOW_PAYOUT_MINUTES"):
        load_settings({**BASE, "SLOW_PAYOUT_MINUTES": "0"})
