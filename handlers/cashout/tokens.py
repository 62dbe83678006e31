"""Which tokens and networks can be chosen here, and the choices a person made last time
(offered first)."""

from __future__ import annotations

from handlers.cashout.draft import CashDraft
from handlers.common import Context
from kotani.chains import Chain
from offramps.corridors import TOKEN_CHOICES
from offramps.services import Services
from ui.texts import raw


def token_label(chain: str, token: str) -> str:
    return raw("btn_lightning") if chain == Chain.LIGHTNING else token


def chains_for(svc: Services, token: str) -> list[Chain]:
    return [chain for chain, tk in token_choices(svc) if tk == token]


def token_choices(svc: Services) -> tuple[tuple[Chain, str], ...]:
    """What can be cashed out here: Lightning only where the operator switched it on
    (``LIGHTNING_CASHOUTS``: the contract leaves open who funds a Lightning offramp)."""
    if svc.settings.lightning_cashouts:
        return TOKEN_CHOICES
    return tuple((chain, token) for chain, token in TOKEN_CHOICES if chain is not Chain.LIGHTNING)


def marked(label: str, chosen: bool) -> str:
    """A choice made before (Back, or the last cash-out) is shown ticked."""
    return f"✓ {label}" if chosen else label


def remembered(context: Context) -> dict[str, str]:
    """The country, network and token of this person's last cash-out, offered first next time."""
    assert context.user_data is not None
    value = context.user_data.get("last_choice")
    return dict(value) if isinstance(value, dict) else {}


def remember_choice(context: Context, cash: CashDraft) -> None:
    assert context.user_data is not None
    context.user_data["last_choice"] = {"country": cash["country"], "chain": cash["chain"], "token": cash["token"]}
