"""Configuration from environment variables, checked once at start (fail fast, say why).

Every floor reads the operator's settings (limits, Lightning, the support contact); they live
on the domain floor so that nothing has to import the process to read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from kotani.client import DEFAULT_BASE_URL, KotaniConfig
from kotani.redact import mask_secret

TELEGRAM_API = "https://api.telegram.org"
#: Kotani's production API hosts (spec §1; ``.io`` in older samples). Money questions the
#: contract leaves open (docs/deployment.md, go-live checklist) default to the safe side here.
KOTANI_PRODUCTION_HOSTS = frozenset({"api.kotanipay.com", "api.kotanipay.io"})


class ConfigError(ValueError):
    """A missing or malformed setting; the message names the variable and what to set."""


#: Bot-side limits per payout currency (fiat, inclusive). Kotani publishes none (spec §9);
#: override with e.g. ``LIMITS_KES=100-250000``.
DEFAULT_LIMITS: dict[str, tuple[Decimal, Decimal]] = {
    "KES": (Decimal(100), Decimal(250000)),
    "GHS": (Decimal(10), Decimal(20000)),
    "UGX": (Decimal(3000), Decimal(5000000)),
    "TZS": (Decimal(2000), Decimal(5000000)),
    "ZMW": (Decimal(20), Decimal(50000)),
    "RWF": (Decimal(1000), Decimal(2000000)),
    "XAF": (Decimal(500), Decimal(1000000)),
    "XOF": (Decimal(500), Decimal(1000000)),
    "CDF": (Decimal(2500), Decimal(5000000)),
    "ZAR": (Decimal(20), Decimal(50000)),
}


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None
    telegram_api_base_url: str
    kotani: KotaniConfig
    kotani_webhook_secrets: tuple[str, ...]
    public_url: str | None
    port: int
    database_path: Path
    webhook_path: str = "/telegram"
    admin_ids: frozenset[int] = frozenset()
    ops_chat_id: int | None = None
    support_contact: str = "support@kotanipay.com"
    limits: dict[str, tuple[Decimal, Decimal]] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    #: Lightning cash-outs offered at all. The contract does not say whether a Lightning
    #: offramp without ``senderAddress`` waits for the customer's payment or is funded from the
    #: integrator's wallet, so this is off against Kotani's production host until the operator
    #: has confirmed it with Kotani (``LIGHTNING_CASHOUTS=1``), and on against the sandbox.
    lightning_cashouts: bool = True
    #: Without a webhook secret a Kotani callback is only a hint: the bot fetches the offramp
    #: from Kotani's API and records what Kotani says. Against the production host that mode
    #: must be chosen explicitly (``KOTANI_UNSIGNED_WEBHOOKS=fetch``).
    unsigned_webhooks_accepted: bool = False
    telegram_webhook_secret: str | None = None
    host: str = "0.0.0.0"  # noqa: S104 (a PaaS routes traffic to the container's public interface)
    reconcile_interval_seconds: float = 180
    outbox_retry_base_seconds: float = 5
    per_chat_interval_seconds: float = 1.0  # Telegram: about one message a second per chat
    poll_timeout_seconds: int = 10  # long polling (no PUBLIC_URL): how long one getUpdates waits

    kotani_callback_url: str | None = None
    low_balance: dict[str, Decimal] = field(default_factory=dict)
    balance_check_seconds: float = 900
    #: minutes a payout may stay received/in progress before the customer is told it is taking
    #: longer than usual and the ops chat is alerted (``SLOW_PAYOUT_MINUTES``), per payout
    #: currency where a corridor is known to be slower (``SLOW_PAYOUT_MINUTES_GHS=60``)
    slow_payout_minutes: int = 30
    slow_payout_minutes_by_currency: dict[str, int] = field(default_factory=dict)

    def slow_payout_after(self, currency: str) -> int:
        """The threshold for this corridor (its payout currency), in minutes."""
        return self.slow_payout_minutes_by_currency.get(currency.upper(), self.slow_payout_minutes)

    @property
    def kotani_is_production(self) -> bool:
        return is_production_host(self.kotani.base_url)

    @property
    def callback_url(self) -> str | None:
        """Where Kotani should send this deployment's webhooks (create-offramp ``callbackUrl``)."""
        if self.kotani_callback_url:
            return self.kotani_callback_url
        return f"{self.public_url.rstrip('/')}/kotani/webhook" if self.public_url else None

    def __repr__(self) -> str:
        return (
            f"Settings(telegram_token={mask_secret(self.telegram_token)!r}, kotani={self.kotani!r}, "
            f"public_url={self.public_url!r}, port={self.port}, database_path='{self.database_path}')"
        )


def is_production_host(base_url: str) -> bool:
    """True for Kotani's production API (real money moves there)."""
    return (urlsplit(base_url).hostname or "").lower() in KOTANI_PRODUCTION_HOSTS


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {value!r}.")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}.") from exc


def _limits(env: Mapping[str, str]) -> dict[str, tuple[Decimal, Decimal]]:
    limits = dict(DEFAULT_LIMITS)
    for name, value in env.items():
        if not name.startswith("LIMITS_"):
            continue
        currency = name.removeprefix("LIMITS_").upper()
        try:
            low, high = (Decimal(part) for part in value.split("-", 1))
        except (ValueError, InvalidOperation) as exc:
            raise ConfigError(f"{name} must look like 100-250000, got {value!r}.") from exc
        if not 0 < low < high:
            raise ConfigError(f"{name}: the minimum must be above zero and below the maximum.")
        limits[currency] = (low, high)
    return limits


def _thresholds(env: Mapping[str, str]) -> dict[str, Decimal]:
    thresholds: dict[str, Decimal] = {}
    for name, value in env.items():
        if name.startswith("LOW_BALANCE_"):
            try:
                thresholds[name.removeprefix("LOW_BALANCE_").upper()] = Decimal(value)
            except InvalidOperation as exc:
                raise ConfigError(f"{name} must be an amount, got {value!r}.") from exc
    return thresholds


def load_settings(env: Mapping[str, str] | None = None, *, require_token: bool = True) -> Settings:
    """Read every setting; raise :class:`ConfigError` naming each missing required one."""
    env = os.environ if env is None else env
    missing = [name for name in ("KOTANI_API_KEY",) if not env.get(name)]
    if require_token and not env.get("TELEGRAM_BOT_TOKEN"):
        missing.insert(0, "TELEGRAM_BOT_TOKEN")
    if missing:
        raise ConfigError(
            "Missing required setting(s): " + ", ".join(missing) + ". Set them in the environment "
            "(see .env.example), or run the local demo with `python -m bot demo`."
        )
    secrets = tuple(s.strip() for s in env.get("KOTANI_WEBHOOK_SECRET", "").split(",") if s.strip())
    admin_text = env.get("ADMIN_IDS", "")
    try:
        admins = frozenset(int(part) for part in admin_text.replace(" ", "").split(",") if part)
    except ValueError as exc:
        raise ConfigError(f"ADMIN_IDS must be comma-separated Telegram user ids, got {admin_text!r}.") from exc
    ops = env.get("OPS_CHAT_ID", "").strip()
    base_url = env.get("KOTANI_BASE_URL", DEFAULT_BASE_URL)
    production = is_production_host(base_url)
    unsigned_mode = env.get("KOTANI_UNSIGNED_WEBHOOKS", "").strip().lower()
    if unsigned_mode not in ("", "fetch"):
        raise ConfigError(f"KOTANI_UNSIGNED_WEBHOOKS can only be 'fetch', got {unsigned_mode!r}.")
    if production and not secrets and unsigned_mode != "fetch":
        raise ConfigError(
            "KOTANI_WEBHOOK_SECRET is not set while KOTANI_BASE_URL is Kotani's production host. Set the "
            "webhook secret from Kotani's dashboard (recommended), or set KOTANI_UNSIGNED_WEBHOOKS=fetch to "
            "treat unsigned callbacks only as a hint to fetch the status from Kotani (docs/deployment.md)."
        )
    return Settings(
        telegram_token=env.get("TELEGRAM_BOT_TOKEN") or None,
        telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", TELEGRAM_API).rstrip("/"),
        kotani=KotaniConfig(
            base_url=base_url,
            api_key=env["KOTANI_API_KEY"],
            api_secret=env.get("KOTANI_API_SECRET") or None,
            timeout=float(env.get("KOTANI_TIMEOUT", "15")),
            backoff_initial=float(env.get("KOTANI_BACKOFF_SECONDS", "0.5")),
        ),
        kotani_webhook_secrets=secrets,
        public_url=env.get("PUBLIC_URL", "").strip() or None,
        port=_int(env, "PORT", 8080),
        database_path=Path(env.get("DATABASE_PATH", "data/bot.sqlite3")),
        webhook_path=env.get("TELEGRAM_WEBHOOK_PATH", "/telegram"),
        admin_ids=admins,
        ops_chat_id=int(ops) if ops.lstrip("-").isdigit() else None,
        support_contact=env.get("SUPPORT_CONTACT", "support@kotanipay.com"),
        limits=_limits(env),
        lightning_cashouts=_flag(env, "LIGHTNING_CASHOUTS", not production),
        unsigned_webhooks_accepted=unsigned_mode == "fetch",
        telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
        host=env.get("HOST", "0.0.0.0"),  # noqa: S104
        reconcile_interval_seconds=float(env.get("RECONCILE_INTERVAL_SECONDS", "180")),
        outbox_retry_base_seconds=float(env.get("OUTBOX_RETRY_BASE_SECONDS", "5")),
        per_chat_interval_seconds=float(env.get("PER_CHAT_INTERVAL_SECONDS", "1.0")),
        poll_timeout_seconds=_int(env, "TELEGRAM_POLL_TIMEOUT", 10),
        kotani_callback_url=env.get("KOTANI_CALLBACK_URL") or None,
        low_balance=_thresholds(env),
        balance_check_seconds=float(env.get("BALANCE_CHECK_SECONDS", "900")),
        slow_payout_minutes=_positive(env, "SLOW_PAYOUT_MINUTES", 30),
        slow_payout_minutes_by_currency={
            name.removeprefix("SLOW_PAYOUT_MINUTES_").upper(): _positive(env, name, 30)
            for name in env
            if name.startswith("SLOW_PAYOUT_MINUTES_")
        },
    )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1 (minutes), got {value}.")
    return value
