"""Which Kotani mobile-money network (``networkProvider``) a carrier's numbers belong to.

The carrier comes from the numbering plan (``phonenumbers.carrier``: "Safaricom", "MTN
Ghana", "Telecel Ghana" …); Kotani names networks by its own codes (spec §4.3). The bot
guesses a recipient's network with this, and the sandbox answers its phone lookups with it.
"""

from __future__ import annotations

#: a fragment of the carrier's English name → Kotani's network code
CARRIER_NETWORKS: tuple[tuple[str, str], ...] = (
    ("safaricom", "MPESA"), ("airtel", "AIRTEL"), ("mtn", "MTN"), ("vodafone", "VODAFONE"), ("telecel", "VODAFONE"),
    ("vodacom", "VODACOM"), ("tigo", "TIGO"), ("yas", "YAS"), ("halotel", "HALOPESA"), ("orange", "ORANGE"),
    ("moov", "MOOV"), ("free", "FREE"), ("expresso", "EXPRESSO"), ("zamtel", "ZAMTEL"),
)  # fmt: skip


def network_of_carrier(carrier_name: str | None, allowed: tuple[str, ...] = ()) -> str | None:
    """Kotani's network for a carrier name, if it is one ``allowed`` (all when empty)."""
    lowered = (carrier_name or "").lower()
    if not lowered:
        return None
    for fragment, network in CARRIER_NETWORKS:
        if fragment in lowered and (not allowed or network in allowed):
            return network
    return None
