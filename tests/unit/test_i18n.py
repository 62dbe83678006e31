"""Every catalog has every message, with the same placeholders and markup as English; a
missing or broken translation fails here."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from offramps.rules.amounts import format_amount
from storage.models import OfframpRecord, Recipient
from ui.notifications import render
from ui.texts import DEFAULT_LANGUAGE, LANGUAGES, catalog, supported, t, use_language

TAG = re.compile(r"</?[a-z]+>")


def fields(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name})


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != DEFAULT_LANGUAGE])
def test_every_catalog_is_complete_with_matching_placeholders_and_tags(language: str) -> None:
    english, translated = catalog(DEFAULT_LANGUAGE), catalog(language)
    assert set(translated) == set(english), set(english) ^ set(translated)
    for key, text in english.items():
        assert translated[key].strip(), f"{language}:{key} is empty"
        assert fields(translated[key]) == fields(text), f"{language}:{key} placeholders differ"
        assert sorted(TAG.findall(translated[key])) == sorted(TAG.findall(text)), f"{language}:{key} markup differs"


def test_unsupported_languages_fall_back_to_english() -> None:
    assert supported("de") == "en" and supported(None) == "en"
    assert supported("sw-KE") == "sw" and supported("fr_CI") == "fr"


def test_numbers_follow_the_locale_and_always_carry_the_currency() -> None:
    assert format_amount(Decimal("1269"), "KES", places=0, locale="en") == "1,269 KES"
    assert format_amount(Decimal("1269.5"), "GHS", places=2, locale="fr") == "1\u202f269,50 GHS"
    assert format_amount(Decimal("0.000001"), "USDT", locale="sw") == "0.000001 USDT"


def offramp(status: str) -> OfframpRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return OfframpRecord(
        "tg-1-abc", 1, 1, None, 1, None, "USDT", "TRON", Decimal(10), "KES", Decimal(1295), Decimal(1269),
        Decimal(26), "T...", "T...", status, status, "SUCCESSFUL", None, False, "0xabc", "0xdef", Decimal(10),
        "Account not found", None, now, now, None,
    )  # fmt: skip


KINDS = ["crypto_received", "in_progress", "successful", "failed", "reversed", "refund_failed", "cancelled",
         "expired", "require_review", "invoice_needed", "agent_successful", "ops_failed", "ops_refund_failed",
         "deposit_reminder", "slow_payout", "ops_slow_payout"]  # fmt: skip


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_notification_renders_in_every_language(language: str, kind: str) -> None:
    recipient = Recipient(
        1, 1, "mobile_money", "KE", "+254700000001", "", "MPESA", None, None, "JANE MARY DOE", None, None
    )
    use_language(DEFAULT_LANGUAGE)
    english, _ = render(kind, {"correction": False}, offramp(kind.upper()), recipient, support="help@x")
    use_language(language)
    try:
        text, _ = render(kind, {"correction": False}, offramp(kind.upper()), recipient, support="help@x")
    finally:
        use_language(DEFAULT_LANGUAGE)
    assert "tg-1-abc" in text
    assert "{" not in text
    if language != DEFAULT_LANGUAGE:
        assert text != english


def test_t_escapes_values_in_every_language() -> None:
    use_language("fr")
    try:
        assert "&lt;b&gt;" in t("find_none", query="<b>")
    finally:
        use_language(DEFAULT_LANGUAGE)
