"""Every client method against the sandbox over loopback HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kotani import errors
from kotani.client import KotaniClient
from kotani.models import BankReceiver, PaybillReceiver, TillReceiver
from kotani.status import OfframpStatus, RefundStatus
from tests.conftest import Sandbox
from tests.kotani.helpers import mpesa, offramp_request


async def test_quote_in_crypto_shows_rate_fee_and_what_the_recipient_gets(client: KotaniClient) -> None:
    quote = await client.quote_offramp("USDT", "KES", Decimal("10"))
    assert quote.id and len(quote.id) == 24
    assert quote.rate == Decimal("129.5")
    assert quote.fiat_amount == Decimal("1295")
    assert quote.fee == Decimal("26")  # 2 % rounded to whole shillings
    assert quote.transaction_amount == quote.fiat_amount - quote.fee
    assert quote.wallet_debit_amount == Decimal("1295")


async def test_quote_from_fiat_works_backwards_to_the_crypto_needed(client: KotaniClient) -> None:
    quote = await client.quote_offramp("USDC", "KES", Decimal("1000"), source="fiat")
    assert quote.transaction_amount >= Decimal("1000")
    assert quote.transaction_amount - Decimal("1000") <= Decimal("2")
    # 1000 KES net at 2 % fee needs 1020.41 KES gross = 7.8796 USDC at 129.5 (rounded up to 6 places)
    assert quote.crypto_amount == Decimal("7.8796")
    assert quote.fiat_amount == Decimal("1020")


async def test_quote_for_an_unsupported_currency_is_a_bad_request(client: KotaniClient) -> None:
    with pytest.raises(errors.BadRequest, match="not supported"):
        await client.quote_offramp("USDT", "EUR", Decimal("10"))


async def test_plain_rate(client: KotaniClient) -> None:
    rate = await client.get_rate("USDT", "GHS")
    assert rate.value == Decimal("15.2")
    with pytest.raises(errors.NotFound):
        await client.get_rate("USDT", "XYZ")


async def test_customers_create_get_by_phone_and_key_and_ensure(client: KotaniClient) -> None:
    created = await client.create_customer("KE", phone_number="+254711111111", network="MPESA", account_name="Ann")
    assert created.customer_key
    assert (await client.get_customer_by_phone("+254711111111")).customer_key == created.customer_key
    assert (await client.get_customer(created.customer_key)).phone_number == "+254711111111"
    with pytest.raises(errors.Duplicate):
        await client.create_customer("KE", phone_number="+254711111111")
    ensured = await client.ensure_mobile_money_customer("KE", "+254711111111", network="MPESA", account_name="Ann")
    assert ensured.customer_key == created.customer_key
    fresh = await client.ensure_mobile_money_customer("KE", "+254722222222", network="MPESA", account_name=None)
    assert fresh.customer_key != created.customer_key
    with pytest.raises(errors.NotFound):
        await client.get_customer_by_phone("+254733333333")


async def test_validate_mobile_money_reserved_numbers(client: KotaniClient) -> None:
    jane = await client.validate_mobile_money("+254700000001", account_name="Jane Doe")
    assert jane.is_valid and jane.account_name == "JANE MARY DOE" and jane.name_lookup_status == "MATCHED"
    assert jane.name_matched is True
    assert jane.network == "MPESA"
    mismatch = await client.validate_mobile_money("+254700000002", account_name="Jane Doe")
    assert mismatch.is_valid and mismatch.name_matched is False  # a mismatch keeps isValid true
    missing = await client.validate_mobile_money("+254700000003")
    assert not missing.is_valid and missing.name_lookup_status == "NOT_FOUND"
    timeout = await client.validate_mobile_money("+254700000005")
    assert timeout.lookup_retryable
    masked = await client.validate_mobile_money("+254700000007")
    assert masked.account_name == "J*** M*** D**"


async def test_validate_till_paybill_and_bank(client: KotaniClient) -> None:
    till = await client.validate_mobile_money(account_type="till", short_code="100001")
    assert till.is_valid and till.account_name == "ACME TRADING LIMITED"
    paybill = await client.validate_mobile_money(account_type="paybill", short_code="100002", account_reference="A1")
    assert not paybill.is_valid
    bank = await client.validate_bank("1000000001", "68", "KE", account_name="Jane Mary Doe")
    assert bank.is_valid and bank.account_status == "ACTIVE" and bank.name_matched
    frozen = await client.validate_bank("1000000003", "68", "KE")
    assert not frozen.is_valid and frozen.account_status == "FROZEN"
    with pytest.raises(errors.ValidationFailed) as invalid:
        await client.validate_bank("", "68", "KE")
    assert invalid.value.errors == ["accountNumber should not be empty"]


async def test_corridor_discovery(client: KotaniClient) -> None:
    countries = await client.list_countries()
    kenya = next(c for c in countries if c.code == "KE")
    assert kenya.usable and kenya.currency == "KES" and "MPESA" in kenya.networks
    networks = await client.get_networks("GH")
    assert networks.networks == ("MTN", "VODAFONE", "AIRTEL") and networks.is_required
    banks = await client.list_banks(currency="KES", search="equ")
    assert [b.name for b in banks] == ["Equity Bank"] and banks[0].code == "68"
    assert "KE" in await client.withdraw_countries()


async def test_wallet_balance(client: KotaniClient, sandbox: Sandbox) -> None:
    wallets = await client.list_fiat_wallets()
    kes = next(w for w in wallets if w.currency == "KES")
    assert kes.balance == sandbox.config.payout_balance
    assert (await client.get_fiat_wallet("KES", "KE")).id == kes.id
    with pytest.raises(errors.NotFound):
        await client.get_fiat_wallet("EUR", "DE")


@pytest.mark.parametrize(
    "receiver",
    [
        mpesa(),
        BankReceiver("Jane Mary Doe", "1000000001", "68", "KE", "Nairobi"),
        TillReceiver("100001"),
        PaybillReceiver("100001", "ACC-1"),
    ],
    ids=["mobile-money", "bank", "till", "paybill"],
)
async def test_create_each_receiver_kind_then_status_and_list(client: KotaniClient, receiver: object) -> None:
    quote = await client.quote_offramp("USDT", "KES", Decimal("10"))
    created = await client.create_offramp(offramp_request("tg-r-1", receiver=receiver, rate_id=quote.id))  # type: ignore[arg-type]
    assert created.status is OfframpStatus.PENDING
    assert created.escrow_address and created.escrow_address.startswith("T")
    assert created.fiat_transaction_amount == quote.transaction_amount
    fetched = await client.get_offramp("tg-r-1")
    assert fetched.escrow_address == created.escrow_address
    page = await client.list_offramps()
    assert [o.reference_id for o in page.items] == ["tg-r-1"] and page.total == 1


async def test_list_paginates(client: KotaniClient) -> None:
    for index in range(5):
        await client.create_offramp(offramp_request(f"tg-p-{index}"))
    page = await client.list_offramps(page=2, per_page=2)
    assert page.total == 5 and len(page.items) == 2 and page.page == 2


async def test_refund_status_before_any_failure(client: KotaniClient) -> None:
    await client.create_offramp(offramp_request("tg-rs"))
    info = await client.get_refund_status("tg-rs")
    assert info.refund_status is RefundStatus.NOT_REQUIRED
    with pytest.raises(errors.NotFound):
        await client.get_refund_status("nope")


async def test_integrator_and_webhook_settings(client: KotaniClient, sandbox: Sandbox) -> None:
    integrator = await client.get_integrator()
    assert integrator.id == sandbox.config.integrator_id
    updated = await client.update_webhook(url="https://bot.example.com/kotani/webhook")
    assert updated.webhook_url == "https://bot.example.com/kotani/webhook"
