"""The cash-out service against the sandbox over loopback HTTP, with no Telegram anywhere:
what the customer's chat and an agent's walk-in flow both rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kotani import KotaniClient, errors
from kotani.models import SenderAddressRequired
from offramps.cashouts import Ambiguous, CashoutOrder, CashoutService, Created, RecipientDetails, Refused, Requoted
from offramps.notices import notices
from storage import Database, Storage
from storage.models import QuoteRecord
from tests.conftest import Proxied, Sandbox
from tests.storage.conftest import ManualClock
from tests.support.proxy import Fault

OWNER = 3001
TRON_WALLET = "TJWXuPnMd5noaCaJw6EmHHyED9iH4Rr5Up"
JANE = RecipientDetails("mobile_money", "+254700000001", network="MPESA", holder_name="Jane Mary Doe")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def store(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Storage]:
    db = await Database(tmp_path / "bot.sqlite3", clock=clock).open()
    storage = Storage.on(db, owed=notices(None))
    await storage.users.touch(OWNER, OWNER, "en")
    yield storage
    await storage.close()


def service(store: Storage, kotani: KotaniClient, clock: ManualClock) -> CashoutService:
    return CashoutService(store, kotani, clock=clock, quote_ttl_seconds=60, callback_url=None)


def order(quote: QuoteRecord, **changes: object) -> CashoutOrder:
    values: dict[str, object] = dict(
        owner_id=OWNER, chat_id=OWNER, token="USDT", chain="TRON", currency="KES", country="KE",
        country_name="Kenya", quote=quote, recipient=JANE, sender_address=TRON_WALLET,
    )  # fmt: skip
    values.update(changes)
    return CashoutOrder(**values)  # type: ignore[arg-type]


async def test_a_confirmed_cash_out_is_created_once_with_the_customers_address(
    store: Storage, client: KotaniClient, sandbox: Sandbox, clock: ManualClock
) -> None:
    cashouts = service(store, client, clock)
    quote = await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(10))
    created = await cashouts.create(order(quote))
    assert isinstance(created, Created) and created.new
    offramp = created.offramp
    assert offramp.status == "PENDING" and offramp.crypto_amount == Decimal(10) and offramp.escrow_address
    assert (await sandbox.state(offramp.reference_id))["offramp"]["senderAddress"] == TRON_WALLET
    [saved] = await store.sender_addresses.for_owner(OWNER, "TRON")
    assert saved.address == TRON_WALLET
    # the same confirmation again (a double tap, a retry): the same cash-out, nothing new
    again = await cashouts.create(order(quote, reference=offramp.reference_id))
    assert isinstance(again, Created) and not again.new and again.offramp.reference_id == offramp.reference_id
    # a crash lost the reference: the quote still names the cash-out
    recovered = await cashouts.create(order(quote))
    assert isinstance(recovered, Created) and recovered.offramp.reference_id == offramp.reference_id
    assert len(await store.offramps.for_user(OWNER)) == 1


async def test_a_stale_quote_is_requoted_and_nothing_is_created(
    store: Storage, client: KotaniClient, clock: ManualClock
) -> None:
    cashouts = service(store, client, clock)
    quote = await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(10))
    clock.advance(61)
    outcome = await cashouts.create(order(quote))
    assert isinstance(outcome, Requoted) and outcome.quote.quote_id != quote.quote_id
    assert outcome.quote.expires_at == clock() + timedelta(seconds=60)
    assert await store.offramps.for_user(OWNER) == []


async def test_a_refusal_is_told_apart_from_an_ambiguous_failure(
    store: Storage, client: KotaniClient, proxied: Proxied, clock: ManualClock
) -> None:
    quote = await service(store, client, clock).quote(OWNER, "USDT", "TRON", "KES", Decimal(10))
    refused = await service(store, client, clock).create(order(quote, currency="EUR"))
    assert isinstance(refused, Refused) and isinstance(refused.error, errors.BadRequest)

    proxied.proxy.faults += [Fault("status", 503, method="POST", path_prefix="/api/v3/offramp")] * 3
    proxied.proxy.faults += [Fault("status", 503, method="GET", path_prefix="/api/v3/offramp/")] * 3
    ambiguous = await service(store, proxied.client, clock).create(order(quote))
    assert isinstance(ambiguous, Ambiguous) and ambiguous.reference.startswith(f"tg-{OWNER}-")
    # confirming again with the same reference makes exactly one
    retried = await service(store, proxied.client, clock).create(order(quote, reference=ambiguous.reference))
    assert isinstance(retried, Created) and retried.offramp.reference_id == ambiguous.reference


async def test_no_on_chain_cash_out_without_a_sender_address(
    store: Storage, client: KotaniClient, sandbox: Sandbox, clock: ManualClock
) -> None:
    cashouts = service(store, client, clock)
    quote = await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(10))
    with pytest.raises(SenderAddressRequired):
        await cashouts.create(order(quote, sender_address=None))
    assert (await client.list_offramps()).items == []


async def test_cancel_and_a_deposit_already_on_its_way(
    store: Storage, client: KotaniClient, sandbox: Sandbox, clock: ManualClock
) -> None:
    cashouts = service(store, client, clock)
    first = await cashouts.create(order(await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(10))))
    second = await cashouts.create(order(await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(11))))
    assert isinstance(first, Created) and isinstance(second, Created)
    cancelled = await cashouts.cancel(first.offramp, answered_chat_id=OWNER)
    assert cancelled.status == "CANCELLED"
    assert await store.outbox.for_reference(first.offramp.reference_id) == []  # answered in place
    await sandbox.deposit(second.offramp.reference_id)
    with pytest.raises(errors.NotCancellable):
        await cashouts.cancel(second.offramp, answered_chat_id=OWNER)


async def test_a_refund_retry_is_a_new_attempt_whose_failure_is_news_again(
    store: Storage, client: KotaniClient, sandbox: Sandbox, clock: ManualClock
) -> None:
    cashouts = service(store, client, clock)
    failing = RecipientDetails("mobile_money", "+254700000010", network="MPESA", holder_name="Jane Doe")
    quote = await cashouts.quote(OWNER, "USDT", "TRON", "KES", Decimal(10))
    created = await cashouts.create(order(quote, recipient=failing))
    assert isinstance(created, Created)
    reference = created.offramp.reference_id
    await sandbox.control.post(f"/sandbox/offramps/{reference}/refund-failures", json={"count": 100})
    await sandbox.deposit(reference)
    await sandbox.run_until_settled(reference)
    first = await cashouts.refresh(created.offramp, source="poll")
    assert first.changed and (await store.offramps.get(reference)).status == "REFUND_FAILED"  # type: ignore[union-attr]
    stored = await store.offramps.get(reference)
    assert stored is not None
    await cashouts.retry_refund(stored, answered_chat_id=OWNER)
    assert (await store.offramps.get(reference)).refund_attempt == 1  # type: ignore[union-attr]
    await sandbox.run_until_settled(reference)
    again = await cashouts.refresh(stored, source="poll")
    assert again.changed  # the same reading as before the retry, yet news: the retry failed too
    kinds = [m.kind for m in await store.outbox.for_reference(reference)]
    assert kinds.count("refund_failed") == 2
