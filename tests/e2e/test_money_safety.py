"""Issue #12, end to end: the customer always funds the payout, every refund attempt is its own
event, and one person's cash-outs in two chats never cross."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Sandbox
from tests.e2e.flows import POLYGON_WALLET, TRON_WALLET, deliver, full_cashout, mpesa_recipient, to_recipient
from tests.e2e.harness import Harness, SentMessage, User, bot_world

OPS_CHAT = -100700
OTHER_TRON_WALLET = "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"  # checksummed


@pytest.fixture
async def ops(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Harness]:
    async with bot_world(sandbox, tmp_path, live=True, extra_env={"OPS_CHAT_ID": str(OPS_CHAT)}) as harness:
        yield harness


# --- the customer always funds the payout ------------------------------------------------


async def test_an_on_chain_cash_out_needs_the_senders_address_and_offers_it_next_time(bot: Harness) -> None:
    user = bot.user(12001)
    await to_recipient(user)
    await mpesa_recipient(user)
    prompt = user.last_with_buttons()
    assert "Which wallet will you send from" in (prompt.text or "")
    assert "exchange" in (prompt.text or "")  # why: a withdrawal from an exchange comes from its address
    assert user.buttons(prompt) == ["⬅️ Back", "✖️ Cancel"]  # no Skip, nothing saved yet
    await user.send("not an address")
    assert "not a valid Tron address" in user.last_text
    await user.send(TRON_WALLET)
    assert "Confirm" in " ".join(user.buttons(user.last_with_buttons()))
    await user.press("Confirm")
    [first] = await bot.services.storage.offramps.for_user(12001)
    assert (await bot.sandbox.state(first.reference_id))["offramp"]["senderAddress"] == TRON_WALLET
    await deliver(bot, first.reference_id)  # the recipient is saved once delivered (#14 item 9)

    # next time the address is one tap away, and the offramp carries it
    await to_recipient(user, amount="12")
    await user.press("M-PESA +254700000001")  # the saved recipient, in full in the owner's chat
    prompt = user.last_with_buttons()
    assert "Or tap an address you sent from before" in (prompt.text or "")
    label = f"{TRON_WALLET[:6]}…{TRON_WALLET[-4:]}"
    assert label in user.buttons(prompt)
    await user.press(label)
    assert "Confirm" in " ".join(user.buttons(user.last_with_buttons()))
    await user.press("Confirm")
    latest, _ = await bot.services.storage.offramps.for_user(12001)
    assert (await bot.sandbox.state(latest.reference_id))["offramp"]["senderAddress"] == TRON_WALLET


async def test_a_saved_address_of_another_chain_or_person_is_not_usable(bot: Harness) -> None:
    owner, other = bot.user(12011), bot.user(12012)
    await to_recipient(owner, token="USDT · Polygon")
    await mpesa_recipient(owner)
    await owner.send(POLYGON_WALLET)
    await owner.press("Confirm")
    [saved] = await bot.services.storage.sender_addresses.for_owner(12011, "POLYGON")

    await to_recipient(owner)  # Tron: the Polygon address is not offered
    await mpesa_recipient(owner)
    assert owner.buttons(owner.last_with_buttons()) == ["⬅️ Back", "✖️ Cancel"]
    await owner.press_data(f"c:sa:{saved.id}")  # an old button from the Polygon cash-out
    assert "did not understand" in owner.chat[-1].text or "Which wallet" in owner.last_text  # type: ignore[operator]
    assert "Which wallet will you send from" in owner.last_text

    await to_recipient(other)
    await mpesa_recipient(other)
    await other.press_data(f"c:sa:{saved.id}")  # someone else's address id
    assert "Which wallet will you send from" in other.last_text
    assert await bot.services.storage.offramps.for_user(12012) == []


async def test_an_old_skip_button_at_the_address_step_creates_nothing(bot: Harness) -> None:
    user = bot.user(12002)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.press_data("c:skip")  # from a chat opened before the address was required
    assert "Which wallet will you send from" in user.last_text
    assert "Confirm" not in " ".join(user.buttons(user.last_with_buttons()))
    assert await bot.services.storage.offramps.for_user(12002) == []


async def test_an_agent_is_never_offered_another_customers_address(sandbox: Sandbox, tmp_path: Path) -> None:
    async with bot_world(sandbox, tmp_path, extra_env={"ADMIN_IDS": "12020"}) as desk:
        admin = desk.user(12020)
        await admin.send("/agents")
        await admin.press("Add agent")
        await admin.send("12021")
        agent = desk.user(12021)
        await to_recipient(agent, start="/forcustomer")
        await mpesa_recipient(agent)
        await agent.send(TRON_WALLET)
        await agent.press("Confirm")
        await to_recipient(agent, start="/forcustomer")
        await mpesa_recipient(agent, "0700000002")
        assert agent.buttons(agent.last_with_buttons()) == ["⬅️ Back", "✖️ Cancel"]
        assert await desk.services.storage.sender_addresses.for_owner(12021, "TRON") == []


async def test_lightning_is_not_offered_when_switched_off(sandbox: Sandbox, tmp_path: Path) -> None:
    async with bot_world(sandbox, tmp_path, extra_env={"LIGHTNING_CASHOUTS": "0"}) as off:
        user = off.user(12003)
        await user.send("/cashout")
        await user.press("Kenya")
        assert not any("Lightning" in label for label in user.buttons(user.last_with_buttons()))
        await user.press_data("c:tk:LIGHTNING:MSAT")  # an old button, or a hand-made one
        assert "Lightning cash-outs are not available" in user.last_text
        assert "Which crypto will you send" in user.last_text


# --- every refund attempt is its own event --------------------------------------------------


async def test_a_refund_that_fails_again_after_a_retry_is_reported_and_alerted(ops: Harness) -> None:
    user = ops.user(12004)
    reference = await full_cashout(user, phone="0700000010")  # the payout fails
    await ops.sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 100})
    await ops.sandbox.deposit(reference)
    await ops.sandbox.run_until_settled(reference)
    [first] = await ops.notified(12004, "The refund failed")
    await ops.notified(OPS_CHAT, reference)
    ops_alerts_before = len(_mentions(ops, OPS_CHAT, reference))

    await user.press_data(f"r:retry:{reference}", first)
    assert "being retried" in user.last_text
    await ops.sandbox.run_until_settled(reference)
    await ops.notified(12004, "The refund failed", count=2)  # the second failure is news, not a duplicate
    await ops.until(lambda: len(_mentions(ops, OPS_CHAT, reference)) > ops_alerts_before, "a second ops alert")
    offramp = await ops.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "REFUND_FAILED" and offramp.refund_attempt == 1

    # a third attempt that works ends it, once
    await ops.sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 0})
    await user.press_data(f"r:retry:{reference}", first)
    await ops.sandbox.run_until_settled(reference)
    await ops.notified(12004, "Refunded")
    await ops.drain()
    assert sum("The refund failed" in (m.text or "") for m in user.chat) == 2
    assert sum("Refunded" in (m.text or "") for m in user.chat) == 1


async def test_a_status_check_that_finds_the_refund_failed_again_is_applied(ops: Harness) -> None:
    """The webhook of the second failure is lost; the customer's own status check finds it."""
    user = ops.user(12005)
    reference = await full_cashout(user, phone="0700000010")
    await ops.sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 100})
    await ops.sandbox.deposit(reference)
    await ops.sandbox.run_until_settled(reference)
    [failed] = await ops.notified(12005, "The refund failed")
    await user.send(f"/status {reference}")  # the first failure, as a status check reads it
    assert "refund failed" in user.last_text.lower()
    await user.press_data(f"r:retry:{reference}", failed)
    await ops.sandbox.configure(hold_webhooks=True)  # Kotani's next deliveries never arrive
    await ops.sandbox.run_until_settled(reference)
    await user.send(f"/status {reference}")
    assert "refund failed" in user.last_text.lower()
    offramp = await ops.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.status == "REFUND_FAILED"
    await ops.until(lambda: len(_mentions(ops, OPS_CHAT, reference)) >= 2, "an ops alert for the second failure")


def _mentions(harness: Harness, chat: int, reference: str) -> list[SentMessage]:
    return [m for m in harness.telegram.chat(chat) if reference in (m.text or "")]


# --- one person, two chats --------------------------------------------------------------------


GROUP = -100800


class InGroup(User):
    """The same person, typing in a group chat instead of their private chat."""

    @property
    def chat(self) -> list[SentMessage]:
        return self.harness.telegram.chat(GROUP)

    async def send(self, text: str) -> list[SentMessage]:
        update: dict[str, Any] = self.harness.telegram.user_message(self.id, text)
        update["message"]["chat"] = {"id": GROUP, "type": "group", "title": "Family"}
        return await self._run(update)


async def test_two_chats_of_one_person_keep_their_own_drafts(bot: Harness) -> None:
    private, group = bot.user(12006), InGroup(bot, 12006)
    await to_recipient(private, amount="10")
    await mpesa_recipient(private, "0700000001")
    await private.send(TRON_WALLET)
    await to_recipient(group, amount="20")
    await mpesa_recipient(group, "0700000002")
    await group.send(OTHER_TRON_WALLET)
    assert "10 USDT" in private.last_text and "20 USDT" in group.last_text

    await private.press("Confirm")
    [made] = await bot.services.storage.offramps.for_user(12006)
    assert made.crypto_amount == 10 and made.chat_id == 12006
    assert await _destination(bot, made.recipient_id) == "+254700000001"
    assert (await bot.sandbox.state(made.reference_id))["offramp"]["senderAddress"] == TRON_WALLET

    await group.press("Confirm")
    latest, _ = await bot.services.storage.offramps.for_user(12006)
    assert latest.crypto_amount == 20 and latest.chat_id == GROUP
    assert await _destination(bot, latest.recipient_id) == "+254700000002"
    assert (await bot.sandbox.state(latest.reference_id))["offramp"]["senderAddress"] == OTHER_TRON_WALLET
    assert any("Send exactly" in (m.text or "") for m in group.chat)


async def _destination(harness: Harness, recipient_id: int | None) -> str | None:
    assert recipient_id is not None
    recipient = await harness.services.storage.recipients.get(recipient_id, 12006)
    return recipient.destination if recipient else None


# --- the flow's own Cancel button works at every step (found on the way; issue #14 item 1) ----


@pytest.mark.parametrize("steps", [0, 1, 2, 5])
async def test_the_cancel_button_ends_the_cash_out_at_every_step(bot: Harness, steps: int) -> None:
    user = bot.user(12100 + steps)
    walk = [
        lambda: user.send("/cashout"),
        lambda: user.press("Kenya"),
        lambda: user.press("USDT · Tron"),
        lambda: user.send("10"),
        lambda: user.press("Confirm"),
        lambda: mpesa_recipient(user),
        lambda: user.send(TRON_WALLET),
    ]
    for step in walk[: steps + 1 if steps < 5 else len(walk)]:
        await step()
    await user.press("Cancel")
    assert "did not understand" not in user.last_text
    assert any("nothing was created" in (m.text or "") for m in user.chat[-2:])
    assert "Cash out" in " ".join(user.buttons(user.last_with_buttons()))  # back at the main menu
    await user.send("10")  # no longer an answer to any step
    assert await bot.services.storage.offramps.for_user(user.id) == []


async def test_a_cash_out_whose_deposit_is_on_its_way_cannot_be_cancelled(live: Harness) -> None:
    """The sandbox refuses the cancel once a deposit is seen (#12 item 6); the customer is told
    why in plain words and the crypto is paid out, never lost."""
    user = live.user(12200)
    reference = await full_cashout(user)
    await live.sandbox.deposit(reference)  # seen on-chain, still confirming: Kotani still says PENDING
    await user.press_data(f"t:cx:{reference}")  # an old card's Cancel: Kotani still says PENDING
    card = next(m for m in user.chat if m.text and reference in m.text and "Status:" in m.text)
    assert "deposit seen, confirming" in (card.text or "")  # the card says what is happening
    assert "Send exactly" not in (card.text or "") and "Cancel" not in user.buttons(card)
    assert any(
        "cannot be cancelled any more. Your crypto is already on its way" in (m.text or "") for m in user.chat[-3:]
    )
    await live.sandbox.run_until_settled(reference)
    await live.notified(12200, "Delivered!")


async def test_a_token_contract_or_a_typo_is_never_taken_as_the_senders_wallet(bot: Harness) -> None:
    """Found by a stranger: the USDT contract passed every check, and a refund there is lost."""
    user = bot.user(12300)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")  # USDT's TRC-20 contract
    assert "address of the USDT token itself, not a wallet" in user.last_text
    await user.send(TRON_WALLET[:-1] + ("a" if TRON_WALLET[-1] != "a" else "b"))  # one character wrong
    assert "wrong character somewhere" in user.last_text
    await user.send(TRON_WALLET)
    assert "Please check and confirm" in user.last_text
