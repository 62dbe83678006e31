"""Every knob of the sandbox (spec §11 "Configuration knobs"), with faithful defaults."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Corridor:
    country: str  # ISO-2
    iso3: str
    name: str
    currency: str
    networks: tuple[str, ...]
    min_amount: Decimal  # fiat, inclusive
    max_amount: Decimal
    requires_network: bool = True
    withdraw_enabled: bool = True
    bank_only: bool = False


#: Spec §4.3 default corridor table. Limits are ours: Kotani publishes none (§9).
DEFAULT_CORRIDORS: tuple[Corridor, ...] = (
    Corridor("KE", "KEN", "Kenya", "KES", ("MPESA", "AIRTEL"), Decimal(100), Decimal(250000)),
    Corridor("GH", "GHA", "Ghana", "GHS", ("MTN", "VODAFONE", "AIRTEL"), Decimal(10), Decimal(20000)),
    Corridor("UG", "UGA", "Uganda", "UGX", ("MTN", "AIRTEL"), Decimal(3000), Decimal(5000000)),
    Corridor(
        "TZ", "TZA", "Tanzania", "TZS", ("VODACOM", "AIRTEL", "TIGO", "HALOPESA"), Decimal(2000), Decimal(5000000)
    ),
    Corridor("ZM", "ZMB", "Zambia", "ZMW", ("MTN", "AIRTEL", "ZAMTEL"), Decimal(20), Decimal(50000)),
    Corridor("RW", "RWA", "Rwanda", "RWF", ("MTN", "AIRTEL"), Decimal(1000), Decimal(2000000)),
    Corridor("CM", "CMR", "Cameroon", "XAF", ("MTN", "ORANGE"), Decimal(500), Decimal(1000000)),
    Corridor("CI", "CIV", "Côte d'Ivoire", "XOF", ("MTN", "ORANGE", "MOOV", "WAVE"), Decimal(500), Decimal(1000000)),
    Corridor("SN", "SEN", "Senegal", "XOF", ("ORANGE", "FREE", "EXPRESSO", "WAVE"), Decimal(500), Decimal(1000000)),
    Corridor("CD", "COD", "DR Congo", "CDF", ("AIRTEL", "ORANGE", "VODACOM"), Decimal(2500), Decimal(5000000)),
    Corridor(
        "ZA", "ZAF", "South Africa", "ZAR", (), Decimal(20), Decimal(50000), requires_network=False, bank_only=True
    ),
)

#: Units of fiat per US dollar.
DEFAULT_USD_RATES: dict[str, Decimal] = {
    "KES": Decimal("129.5"),
    "GHS": Decimal("15.2"),
    "UGX": Decimal("3680"),
    "TZS": Decimal("2650"),
    "ZMW": Decimal("27.1"),
    "RWF": Decimal("1420"),
    "XAF": Decimal("610"),
    "XOF": Decimal("610"),
    "CDF": Decimal("2850"),
    "ZAR": Decimal("18.4"),
    "ETB": Decimal("128"),
    "NGN": Decimal("1550"),
}

#: Bank list per currency for ``GET /customer/support/banks`` (codes as text or numbers).
DEFAULT_BANKS: dict[str, tuple[tuple[str | int, str], ...]] = {
    "KES": ((68, "Equity Bank"), (1, "KCB Bank"), (11, "Co-operative Bank"), (7, "NCBA Bank"), (31, "Stanbic Bank")),
    "GHS": (("300303", "Absa Bank Ghana"), ("300304", "GCB Bank"), ("300312", "Ecobank Ghana")),
    "UGX": (("CENTUGKA", "Centenary Bank"), ("SBICUGKX", "Stanbic Bank Uganda")),
    "ZAR": (("0", "FNB"), ("0", "ABSA"), ("0", "NEDBANK"), ("0", "Standard Bank")),
}

WebhookMode = Literal["signed", "direct"]


def _hex24() -> str:
    return secrets.token_hex(12)


@dataclass
class SandboxConfig:
    """Mutable at run time through ``PATCH /sandbox/config`` (tests flip switches)."""

    api_keys: tuple[str, ...] = ("sandbox_test_key",)
    api_secret: str | None = None  # set = secure mode (spec §3)
    webhook_secret: str | None = "whsec_sandbox_0123456789"  # None = direct callbacks
    webhook_url: str | None = None  # integrator-level URL (signed mode); else callbackUrl
    integrator_id: str = field(default_factory=_hex24)
    public_base_url: str = "http://127.0.0.1:8080"
    corridors: tuple[Corridor, ...] = DEFAULT_CORRIDORS
    usd_rates: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_USD_RATES))
    btc_usd: Decimal = Decimal(95000)
    ada_usd: Decimal = Decimal("0.65")
    fee_percent: Decimal = Decimal(2)
    billing: Literal["customer_pays", "integrator_pays", "invoiced"] = "customer_pays"
    payout_balance: Decimal = Decimal(100_000_000)  # per currency wallet, in that currency
    quote_ttl: float = 60.0
    deposit_window: float = 3600.0
    confirmations_delay: float = 30.0
    payout_start_delay: float = 2.0
    payout_delay: float = 5.0  # "usual delay" of a payout
    slow_payout_delay: float = 60.0  # numbers ending 700000021
    refund_delay: float = 300.0  # after a payout failure (spec: 5 minutes)
    refund_attempt_delay: float = 30.0
    lookup_timeout_delay: float = 1.5  # numbers ending 700000005
    name_lookup_enabled: bool = True
    amount_mismatch: Literal["fail", "accept"] = "fail"
    lightning_network: Literal["bc", "tb", "tbs", "bcrt"] = "bc"
    shared_escrow: bool = False
    status_vocabulary: Literal["webhook", "flow"] = "webhook"
    webhook_every_transition: bool = True
    deliver_webhooks: bool = True  # False = record as dropped, never sent (reconciler tests)
    duplicate_webhooks: bool = False
    hold_webhooks: bool = False  # queue until POST /sandbox/webhooks/flush (reordering)
    webhook_timeout: float = 10.0
    webhook_retry_delays: tuple[float, ...] = (30, 120, 600, 1800, 3600, 7200)
    webhook_retry_horizon: float = 24 * 3600.0
    generate_invoice_timeout: float = 10.0
    #: (limit, window seconds) per endpoint class, counted per key and endpoint (spec §2.3)
    rate_limits: dict[str, tuple[tuple[int, float], ...]] = field(
        default_factory=lambda: {"read": ((100, 5.0),), "money": ((20, 5.0), (60, 60.0))}
    )
    response_delay: float = 0.0  # seconds added to every API answer (benchmarks: 0.2)
    auto_deposit_after: float | None = None  # demo: the customer "pays" this long after create
    nonce_ttl: float = 600.0
    signature_window: float = 300.0

    @property
    def signed_mode(self) -> bool:
        return bool(self.webhook_secret)

    def corridor_for_currency(self, currency: str) -> Corridor | None:
        return next((c for c in self.corridors if c.currency == currency and c.withdraw_enabled), None)

    def corridor_for_country(self, country: str) -> Corridor | None:
        code = country.upper()
        return next((c for c in self.corridors if code in (c.country, c.iso3)), None)

    def demo(self) -> SandboxConfig:
        """Short delays for watching a whole flow by hand."""
        self.confirmations_delay = 3.0
        self.payout_start_delay = 1.0
        self.payout_delay = 3.0
        self.slow_payout_delay = 15.0
        self.refund_delay = 5.0
        self.refund_attempt_delay = 3.0
        self.deposit_window = 15 * 60.0
        self.auto_deposit_after = 8.0
        return self
