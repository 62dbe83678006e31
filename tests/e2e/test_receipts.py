"""A receipt when a payout is delivered (#14): a PNG image with amounts, rate, fee, recipient,
references and times, in the customer's language, sent right after "Delivered", and again on
🧾 Receipt for the owner only. The PNG is decoded here: its size, that it is a real picture,
and the lines it carries as text chunks."""

from __future__ import annotations

import io

from PIL import Image

from bot.local_telegram import SentMessage
from tests.e2e.flows import TRON_WALLET, full_cashout, to_recipient
from tests.e2e.harness import Harness


def decoded(message: SentMessage) -> tuple[Image.Image, dict[str, str]]:
    assert message.photo, "a photo was sent"
    image = Image.open(io.BytesIO(message.photo))
    image.load()
    assert image.format == "PNG"
    return image, {key: str(value) for key, value in image.text.items()}  # type: ignore[attr-defined]


def photos(live: Harness, user_id: int) -> list[SentMessage]:
    """The receipts in a chat (English or French caption)."""
    return [
        m
        for m in live.telegram.chat(user_id)
        if m.photo and m.caption and ("Receipt" in m.caption or "Reçu" in m.caption)
    ]


async def test_a_delivered_payout_comes_with_a_receipt_image_the_owner_can_ask_for_again(live: Harness) -> None:
    user = live.user(8201)
    reference = await full_cashout(user)
    await live.sandbox.deposit(reference)
    await live.sandbox.run_until_settled(reference)
    await live.notified(8201, "Delivered!")
    await live.until(lambda: len(photos(live, 8201)) == 1, "the receipt after Delivered")
    [receipt] = photos(live, 8201)
    chat = live.telegram.chat(8201)
    delivered = next(m for m in chat if m.text and "Delivered!" in m.text)
    assert chat.index(receipt) > chat.index(delivered)  # right after the notice, not before
    assert f"Receipt for cash-out {reference}: 1,269 KES delivered to M-PESA" in (receipt.caption or "")
    image, text = decoded(receipt)
    assert image.size[0] == 900 and image.size[1] > 500
    assert len(image.convert("L").getcolors(maxcolors=1 << 20) or []) > 2  # drawn on, not a blank page
    offramp = await live.services.storage.offramps.get(reference)
    assert offramp is not None and offramp.transaction_hash
    assert text["receipt_reference"] == f"Payout reference: {reference}"
    assert text["receipt_sent"] == "You sent: 10 USDT"
    assert text["receipt_received"] == "Recipient received: 1,269 KES"
    assert text["receipt_fee"].startswith("Fee: ") and text["receipt_fee"].endswith(" KES")
    assert text["receipt_rate"].startswith("Rate: 1 USDT = ") and text["receipt_rate"].endswith(" KES")
    assert "M-PESA" in text["receipt_recipient"]
    assert text["receipt_deposit"] == f"Deposit transaction: {offramp.transaction_hash}"
    assert text["receipt_created"].endswith("UTC") and text["receipt_delivered"].endswith("UTC")

    card = next(m for m in chat if m.message_id == offramp.status_message_id)
    await live.until(lambda: "🧾 Receipt" in user.buttons(card), "a receipt button on the card")
    await user.press_data(f"t:rc:{reference}", card)
    again = photos(live, 8201)
    assert len(again) == 2 and decoded(again[1])[1] == text

    stranger = live.user(8299)
    await stranger.send("/start")
    before = len(live.telegram.chat(8299))
    await stranger.press_data(f"t:rc:{reference}", card)
    assert not any(m.photo for m in live.telegram.chat(8299)[before:])  # not theirs: no receipt
    assert any("not" in (a.get("text") or "").lower() for a in live.telegram.answered_callbacks[-1:])


async def test_no_receipt_for_a_cash_out_not_delivered(live: Harness) -> None:
    user = live.user(8202)
    reference = await full_cashout(user)
    await user.press_data(f"t:rc:{reference}")
    assert not any(m.photo and m.caption and "Receipt" in m.caption for m in user.chat)
    assert "only available for a delivered" in (live.telegram.answered_callbacks[-1].get("text") or "")


async def test_the_receipt_is_in_the_customers_language(live: Harness) -> None:
    live.telegram.languages[8203] = "fr"
    user = live.user(8203)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0700000001")
    await user.press("Oui")
    await user.send(TRON_WALLET)
    await user.press("Confirmer")
    [offramp] = await live.services.storage.offramps.for_user(8203)
    await live.sandbox.deposit(offramp.reference_id)
    await live.sandbox.run_until_settled(offramp.reference_id)
    await live.until(lambda: len(photos(live, 8203)) == 1, "the receipt")
    [receipt] = photos(live, 8203)
    assert "Reçu du retrait" in (receipt.caption or "")
    _, text = decoded(receipt)
    assert text["receipt_sent"] == "Vous avez envoyé : 10 USDT"
    assert text["receipt_received"] == "Reçu par le bénéficiaire : 1\u202f269 KES"
    assert text["Language"] == "fr"
