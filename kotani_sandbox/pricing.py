"""Quotes: rate, fee rounded to the currency's precision, and the amounts derived from it (§5.1, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext

from kotani.chains import TOKEN_DECIMALS, Token
from kotani.currencies import currency_decimals
from kotani_sandbox.config import SandboxConfig


@dataclass(frozen=True)
class Pricing:
    token: str
    currency: str
    rate: Decimal  # fiat per token unit
    crypto_amount: Decimal
    fiat_amount: Decimal
    fee: Decimal
    transaction_amount: Decimal
    wallet_debit_amount: Decimal


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def fiat_places(currency: str) -> int:
    return currency_decimals(currency)


def round_fiat(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(_quantum(fiat_places(currency)), rounding=ROUND_HALF_UP)


def token_usd_price(config: SandboxConfig, token: str) -> Decimal | None:
    if token in ("USDC", "USDT", "CUSD", "USDGLO", "USDT0"):
        return Decimal(1)
    if token == "CKES":
        return Decimal(1) / config.usd_rates["KES"]
    if token == "CGHS":
        return Decimal(1) / config.usd_rates["GHS"]
    if token == "MSAT":
        return config.btc_usd / Decimal(100_000_000_000)
    if token == "ADA":
        return config.ada_usd
    return None


def exchange_rate(config: SandboxConfig, token: str, currency: str) -> Decimal | None:
    price = token_usd_price(config, token)
    per_usd = config.usd_rates.get(currency)
    if price is None or per_usd is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 10
        return +(price * per_usd)


def rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def price_from_crypto(config: SandboxConfig, token: str, currency: str, crypto: Decimal, rate: Decimal) -> Pricing:
    fiat = round_fiat(crypto * rate, currency)
    fee = round_fiat(fiat * config.fee_percent / 100, currency)
    if config.billing == "customer_pays":
        received, debit = fiat - fee, fiat
    elif config.billing == "integrator_pays":
        received, debit = fiat, fiat + fee
    else:
        received, debit = fiat, fiat
    return Pricing(token, currency, rate, crypto, fiat, fee, received, debit)


def price_from_fiat(config: SandboxConfig, token: str, currency: str, wanted: Decimal, rate: Decimal) -> Pricing:
    """Work backwards from the net payout the recipient should get (``source: fiat``)."""
    places = TOKEN_DECIMALS.get(Token(token), 6)
    share = 1 - config.fee_percent / 100 if config.billing == "customer_pays" else Decimal(1)
    crypto = (wanted / share / rate).quantize(_quantum(places), rounding=ROUND_CEILING)
    step = _quantum(places)
    pricing = price_from_crypto(config, token, currency, crypto, rate)
    for _ in range(5):  # rounding of the fee can leave the recipient one unit short
        if pricing.transaction_amount >= wanted:
            break
        crypto += step
        pricing = price_from_crypto(config, token, currency, crypto, rate)
    return pricing
