"""Bank, till, paybill and Lightning cash-outs, and the QR conventions per chain."""

from __future__ import annotations

from tests.e2e.flows import POLYGON_WALLET, TRON_WALLET, to_recipient
from tests.e2e.harness import Harness, decode_qr


async def test_cash_out_to_a_bank_account(bot: Harness) -> None:
    user = bot.user(1002)
    await to_recipient(user)
    await user.press("Bank account")
    assert "Choose the bank" in user.last_text
    await user.send("equ")  # search
    await user.press("Equity Bank")
    await user.send("12")  # too short
    assert "5 to 20 digits" in user.last_text
    await user.send("1000000001")
    await user.send("Jane Mary Doe")
    assert "Which wallet will you send from" in user.last_text
    assert "Skip" not in user.buttons(user.last_with_buttons())  # no cash-out without the sender address
    await user.send(TRON_WALLET)
    assert "Equity Bank 1000000001 (Jane Mary Doe)" in user.last_text  # as typed: the owner sees a typo
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(1002)
    state = await bot.sandbox.state(offramp.reference_id)
    assert state["offramp"]["senderAddress"] == TRON_WALLET
    assert offramp.recipient_id is not None
    kept = await bot.services.storage.recipients.get(offramp.recipient_id, 1002)
    assert kept and (kept.kind, kept.destination, kept.bank_code) == ("bank", "1000000001", "68")


async def test_bank_account_that_cannot_receive_is_refused(bot: Harness) -> None:
    user = bot.user(1003)
    await to_recipient(user)
    await user.press("Bank account")
    await user.press("Equity Bank")
    await user.send("1000000003")  # frozen in the sandbox
    await user.send("Jane Mary Doe")
    assert "could not be verified" in user.chat[-2].text  # type: ignore[operator]
    assert "account number" in user.last_text


async def test_cash_out_to_a_till(bot: Harness) -> None:
    user = bot.user(1004)
    await to_recipient(user)
    await user.press("Till")
    await user.send("12")
    assert "5 to 7 digits" in user.last_text
    await user.send("100001")
    assert "ACME TRADING LIMITED" in user.last_text
    await user.press("Yes")
    await user.send(TRON_WALLET)
    assert "Till 100001 (ACME TRADING LIMITED)" in user.last_text
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(1004)
    assert offramp.status == "PENDING"


async def test_cash_out_to_a_paybill(bot: Harness) -> None:
    user = bot.user(1005)
    await to_recipient(user)
    await user.press("Paybill")
    await user.send("100001")
    await user.send("ACC-778")
    await user.press("Yes")
    await user.send(TRON_WALLET)
    assert "Paybill 100001 acc. ACC-778" in user.last_text
    await user.press("Confirm")
    assert len(await bot.services.storage.offramps.for_user(1005)) == 1


async def test_cash_out_over_lightning(bot: Harness) -> None:
    user = bot.user(1006)
    await user.send("/cashout")
    await user.press("Kenya")
    await user.press("Lightning")
    assert "How many sats" in user.last_text
    await user.send("1500.5")
    assert "whole numbers" in user.last_text
    [quote] = await user.send("200000")
    assert "You send: <b>200,000 sats</b>" in (quote.text or "")
    await user.press("Confirm")
    await user.press("Mobile money")
    await user.send("+254700000002")
    await user.press("Yes")
    assert "Refund invoice (optional)" in user.last_text and "exactly 200,000 sats" in user.last_text
    await user.press("Skip")
    assert "a Lightning invoice we ask for if needed" in user.last_text
    messages = await user.press("Confirm")
    deposit = next(m for m in messages if m.text and "Lightning invoice" in m.text)
    photo = next(m for m in messages if m.photo)
    [offramp] = await bot.services.storage.offramps.for_user(1006)
    assert offramp.crypto_amount == 200000000  # msat, Kotani's MSAT unit
    assert offramp.escrow_address and offramp.escrow_address.startswith("lnbc2m")
    assert f"<code>{offramp.escrow_address}</code>" in (deposit.text or "")
    assert decode_qr(photo.photo or b"") == "lightning:" + offramp.escrow_address.upper()


async def test_evm_token_qr_follows_eip681(bot: Harness) -> None:
    user = bot.user(1007)
    await to_recipient(user, token="USDC · Polygon", amount="12.5")
    await user.press("Mobile money")
    await user.send("0700000001")
    await user.press("Yes")
    await user.send(POLYGON_WALLET)
    messages = await user.press("Confirm")
    photo = next(m for m in messages if m.photo)
    [offramp] = await bot.services.storage.offramps.for_user(1007)
    assert decode_qr(photo.photo or b"") == (
        "ethereum:0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359@137/transfer"
        f"?address={offramp.escrow_address}&uint256=12500000"
    )


async def test_lightning_refund_invoice_given_up_front_goes_into_refund_config(bot: Harness) -> None:
    from kotani_sandbox.lightning import make_invoice

    created = int(bot.clock().timestamp())
    user = bot.user(1008)
    await to_recipient(user, token="Lightning", amount="1500")
    await user.press("Mobile money")
    await user.send("0700000001")
    await user.press("Yes")
    await user.send(make_invoice(1_400_000, network="bc", created_at=created, expiry=86400, description="x"))
    assert "exactly 1,500 sats" in user.last_text
    await user.send(make_invoice(1_500_000, network="bc", created_at=created, expiry=600, description="x"))
    assert "expires too soon" in user.last_text  # valid for ten minutes: too short, not "expired"
    good = make_invoice(1_500_000, network="bc", created_at=created, expiry=86400, description="refund")
    await user.send("lightning:" + good.upper())
    assert "your Lightning invoice" in user.last_text
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(1008)
    request = next(r for r in bot.sandbox.app.engine.offramps.values() if r.reference_id == offramp.reference_id)
    assert request.refund_config is not None and request.refund_config["bolt11"] == good
    assert request.refund_config["amount_msat"] == 1_500_000
