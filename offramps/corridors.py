"""Where money can go: Kotani's WITHDRAW corridors, cached, with a known fallback list."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kotani import KotaniClient, KotaniError
from kotani.chains import OFFRAMP_PAIRS, Chain

logger = logging.getLogger("offramps.corridors")


def offers_till_and_paybill(country: str) -> bool:
    """Till (Buy Goods) and paybill numbers are M-PESA's, so Kenya's alone (spec §4.3)."""
    return country == "KE"


@dataclass(frozen=True)
class Corridor:
    country: str
    name: str
    currency: str
    networks: tuple[str, ...]
    requires_network: bool

    @property
    def mobile_money(self) -> bool:
        return bool(self.networks)


#: Used when discovery fails; the same as spec §4.3's default table.
KNOWN_CORRIDORS: tuple[Corridor, ...] = (
    Corridor("KE", "Kenya", "KES", ("MPESA", "AIRTEL"), True),
    Corridor("GH", "Ghana", "GHS", ("MTN", "VODAFONE", "AIRTEL"), True),
    Corridor("UG", "Uganda", "UGX", ("MTN", "AIRTEL"), True),
    Corridor("TZ", "Tanzania", "TZS", ("VODACOM", "AIRTEL", "TIGO", "HALOPESA"), True),
    Corridor("ZM", "Zambia", "ZMW", ("MTN", "AIRTEL", "ZAMTEL"), True),
    Corridor("RW", "Rwanda", "RWF", ("MTN", "AIRTEL"), True),
)

FLAGS = {"KE": "🇰🇪", "GH": "🇬🇭", "UG": "🇺🇬", "TZ": "🇹🇿", "ZM": "🇿🇲", "RW": "🇷🇼", "CM": "🇨🇲", "CI": "🇨🇮",
         "SN": "🇸🇳", "CD": "🇨🇩", "ZA": "🇿🇦", "ET": "🇪🇹", "NG": "🇳🇬"}  # fmt: skip

#: (chain, token) pairs offered, Lightning included; order is the order of the buttons.
TOKEN_CHOICES: tuple[tuple[Chain, str], ...] = tuple(
    (chain, token.value) for chain, tokens in OFFRAMP_PAIRS.items() for token in tokens
    if chain in (Chain.TRON, Chain.POLYGON, Chain.ETHEREUM, Chain.BASE, Chain.CELO, Chain.ARBITRUM,
                 Chain.OPTIMISM, Chain.SOLANA, Chain.LIGHTNING)
)  # fmt: skip


class CorridorDirectory:
    """Asks Kotani at most once per ``ttl`` seconds; on failure offers the known list."""

    def __init__(self, kotani: KotaniClient, *, ttl: float = 3600) -> None:
        self._kotani = kotani
        self._ttl = ttl
        self._cached: tuple[Corridor, ...] = ()
        self._fetched_at = 0.0

    async def list(self) -> tuple[tuple[Corridor, ...], bool]:
        """(corridors, live): ``live`` is False when these are the fallback list."""
        if self._cached and time.monotonic() - self._fetched_at < self._ttl:
            return self._cached, True
        try:
            countries = await self._kotani.list_countries("WITHDRAW")
        except KotaniError as exc:
            logger.warning("corridor discovery failed: %s", exc)
            return (self._cached or KNOWN_CORRIDORS), bool(self._cached)
        corridors = tuple(
            Corridor(c.code, c.name, c.currency, c.networks, c.requires_network)
            for c in countries
            if c.usable and c.service_type.upper() in ("WITHDRAW", "")
        )
        if corridors:
            self._cached, self._fetched_at = corridors, time.monotonic()
            return corridors, True
        return KNOWN_CORRIDORS, False

    async def get(self, country: str) -> Corridor | None:
        corridors, _ = await self.list()
        return next((c for c in corridors if c.country == country), None) or next(
            (c for c in KNOWN_CORRIDORS if c.country == country), None
        )
