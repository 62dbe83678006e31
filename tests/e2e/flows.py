"""Steps shared by the end-to-end tests."""

from __future__ import annotations

from tests.e2e.harness import Harness, User

TRON_WALLET = "TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up"  # a checksummed Tron address (not a token contract)
POLYGON_WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


async def to_amount(user: User, *, start: str = "/cashout", country: str = "Kenya", token: str = "USDT · Tron") -> None:
    """``start``: ``/cashout``, or ``/forcustomer`` for an agent's walk-in customer."""
    await user.send(start)
    await user.press(country)
    await user.press(token)


async def to_recipient(
    user: User, *, start: str = "/cashout", country: str = "Kenya", token: str = "USDT · Tron", amount: str = "10"
) -> None:
    await to_amount(user, start=start, country=country, token=token)
    await user.send(amount)
    await user.press("Confirm")  # also matches the French "Confirmer"


async def mpesa_recipient(user: User, phone: str = "0700000001") -> None:
    """Add a mobile money recipient; reserved payout numbers have no registered name, so type one."""
    await user.press("Mobile money")
    await user.send(phone)
    if "full name" in user.last_text:
        await user.send("Jane Doe")
    else:
        await user.press("Yes")


async def failing_lightning_cashout(user: User, *, phone: str = "0700000013", start: str = "/cashout") -> None:
    """Confirm a 1,500-sat Lightning cash-out to a number whose payout fails, with no refund
    invoice given up front (so Kotani will ask for one)."""
    await to_recipient(user, start=start, token="Lightning", amount="1500")
    await user.press("Mobile money")
    await user.send(phone)
    await user.send("Jane Doe")  # reserved payout numbers have no registered name
    await user.press("Skip")
    await user.press("Confirm")


async def full_cashout(user: User, *, phone: str = "0700000001", amount: str = "10") -> str:
    """Create one offramp to M-PESA; returns its reference."""
    await to_recipient(user, amount=amount)
    await mpesa_recipient(user, phone)
    await user.send(TRON_WALLET)
    await user.press("Confirm")
    text = next(m.text for m in reversed(user.chat) if m.text and "Reference:" in m.text)
    return text.split("Reference: <code>")[1].split("</code>")[0]


async def deliver(bot: Harness, reference: str) -> None:
    """The customer's crypto arrives and the payout is delivered; the bot hears of it."""
    await bot.sandbox.deposit(reference)
    await bot.sandbox.run_until_settled(reference)
    offramp = await bot.services.storage.offramps.get(reference)
    assert offramp is not None
    await bot.services.cashouts.refresh(offramp, source="test")
