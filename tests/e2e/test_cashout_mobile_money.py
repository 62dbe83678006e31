"""A new customer cashes out USDT on Tron to M-PESA, start to deposit instructions."""

from __future__ import annotations

import html

from tests.e2e.harness import Harness, decode_qr

TRON_WALLET = "TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up"  # a checksummed Tron address (not a token contract)


async def test_cash_out_to_mpesa(bot: Harness) -> None:
    jane = bot.user(1001)
    [welcome] = await jane.send("/start")
    assert "Welcome" in (welcome.text or "")
    await jane.press("Cash out")
    assert "Where should the money go" in jane.last_text
    await jane.press("Kenya")
    await jane.press("USDT · Tron")
    assert "How much USDT" in jane.last_text
    [quote] = await jane.send("10")
    assert quote.text is not None
    assert "You send: <b>10 USDT</b>" in quote.text
    assert "Rate: 1 USDT = 129.5 KES" in quote.text
    assert "Fee: 26 KES" in quote.text
    assert "Recipient gets: <b>1,269 KES</b>" in quote.text
    await jane.press("Confirm")
    await jane.press("Mobile money")
    assert "mobile money number" in jane.last_text
    await jane.send("0700 000 001")
    assert "registered for this number: <b>Jane M. D.</b>" in jane.last_text
    await jane.press("Yes")
    assert "Which wallet will you send from" in jane.last_text
    await jane.send(TRON_WALLET)
    summary = jane.last_text
    assert "M-PESA +254700000001 (Jane M. D.)" in summary
    assert "TJWXuP…r5Up" in summary
    messages = await jane.press("Confirm")
    deposit = next(m for m in messages if m.text and "Send exactly" in m.text)
    photo = next(m for m in messages if m.photo is not None)
    offramps = await bot.services.storage.offramps.for_user(1001)
    assert len(offramps) == 1
    offramp = offramps[0]
    assert offramp.status == "PENDING" and offramp.escrow_address
    assert f"<code>{offramp.escrow_address}</code>" in (deposit.text or "")
    assert "Send exactly 10 USDT</b> on <b>Tron" in (deposit.text or "")
    assert "Only USDT on the Tron network" in (deposit.text or "")
    assert decode_qr(photo.photo or b"") == offramp.escrow_address
    assert offramp.status_message_id == deposit.message_id
    state = await bot.sandbox.state(offramp.reference_id)
    assert state["offramp"]["senderAddress"] == TRON_WALLET
    assert offramp.recipient_id is not None
    kept = await bot.services.storage.recipients.get(offramp.recipient_id, 1001)
    assert kept and (kept.destination, kept.network, kept.holder_name) == ("+254700000001", "MPESA", "JANE MARY DOE")
    assert await bot.services.storage.recipients.for_owner(1001) == []  # saved once delivered, not before
    assert html.unescape(deposit.text or "").count(offramp.reference_id) == 1
