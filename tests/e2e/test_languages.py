"""The customer's language, end to end: picked up from Telegram on first contact, changeable
at any time, used for the whole cash-out and for notifications sent later from webhooks."""

from __future__ import annotations

import pytest

from tests.e2e.flows import TRON_WALLET, deliver, to_recipient
from tests.e2e.harness import Harness, decode_qr

#: each step as (what the user does, what the bot's latest message then says), per language
JOURNEYS = {
    "sw": [("/start", "Karibu Kotani"), ("press:Toa pesa", "Pesa ziende wapi"), ("press:Kenya", "Utatuma crypto gani"),
           ("press:USDT · Tron", "Utatuma USDT kiasi gani"), ("10", "Mpokeaji atapata: <b>1,269 KES</b>"),
           ("press:Thibitisha", "Nani atapokea pesa"), ("press:Pesa za simu", "namba ya pesa za simu"),
           ("0700000001", "Jina lililosajiliwa kwa namba hii: <b>Jane M. D.</b>"), ("press:Ndiyo", "Utatuma kutoka pochi gani"),
           (TRON_WALLET, "Tafadhali kagua"), ("press:Thibitisha", "Tuma 10 USDT kamili")],
    "fr": [("/start", "Bienvenue sur Kotani"), ("press:Retirer", "Où l'argent doit-il aller"),
           ("press:Kenya", "Quelle crypto"), ("press:USDT · Tron", "Quel montant en USDT"),
           ("10", "Le bénéficiaire recevra : <b>1\u202f269 KES</b>"), ("press:Confirmer", "Qui recevra l'argent"),
           ("press:Mobile Money", "numéro Mobile Money"), ("0700000001", "Nom enregistré pour ce numéro : <b>Jane M. D.</b>"),
           ("press:Oui", "Depuis quel portefeuille"), (TRON_WALLET, "Vérifiez et confirmez"),
           ("press:Confirmer", "Envoyez exactement 10 USDT")],
}  # fmt: skip


@pytest.mark.parametrize("language", ["sw", "fr"])
async def test_a_whole_cash_out_in_the_users_language(bot: Harness, language: str) -> None:
    user_id = 9900 + len(language) + (0 if language == "sw" else 1)
    bot.telegram.languages[user_id] = language
    user = bot.user(user_id)
    for action, expected in JOURNEYS[language]:
        if action.startswith("press:"):
            await user.press(action.removeprefix("press:"))
        else:
            await user.send(action)
        latest = next(m.text for m in reversed(user.chat) if m.text and not m.text.startswith("⏳"))
        assert expected in latest, (action, latest)
    photo = next(m for m in user.chat if m.photo)
    [offramp] = await bot.services.storage.offramps.for_user(user_id)
    assert decode_qr(photo.photo or b"") == offramp.escrow_address
    stored = await bot.services.storage.users.get(user_id)
    assert stored is not None and stored.language == language


async def test_switching_language_in_the_middle_of_a_cash_out(bot: Harness) -> None:
    user = bot.user(9910)
    await user.send("/cashout")
    await user.press("Kenya")
    await user.send("/language")
    assert "Choose your language" in user.last_text
    said = await user.press("Kiswahili")
    assert any("Kiswahili" in (m.text or "") for m in user.chat[-3:])
    assert said and "Utatuma crypto gani" in user.last_text  # the question on screen, asked again in Kiswahili
    await user.press("USDT · Tron")  # the conversation carries on where it was
    assert "Utatuma USDT kiasi gani" in (user.last_with_buttons().text or "")
    [quote] = await user.send("10")
    assert "Bei yako" in (quote.text or "")


async def test_an_unsupported_telegram_language_gets_english(bot: Harness) -> None:
    bot.telegram.languages[9920] = "de"
    user = bot.user(9920)
    await user.send("/start")
    assert "Welcome to Kotani Cash-out" in user.last_text
    stored = await bot.services.storage.users.get(9920)
    assert stored is not None and stored.language == "en"


async def test_notifications_from_webhooks_use_the_stored_language(live: Harness) -> None:
    live.telegram.languages[9930] = "fr"
    user = live.user(9930)
    await to_recipient(user)
    await user.press("Mobile money")
    await user.send("0700000001")
    await user.press("Oui")
    await user.send(TRON_WALLET)
    await user.press("Confirmer")
    [offramp] = await live.services.storage.offramps.for_user(9930)
    await live.sandbox.deposit(offramp.reference_id)
    await live.sandbox.run_until_settled(offramp.reference_id)
    await live.notified(9930, "Nous avons reçu vos 10 USDT")
    [done] = await live.notified(9930, "Versé !")
    assert "1\u202f269 KES est arrivé chez M-PESA" in (done.text or "")


async def test_countries_are_named_in_the_users_language_never_by_iso_code(bot: Harness) -> None:
    """#14 items 5, 6: Babel's names on the country buttons and in the questions and refusals."""
    bot.telegram.languages[9940] = "fr"
    user = bot.user(9940)
    await user.send("/cashout")
    labels = user.buttons(user.last_with_buttons())
    assert any("Sénégal" in label for label in labels) and any("Cameroun" in label for label in labels), labels
    assert not any("Senegal " in label or "Cameroon" in label for label in labels), labels
    await user.press("Côte d")
    await user.press("USDT · Tron")
    await user.send("10")
    await user.press("Confirmer")
    await user.press("Mobile Money")
    assert "(pays : Côte d’Ivoire)" in user.last_text and "au/en" not in user.last_text, user.last_text
    await user.send("+254700000001")
    refusal = user.last_text
    assert "Pays du numéro : Kenya ; pays choisi : Côte d’Ivoire" in refusal, refusal
    assert " KE" not in refusal and " CI" not in refusal


async def test_a_name_check_that_cannot_be_done_is_explained_in_the_users_language(bot: Harness) -> None:
    """#14 item 6: the provider's own words ("The sandbox has no registered name…") are not shown."""
    bot.telegram.languages[9941] = "sw"
    user = bot.user(9941)
    await user.send("/cashout")
    labels = user.buttons(user.last_with_buttons())
    assert any("Kameruni" in label for label in labels) and any("Senegali" in label for label in labels), labels
    await user.press("Kenya")
    await user.press("USDT · Tron")
    await user.send("10")
    await user.press("Thibitisha")
    await user.press("Pesa za simu")
    await user.send("0700000004")  # Kotani: name look-up UNSUPPORTED for this network
    said = " ".join(m.text or "" for m in user.chat[-3:])
    assert "Hatukuweza kukagua jina lililosajiliwa kwa namba hii: mtandao huu hautoi majina yaliyosajiliwa." in said
    assert "Name lookup" not in said and "not available" not in said
    await user.send("/cancel")
    await user.send("/cashout")
    await user.press("Kenya")
    await user.press("USDT · Tron")
    await user.send("10")
    await user.press("Thibitisha")
    await user.press("Pesa za simu")
    await user.send("0700000009")  # no registered name in the sandbox
    said = " ".join(m.text or "" for m in user.chat[-3:])
    assert "sandbox" not in said.lower(), said


async def test_saved_recipients_show_the_country_name(bot: Harness) -> None:
    bot.telegram.languages[9942] = "fr"
    user = bot.user(9942)
    await to_recipient(user)
    await user.press("Mobile Money")
    await user.send("0700000001")
    await user.press("Oui")
    await user.send(TRON_WALLET)
    await user.press("Confirmer")
    [offramp] = await bot.services.storage.offramps.for_user(9942)
    await deliver(bot, offramp.reference_id)  # a recipient is saved once a cash-out to it is delivered
    await user.send("/start")
    await user.press("Bénéficiaires enregistrés")
    listed = " ".join([user.last_text, *user.buttons(user.last_with_buttons())])
    assert "🇰🇪" in listed and "(KE)" not in listed, listed
