from decimal import Decimal

import pytest

from offramps.settings import ConfigError, load_settings

BASE = {"TELEGRAM_BOT_TOKEN": "123:secret-token-value", "KOTANI_API_KEY": "key_abcdefghijklmnop"}


def test_missing_required_settings_are_named() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN, KOTANI_API_KEY"):
        load_settings({})


def test_defaults_and_derived_values() -> None:
    settings = load_settings({**BASE, "PUBLIC_URL": "https://bot.example.com/", "KOTANI_WEBHOOK_SECRET": "old, new"})
    assert settings.callback_url == "https://bot.example.com/kotani/webhook"
    assert settings.kotani_webhook_secrets == ("old", "new")
    assert settings.port == 8080 and str(settings.database_path) == "data/bot.sqlite3"
    assert settings.telegram_api_base_url == "https://api.telegram.org"


def test_secrets_never_show_in_the_repr() -> None:
    text = repr(load_settings(BASE))
    assert "secret-token-value" not in text and "key_abcdefghijklmnop" not in text


def test_limits_and_bad_values() -> None:
    assert load_settings({**BASE, "LIMITS_KES": "50-1000"}).limits["KES"] == (Decimal(50), Decimal(1000))
    with pytest.raises(ConfigError, match="LIMITS_KES must look like"):
        load_settings({**BASE, "LIMITS_KES": "lots"})
    with pytest.raises(ConfigError, match="PORT must be a whole number"):
        load_settings({**BASE, "PORT": "eighty"})
    with pytest.raises(ConfigError, match="ADMIN_IDS"):
        load_settings({**BASE, "ADMIN_IDS": "1,two"})


def test_python_m_bot_refuses_to_start_without_its_settings() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "KOTANI_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Missing required setting(s): TELEGRAM_BOT_TOKEN, KOTANI_API_KEY" in result.stderr


PRODUCTION = {**BASE, "KOTANI_BASE_URL": "https://api.kotanipay.com"}


def test_production_without_a_webhook_secret_must_choose_fetch_only_callbacks_explicitly() -> None:
    with pytest.raises(ConfigError, match=r"KOTANI_WEBHOOK_SECRET is not set.*KOTANI_UNSIGNED_WEBHOOKS=fetch"):
        load_settings(PRODUCTION)
    with pytest.raises(ConfigError, match="KOTANI_WEBHOOK_SECRET is not set"):
        load_settings({**PRODUCTION, "KOTANI_BASE_URL": "https://API.kotanipay.io/", "KOTANI_WEBHOOK_SECRET": " , "})
    fetch_only = load_settings({**PRODUCTION, "KOTANI_UNSIGNED_WEBHOOKS": "fetch"})
    assert fetch_only.unsigned_webhooks_accepted and fetch_only.kotani_webhook_secrets == ()
    signed = load_settings({**PRODUCTION, "KOTANI_WEBHOOK_SECRET": "whsec_live"})
    assert signed.kotani_webhook_secrets == ("whsec_live",) and not signed.unsigned_webhooks_accepted


def test_the_sandbox_host_runs_without_a_secret_and_the_mode_setting_takes_only_fetch() -> None:
    sandbox = load_settings({**BASE, "KOTANI_BASE_URL": "https://sandbox-api.kotanipay.com"})
    assert sandbox.kotani_webhook_secrets == () and not sandbox.kotani_is_production
    with pytest.raises(ConfigError, match="KOTANI_UNSIGNED_WEBHOOKS can only be 'fetch'"):
        load_settings({**PRODUCTION, "KOTANI_UNSIGNED_WEBHOOKS": "trust"})
