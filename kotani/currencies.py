"""How Kotani counts fiat: the decimal places of each payout currency (spec §9).

Kotani rounds fees and payouts to whole units in the currencies that have no minor unit in
practice (shillings, francs); amounts typed in those currencies are whole numbers too.
"""

from __future__ import annotations

#: decimal places of each fiat currency; any other currency has 2
CURRENCY_DECIMALS: dict[str, int] = {
    "KES": 0, "UGX": 0, "TZS": 0, "RWF": 0, "XAF": 0, "XOF": 0, "CDF": 0,
    "GHS": 2, "ZMW": 2, "ZAR": 2, "ETB": 2, "NGN": 2, "USD": 2,
}  # fmt: skip


def currency_decimals(currency: str) -> int:
    return CURRENCY_DECIMALS.get(currency.upper(), 2)
