"""Settings that decide who pays: safe defaults against Kotani's production host."""

from __future__ import annotations

import pytest

from offramps.settings import ConfigError, load_settings

BASE = {"TELEGRAM_BOT_TOKEN": "1:x", "KOTANI_API_KEY": "k"}
PRODUCTION = {**BASE, "KOTANI_BASE_URL": "https://api.kotanipay.com", "KOTANI_WEBHOOK_SECRET": "whsec"}


def test_lightning_is_on_against_the_sandbox_and_off_against_production_until_confirmed() -> None:
    assert load_settings(BASE).lightning_cashouts
    assert not load_settings(PRODUCTION).lightning_cashouts
    assert not load_settings({**PRODUCTION, "KOTANI_BASE_URL": "https://API.kotanipay.io/"}).lightning_cashouts
    assert load_settings({**PRODUCTION, "LIGHTNING_CASHOUTS": "1"}).lightning_cashouts
    assert not load_settings({**BASE, "LIGHTNING_CASHOUTS": "off"}).lightning_cashouts


def test_a_setting_that_is_not_a_yes_or_no_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="LIGHTNING_CASHOUTS"):
        load_settings({**BASE, "LIGHTNING_CASHOUTS": "maybe"})


def test_the_skip_setting_is_gone_and_cannot_reopen_operator_funded_payouts() -> None:
    settings = load_settings({**BASE, "ALLOW_SKIP_REFUND_ADDRESS": "1"})
    assert not hasattr(settings, "allow_skip_refund_address")
