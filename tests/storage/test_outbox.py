"""The outbox: claimed once, ordered per chat, retried with backoff, dead with a reason."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storage import Database, Storage
from storage.outbox import OutboxRepository
from tests.storage.conftest import ManualClock


async def test_concurrent_claimers_never_get_the_same_row(store: Storage) -> None:
    for index in range(200):
        await store.outbox.add(chat_id=index, kind="note", payload={"n": index})
    sent: list[int] = []

    async def sender(name: str) -> None:
        while batch := await store.outbox.claim(name, limit=7):
            for message in batch:
                await asyncio.sleep(0)
                sent.append(message.id)
                await store.outbox.mark_sent(message.id, telegram_message_id=message.id)

    await asyncio.gather(*(sender(f"w{i}") for i in range(10)))
    assert sorted(sent) == list(range(1, 201))
    assert await store.outbox.pending_count() == 0


async def test_several_connections_on_one_file_claim_without_locking_errors(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    databases = [await Database(path).open() for _ in range(4)]
    try:
        repos = [OutboxRepository(db) for db in databases]
        for index in range(120):
            await repos[0].add(chat_id=index, kind="note", payload={})
        claimed: list[int] = []

        async def worker(repo: OutboxRepository, name: str) -> None:
            while batch := await repo.claim(name, limit=5):
                for message in batch:
                    claimed.append(message.id)
                    await repo.mark_sent(message.id)

        await asyncio.gather(*(worker(repo, f"c{i}-{j}") for i, repo in enumerate(repos) for j in range(3)))
        assert sorted(claimed) == list(range(1, 121))
    finally:
        for db in databases:
            await db.close()


async def test_a_chat_reads_its_notifications_in_order(store: Storage) -> None:
    first = await store.outbox.add(chat_id=5, kind="crypto_received", payload={})
    second = await store.outbox.add(chat_id=5, kind="successful", payload={})
    other = await store.outbox.add(chat_id=6, kind="successful", payload={})
    assert [m.id for m in await store.outbox.claim("a")] == [first, other]
    await store.outbox.mark_sent(first)
    assert [m.id for m in await store.outbox.claim("a")] == [second]


async def test_failures_back_off_then_succeed(store: Storage, clock: ManualClock) -> None:
    message_id = await store.outbox.add(chat_id=5, kind="successful", payload={})
    [claimed] = await store.outbox.claim("a")
    assert await store.outbox.mark_failed(claimed.id, "Telegram 502")
    assert await store.outbox.claim("a") == []  # not before its next attempt
    clock.advance(4)
    assert await store.outbox.claim("a") == []
    clock.advance(2)
    [again] = await store.outbox.claim("a")
    assert again.id == message_id and again.attempts == 1 and again.last_error == "Telegram 502"
    await store.outbox.mark_failed(again.id, "flood", retry_after=30)
    clock.advance(29)
    assert await store.outbox.claim("a") == []
    clock.advance(2)
    [third] = await store.outbox.claim("a")
    await store.outbox.mark_sent(third.id, telegram_message_id=77)
    final = await store.outbox.get(message_id)
    assert final is not None and final.sent_at is not None and final.message_id == 77 and final.attempts == 3


async def test_a_row_is_dead_after_the_bound_with_the_reason_kept(store: Storage, clock: ManualClock) -> None:
    message_id = await store.outbox.add(chat_id=5, kind="successful", payload={})
    alive = True
    while alive:
        [claimed] = await store.outbox.claim("a")
        alive = await store.outbox.mark_failed(claimed.id, "Telegram 500")
        clock.advance(3600)
    final = await store.outbox.get(message_id)
    assert final is not None and final.dead_at is not None and final.attempts == store.outbox.max_attempts
    assert final.last_error == f"gave up after {store.outbox.max_attempts} attempts: Telegram 500"
    assert await store.outbox.claim("a") == []


async def test_a_crashed_senders_lease_expires(store: Storage, clock: ManualClock) -> None:
    await store.outbox.add(chat_id=5, kind="successful", payload={})
    assert len(await store.outbox.claim("crashed", lease_seconds=60)) == 1
    assert await store.outbox.claim("other") == []
    clock.advance(61)
    assert len(await store.outbox.claim("other")) == 1


async def test_a_blocked_chat_is_dropped_not_retried_forever(store: Storage) -> None:
    await store.outbox.add(chat_id=1001, kind="a", payload={})
    await store.outbox.add(chat_id=1001, kind="b", payload={})
    assert await store.outbox.drop_chat(1001, "Forbidden: bot was blocked by the user") == 2
    await store.users.mark_blocked(1001)
    user = await store.users.get(1001)
    assert user is not None and user.blocked_bot
    assert await store.outbox.pending_count() == 0


async def test_a_clean_shutdown_hands_claimed_rows_back(store: Storage) -> None:
    await store.outbox.add(chat_id=5, kind="a", payload={})
    assert len(await store.outbox.claim("stopping", lease_seconds=60)) == 1
    assert await store.outbox.claim("next-process") == []
    assert await store.outbox.release("stopping") == 1
    assert len(await store.outbox.claim("next-process")) == 1
