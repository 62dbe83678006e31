"""The cash-out as a person moves through it: amounts, Back and Edit, choices remembered,
saved recipients, send again (issue #14 items 4, 7, 8, 9)."""

from __future__ import annotations

from tests.e2e.flows import TRON_WALLET, mpesa_recipient, to_recipient
from tests.e2e.harness import Harness


async def test_an_expired_rate_with_the_same_numbers_is_not_announced_as_updated(bot: Harness) -> None:
    user = bot.user(14001)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    bot.clock.advance(3600)  # the quote expired while the customer read the summary
    await user.press("Confirm")
    assert all("rate was updated" not in (m.text or "") for m in user.chat)
    assert any("Reference:" in (m.text or "") for m in user.chat)  # same numbers: created at once
