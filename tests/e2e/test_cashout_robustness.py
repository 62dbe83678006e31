"""Unexpected input at every step gets a re-prompt; nothing is lost across a restart; a
double tap never creates two offramps."""

from __future__ import annotations

import sqlite3

from tests.e2e.flows import TRON_WALLET, mpesa_recipient, to_amount, to_recipient
from tests.e2e.harness import Harness, running_bot

STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]}


async def test_stickers_photos_and_old_buttons_get_the_same_prompt_again(bot: Harness) -> None:
    user = bot.user(3001)
    await user.send("/cashout")
    country_prompt = user.last_with_buttons()
    await user.send_raw(**PHOTO)
    assert "I did not understand that" in user.last_text and "Where should the money go" in user.last_text
    await user.press("Kenya")
    await user.press("USDT · Tron")
    await user.send_raw(**STICKER)
    assert "I did not understand that" in user.last_text and "How much USDT" in user.last_text
    await user.press_data("c:cc:GH", country_prompt)  # a button from an earlier step
    assert "How much USDT" in user.last_text
    await user.press_data("c:tk:TRON:BTC")  # forged data
    assert "How much USDT" in user.last_text
    [quote] = await user.send("10")
    assert "KES" in (quote.text or "")  # still Kenya


async def test_commands_from_other_flows_and_cancel(bot: Harness) -> None:
    user = bot.user(3002)
    await to_amount(user)
    await user.send("/history")
    assert "middle of a cash-out" in user.last_text and "How much USDT" in user.last_text
    await user.send("/cancel")
    assert any("nothing was created" in (m.text or "") for m in user.chat[-3:])
    await user.press_data("c:q:ok")  # a button from the cancelled flow
    assert "no longer works" in user.last_text
    await user.send("hello?")
    assert "I did not understand" in user.last_text and "What would you like to do" in user.last_text


async def test_an_expired_quote_cannot_be_confirmed_and_refreshes_on_request(bot: Harness) -> None:
    user = bot.user(3003)
    await to_amount(user)
    await user.send("10")
    bot.clock.advance(61)
    await user.press("Confirm")
    assert "expired" in user.last_text
    assert "Confirm" not in " ".join(user.buttons(user.last_with_buttons()))
    await user.press("Refresh")
    assert "Your quote" in user.last_text and "Valid for 60 seconds" in user.last_text
    await user.press("Confirm")
    assert "Who gets the money" in user.last_text


async def test_a_quote_that_expired_during_the_recipient_steps_is_refreshed_before_creating(bot: Harness) -> None:
    user = bot.user(3004)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    bot.clock.advance(120)
    bot.sandbox.clock.advance(120)
    await bot.sandbox.configure(fee_percent="3")  # the fresh quote says something else
    await user.press("Confirm")
    assert "rate was updated" in user.last_text
    assert await bot.services.storage.offramps.for_user(3004) == []
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(3004)
    assert offramp.status == "PENDING"


async def test_double_tap_on_confirm_creates_one_offramp(bot: Harness) -> None:
    user = bot.user(3005)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    summary = user.last_with_buttons()
    await user.press_data("c:ok", summary)
    await user.press_data("c:ok", summary)
    assert len(await bot.services.storage.offramps.for_user(3005)) == 1
    listed = await bot.services.kotani.list_offramps()
    assert len([o for o in listed.items if o.reference_id.startswith("tg-3005-")]) == 1


async def test_a_restart_in_the_middle_continues_where_the_user_was(bot: Harness) -> None:
    user = bot.user(3006)
    await to_recipient(user)
    await user.press("Mobile money")
    await bot.application.update_persistence()
    async with running_bot(
        bot.sandbox, bot.db_path.parent / "bot.sqlite3", bot.telegram, bot.telegram_url, bot.clock
    ) as again:
        same_user = again.user(3006)
        await same_user.send("0700000001")
        assert "registered for this number: <b>Jane M. D.</b>" in same_user.last_text
        await same_user.press("Yes")
        await same_user.send(TRON_WALLET)
        await same_user.press("Confirm")
        assert len(await again.services.storage.offramps.for_user(3006)) == 1


async def test_a_confirm_whose_saved_reference_was_lost_finds_the_offramp_made_from_its_quote(bot: Harness) -> None:
    """A crash after the offramp was created but before the step was saved leaves the saved
    draft without its reference; pressing Confirm again must show the same deposit, not make a
    second offramp."""
    user = bot.user(3007)
    await to_recipient(user)
    await mpesa_recipient(user)
    await user.send(TRON_WALLET)
    summary = user.last_with_buttons()
    db = bot.services.storage.db
    saved_position = await db.fetch_all("SELECT name, key, state FROM ptb_conversations")
    saved_draft = await db.fetch_one("SELECT value FROM ptb_data WHERE kind = 'user' AND key = '3007'")
    assert saved_draft is not None and '"reference"' not in saved_draft["value"]
    await user.press("Confirm")
    [offramp] = await bot.services.storage.offramps.for_user(3007)

    def crash_lost_the_last_save(conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT OR REPLACE INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)",
                         [(row["name"], row["key"], row["state"]) for row in saved_position])  # fmt: skip
        conn.execute("INSERT OR REPLACE INTO ptb_data (kind, key, value) VALUES ('user', '3007', ?)",
                     (saved_draft["value"],))  # fmt: skip

    await db.run(crash_lost_the_last_save)
    async with running_bot(
        bot.sandbox, bot.db_path.parent / "bot.sqlite3", bot.telegram, bot.telegram_url, bot.clock
    ) as again:
        same_user = again.user(3007)
        answer = await same_user.press_data("c:ok", summary)
        assert len(await again.services.storage.offramps.for_user(3007)) == 1
        listed = await again.services.kotani.list_offramps()
        assert len([o for o in listed.items if o.reference_id.startswith("tg-3007-")]) == 1
        assert f"Reference: <code>{offramp.reference_id}</code>" in "".join(m.text or "" for m in answer)
