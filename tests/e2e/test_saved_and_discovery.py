from __future__ import annotations

from kotani.client import KotaniClient, KotaniConfig
from offramps.corridors import KNOWN_CORRIDORS, CorridorDirectory
from tests.e2e.flows import TRON_WALLET, deliver, full_cashout, to_recipient
from tests.e2e.harness import Harness


async def test_a_saved_recipient_is_offered_next_time(bot: Harness) -> None:
    user = bot.user(6001)
    await deliver(bot, await full_cashout(user))  # saved once a cash-out to it was delivered
    await to_recipient(user)
    assert "M-PESA +254700000001 (Jane M. D.)" in user.buttons(user.last_with_buttons())  # the owner sees it in full
    await user.press("M-PESA +254700000001")
    await user.send(TRON_WALLET)
    assert "M-PESA +254700000001 (Jane M. D.)" in user.last_text
    await user.press("Confirm")
    assert len(await bot.services.storage.offramps.for_user(6001)) == 2
    assert len(await bot.services.storage.recipients.for_owner(6001)) == 1


async def test_when_discovery_fails_the_known_corridors_are_offered() -> None:
    async with KotaniClient(KotaniConfig(base_url="http://127.0.0.1:9", api_key="k", max_attempts=1)) as kotani:
        corridors, live = await CorridorDirectory(kotani).list()
    assert not live and corridors == KNOWN_CORRIDORS
