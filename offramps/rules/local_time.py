"""The corridor's own clock: a payout in Kenya is read in Nairobi time, not UTC.

People in the corridors live in UTC+0 to UTC+3; a deadline written in UTC was three hours off
for most of them. The corridor is known by the payout currency (one currency, one country,
except the CFA francs, whose countries share one offset each). None of these zones observes
daylight saving time, so the abbreviation and the offset never change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: payout currency → (IANA zone, the abbreviation people there use)
ZONES: dict[str, tuple[str, str]] = {
    "KES": ("Africa/Nairobi", "EAT"),
    "UGX": ("Africa/Kampala", "EAT"),
    "TZS": ("Africa/Dar_es_Salaam", "EAT"),
    "ETB": ("Africa/Addis_Ababa", "EAT"),
    "RWF": ("Africa/Kigali", "CAT"),
    "ZMW": ("Africa/Lusaka", "CAT"),
    "MWK": ("Africa/Blantyre", "CAT"),
    "CDF": ("Africa/Kinshasa", "WAT"),
    "XAF": ("Africa/Douala", "WAT"),
    "NGN": ("Africa/Lagos", "WAT"),
    "GHS": ("Africa/Accra", "GMT"),
    "XOF": ("Africa/Abidjan", "GMT"),
    "ZAR": ("Africa/Johannesburg", "SAST"),
}
UTC_ZONE = ("UTC", "UTC")


def corridor_zone(currency: str | None) -> tuple[ZoneInfo, str]:
    """The zone of the corridor paying out ``currency`` and its name, e.g. ``EAT (UTC+3)``;
    an unknown currency keeps UTC (and says so) rather than guessing a country."""
    key, abbreviation = ZONES.get((currency or "").upper(), UTC_ZONE)
    zone = ZoneInfo(key)
    if key == "UTC":
        return zone, "UTC"
    offset = datetime(2026, 1, 1, tzinfo=zone).utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    sign = "+" if hours >= 0 else "-"
    label = f"UTC{sign}{abs(hours)}" + (f":{rest // 60:02d}" if rest else "")
    return zone, "GMT" if abbreviation == "GMT" else f"{abbreviation} ({label})"
