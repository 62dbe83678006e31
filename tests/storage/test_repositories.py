from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from storage import Storage
from storage.models import NewRecipient, QuoteRecord
from tests.storage.conftest import ManualClock


async def test_users_first_seen_roles_language_and_unblock(store: Storage, clock: ManualClock) -> None:
    first = await store.users.touch(42, 42, "fr")
    clock.advance(60)
    await store.users.mark_blocked(42)
    again = await store.users.touch(42, 42, "en")
    assert again.first_seen == first.first_seen and again.last_seen > first.last_seen
    assert again.language == "fr"  # set on first contact; changed only on request
    assert not again.blocked_bot  # writing to us again means they unblocked
    await store.users.set_role(42, "agent")
    await store.users.set_role(7, "admin")  # an admin from ADMIN_IDS who never wrote yet
    assert [u.user_id for u in await store.users.with_role("agent")] == [42]
    with pytest.raises(ValueError, match="unknown role"):
        await store.users.set_role(42, "king")
    await store.users.set_language(42, "sw")
    user = await store.users.get(42)
    assert user is not None and user.language == "sw"


async def test_recipients_are_unique_per_owner_and_destination(store: Storage, clock: ManualClock) -> None:
    jane = NewRecipient(1001, "mobile_money", "KE", "+254700000001", network="MPESA", holder_name="JANE MARY DOE")
    saved = await store.recipients.save(jane)
    clock.advance(10)
    bank = await store.recipients.save(NewRecipient(1001, "bank", "KE", "1000000001", bank_code="68"))
    clock.advance(10)
    again = await store.recipients.save(NewRecipient(1001, "mobile_money", "KE", "+254700000001", customer_key="c1"))
    assert again.id == saved.id and again.customer_key == "c1" and again.holder_name == "JANE MARY DOE"
    assert await store.recipients.for_owner(1001) == []  # saved only once delivered to, or kept on purpose
    await store.recipients.keep(bank.id, 1001)
    await store.recipients.keep(saved.id, 1001)
    assert [r.id for r in await store.recipients.for_owner(1001)] == [saved.id, bank.id]  # first saved first, always
    await store.recipients.rename(bank.id, 1001, "Shop")
    await store.recipients.delete(saved.id, 1001)
    assert [(r.id, r.nickname) for r in await store.recipients.for_owner(1001)] == [(bank.id, "Shop")]
    assert await store.recipients.get(saved.id, owner_id=2002) is None  # not yours
    other = await store.recipients.save(NewRecipient(2002, "mobile_money", "KE", "+254700000001"))
    assert other.id != saved.id


async def test_quotes_round_trip_exactly_and_are_single_use(store: Storage, clock: ManualClock) -> None:
    quote = QuoteRecord(
        "q1", 1001, "USDT", "TRON", Decimal("10.000001"), "KES", Decimal("129.5"), Decimal("26"),
        Decimal("1295"), Decimal("1269"), None, clock(), clock() + timedelta(seconds=60),
    )  # fmt: skip
    await store.quotes.save(quote)
    assert await store.quotes.get("q1", 1001) == quote
    assert await store.quotes.get("q1", 2002) is None
    assert await store.quotes.mark_used("q1")
    assert not await store.quotes.mark_used("q1")


async def test_floats_never_reach_the_database(store: Storage) -> None:
    quote = QuoteRecord(
        "q2", 1001, "USDT", "TRON", 10.5, "KES", Decimal(1), Decimal(1), Decimal(1), Decimal(1), None,  # type: ignore[arg-type]
        store.db.clock(), store.db.clock(),
    )  # fmt: skip
    with pytest.raises(TypeError, match="never float"):
        await store.quotes.save(quote)


async def test_telegram_update_ids_are_taken_once_and_forgotten_after_telegrams_window(
    store: Storage, clock: ManualClock
) -> None:
    assert await store.updates.first_time(501)
    assert not await store.updates.first_time(501)
    clock.advance(24 * 3600)
    assert await store.updates.forget_old() == 0  # Telegram may still redeliver it
    clock.advance(2 * 3600)
    assert await store.updates.forget_old() == 1
