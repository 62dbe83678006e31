"""The sandbox's memory and the offramp state machine of spec §6.2.

State changes are synchronous (no ``await`` between reading and writing state), so two
requests can never interleave inside one transition. Webhooks a change owes are queued and
sent after it, and time-driven steps (confirmations, payout, refunds, expiry, webhook
retries) live in one scheduler that reads the injectable clock.

A deposit is never lost (spec §5.8, §11 #13). The docs allow a cancel "only while PENDING,
i.e. before any crypto is seen on-chain", so once a deposit has been seen the cancel is
refused with the documented 400, even while the deposit is still confirming: the offramp
then pays out (or refunds on a payout failure) as usual. Crypto that lands after a cancel or
after expiry, or that a late correction to CANCELLED/EXPIRED/FAILED leaves in escrow, is
refunded to the sender (``senderAddress``, else ``refund_config.address``; Lightning by the
§7 invoice rules), visible at once in refund-status (PENDING, ``refundScheduledAt``) and
ending in ``refund.completed``. Refusing the cancel, rather than accepting it and refunding,
keeps the customer's money on the path they asked for and needs no refund fee or address.
A correction to SUCCESSFUL is refused once a refund has begun (nobody is paid twice), and no
other correction can stop a refund that is owed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import phonenumbers

from kotani.chains import Chain, Token, msat_to_sats, supports
from kotani.models import to_datetime
from kotani_sandbox.addresses import new_escrow_address
from kotani_sandbox.clock import SandboxClock
from kotani_sandbox.config import SandboxConfig
from kotani_sandbox.delivery import Delivery, WebhookDeliverer
from kotani_sandbox.lightning import make_invoice, read_invoice
from kotani_sandbox.pricing import Pricing, exchange_rate, price_from_crypto, price_from_fiat, rate_text
from kotani_sandbox.scenarios import PayoutOutcome, payout_outcome

logger = logging.getLogger("kotani_sandbox")

AUTO_REFUND_BUDGET = {"gas": 10, "timeout": 5, "other": 5}  # spec §5.10 automatic policy
MANUAL_REFUND_BUDGET = {"gas": 10, "timeout": 4, "other": 4}  # retry-refund endpoint


class SandboxError(Exception):
    """An API error the sandbox answers with (status, Kotani message, optional data)."""

    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.data = data or {}


@dataclass
class QuoteRecord:
    id: str
    pricing: Pricing
    created_at: float
    used: bool = False


@dataclass
class Customer:
    customer_key: str
    id: str
    country_code: str
    phone_number: str | None
    network: str | None
    account_name: str | None
    account_number: str | None
    bank_code: str | None

    def to_api(self, integrator: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "customer_key": self.customer_key,
            "country_code": self.country_code,
            "integrator": integrator,
        }
        optional = {
            "phone_number": self.phone_number,
            "network": self.network,
            "account_name": self.account_name,
            "account_number": self.account_number,
            "bank_code": self.bank_code,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body


@dataclass
class Wallet:
    id: str
    currency: str
    country: str
    balance: Decimal
    deposit_balance: Decimal = Decimal(0)

    def to_api(self, integrator: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": f"{self.currency} payout wallet",
            "type": "fiat",
            "currency": self.currency,
            "country": self.country,
            "integrator": integrator,
            "status": "active",
            "balance": self.balance,
            "deposit_balance": self.deposit_balance,
        }


@dataclass
class OfframpRecord:
    reference_id: str
    chain: str
    token: str
    currency: str
    crypto_amount: Decimal
    pricing: Pricing
    rate_id: str | None
    receiver_kind: str
    receiver: dict[str, Any]
    sender_address: str | None
    callback_url: str | None
    refund_config: dict[str, Any] | None
    escrow_address: str
    customer_key: str
    wallet_id: str
    created_at: float
    updated_at: float
    status: str = "PENDING"
    onchain_status: str = "PENDING"
    transaction_hash: str = ""
    transaction_hash_amount: Decimal = Decimal(0)
    deposit_from: str | None = None
    transaction_error: str | None = None
    onchain_error: str | None = None
    debited: bool = False
    crypto_received: bool = False
    refund_status: str | None = None
    refund_amount: Decimal | None = None
    refund_tx_hash: str | None = None
    refund_scheduled_at: float | None = None
    refund_attempts: int = 0
    manual_retries: int = 0
    refund_mode: str = "auto"
    injected_refund_failures: int = 0
    refund_failure_kind: str = "other"
    manual_intervention: bool = False
    invoice_needed_sent: bool = False
    refund_invoice: str | None = None
    history: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_lightning(self) -> bool:
        return self.chain == Chain.LIGHTNING

    @property
    def refund_address(self) -> str | None:
        """Where an on-chain refund goes: ``senderAddress``, else ``refund_config.address`` (§7).

        The address a deposit came from is only the last resort: a withdrawal from an exchange
        comes from the exchange's hot wallet, so the integrator's own fallback goes first.
        """
        if self.is_lightning:
            return None
        fallback = (self.refund_config or {}).get("address")
        return self.sender_address or (str(fallback) if fallback else None) or self.deposit_from

    @property
    def deposit_seen(self) -> bool:
        """A deposit reached the escrow (confirmed or still confirming)."""
        return bool(self.transaction_hash)

    @property
    def refund_begun(self) -> bool:
        """The refund left the scheduler: crypto is on its way back or already returned."""
        return self.status in ("REFUND_PENDING", "REVERSED", "REFUND_FAILED")


@dataclass(order=True)
class Step:
    due: float
    seq: int
    name: str = field(compare=False)
    reference_id: str | None = field(compare=False)
    action: Callable[[], Awaitable[None]] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


def _hex24() -> str:
    return secrets.token_hex(12)


class SandboxEngine:
    def __init__(
        self,
        config: SandboxConfig,
        clock: SandboxClock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.quotes: dict[str, QuoteRecord] = {}
        self.offramps: dict[str, OfframpRecord] = {}
        self.customers: dict[str, Customer] = {}
        self.suspended: dict[str, str] = {}  # phone → bannedUntil ISO
        self.paid_invoices: set[str] = set()
        self.wallets: dict[str, Wallet] = {}
        for corridor in config.corridors:
            if corridor.currency not in self.wallets:
                self.wallets[corridor.currency] = Wallet(
                    _hex24(), corridor.currency, corridor.country, config.payout_balance
                )
        self._shared_escrows: dict[str, str] = {}
        self._steps: list[Step] = []
        self._seq = itertools.count()
        self._http = httpx.AsyncClient(transport=transport)
        self.deliverer = WebhookDeliverer(config, clock, self._schedule_webhook_retry, transport)
        self.integrator = {
            "id": config.integrator_id,
            "organization": "Kotani Sandbox Integrator",
            "first_name": "Sandbox",
            "last_name": "Integrator",
            "email": "sandbox@example.com",
            "phone": "+254700000000",
            "webhook_url": config.webhook_url or "",
            "webhook_events": [],
        }

    async def aclose(self) -> None:
        await self.deliverer.aclose()
        await self._http.aclose()

    # --- scheduler --------------------------------------------------------------------

    def schedule(
        self, reference_id: str | None, name: str, delay: float, action: Callable[[], Awaitable[None]]
    ) -> None:
        heapq.heappush(self._steps, Step(self.clock.now() + delay, next(self._seq), name, reference_id, action))

    def _cancel_steps(self, reference_id: str) -> None:
        for step in self._steps:
            if step.reference_id == reference_id:
                step.cancelled = True

    def scheduled(self, reference_id: str | None = None) -> list[dict[str, Any]]:
        return [
            {"step": step.name, "referenceId": step.reference_id, "dueAt": self.clock.iso(step.due)}
            for step in sorted(self._steps)
            if not step.cancelled and (reference_id is None or step.reference_id == reference_id)
        ]

    async def run_due(self) -> int:
        """Run every step whose time has come, in time order (steps may schedule more)."""
        ran = 0
        while self._steps and self._steps[0].due <= self.clock.now():
            step = heapq.heappop(self._steps)
            if step.cancelled:
                continue
            await step.action()
            ran += 1
        await self.deliverer.flush()
        return ran

    async def run_next(self, reference_id: str) -> str | None:
        """Run the earliest pending step of one offramp now, whatever its due time."""
        candidates = [s for s in self._steps if s.reference_id == reference_id and not s.cancelled]
        if not candidates:
            return None
        step = min(candidates)
        step.cancelled = True
        await step.action()
        await self.deliverer.flush()
        return step.name

    async def advance_clock(self, seconds: float) -> int:
        """Move time forward step by step so each due step sees its own 'now'."""
        target = self.clock.now() + seconds
        ran = 0
        while True:
            live = [s for s in self._steps if not s.cancelled]
            next_due = min((s.due for s in live), default=None)
            if next_due is None or next_due > target:
                break
            if next_due > self.clock.now():
                self.clock.advance(next_due - self.clock.now())
            ran += await self.run_due()
        if target > self.clock.now():
            self.clock.advance(target - self.clock.now())
        return ran + await self.run_due()

    def _schedule_webhook_retry(self, delay: float, delivery: Delivery) -> None:
        async def retry() -> None:
            await self.deliverer.attempt(delivery)

        self.schedule(None, f"webhook-retry:{delivery.id}", delay, retry)

    # --- quotes -----------------------------------------------------------------------

    def _rate(self, token: str, currency: str) -> Decimal:
        if self.config.corridor_for_currency(currency) is None:
            raise SandboxError(400, f"Currency {currency} is not supported for offramp")
        rate = exchange_rate(self.config, token, currency)
        if rate is None:
            raise SandboxError(400, "Exchange rate not found")
        return rate

    def quote(self, token: str, currency: str, amount: Decimal, source: str) -> QuoteRecord:
        rate = self._rate(token, currency)
        if source == "fiat":
            pricing = price_from_fiat(self.config, token, currency, amount, rate)
        else:
            pricing = price_from_crypto(self.config, token, currency, amount, rate)
        record = QuoteRecord(_hex24(), pricing, self.clock.now())
        self.quotes[record.id] = record
        return record

    def quote_to_api(self, record: QuoteRecord) -> dict[str, Any]:
        pricing = record.pricing
        return {
            "id": record.id,
            "from": pricing.token,
            "to": pricing.currency,
            "value": rate_text(pricing.rate),
            "fiatAmount": pricing.fiat_amount,
            "cryptoAmount": pricing.crypto_amount,
            "transactionAmount": pricing.transaction_amount,
            "fee": pricing.fee,
            "walletDebitAmount": pricing.wallet_debit_amount,
        }

    # --- customers --------------------------------------------------------------------

    def create_customer(self, body: dict[str, Any]) -> Customer:
        phone = body.get("phone_number")
        account = body.get("account_number")
        for existing in self.customers.values():
            if phone and existing.phone_number == phone:
                raise SandboxError(400, "Customer with this phone number already exists")
            if (
                account
                and not phone
                and existing.account_number == account
                and existing.bank_code == body.get("bank_code")
            ):
                raise SandboxError(400, "Customer with this account number already exists")
        country = str(body["country_code"]).upper()
        corridor = self.config.corridor_for_country(country)
        customer = Customer(
            customer_key="cust_" + secrets.token_hex(8),
            id=_hex24(),
            country_code=corridor.country if corridor else country[:2],
            phone_number=phone,
            network=body.get("network"),
            account_name=body.get("account_name"),
            account_number=account,
            bank_code=body.get("bank_code"),
        )
        self.customers[customer.customer_key] = customer
        return customer

    def customer_by_phone(self, phone: str) -> Customer:
        for customer in self.customers.values():
            if customer.phone_number == phone:
                return customer
        raise SandboxError(404, "Customer not found.")

    def _customer_for(self, kind: str, receiver: dict[str, Any], country: str) -> Customer:
        if kind == "mobileMoneyReceiver":
            phone = receiver["phoneNumber"]
            try:
                return self.customer_by_phone(phone)
            except SandboxError:
                return self.create_customer(
                    {"country_code": country, "phone_number": phone, "network": receiver.get("networkProvider"),
                     "account_name": receiver.get("accountName")}
                )  # fmt: skip
        account = receiver.get("accountNumber") or receiver.get("businessShortcode") or receiver.get("paybillNumber")
        for customer in self.customers.values():
            if customer.account_number == account and not customer.phone_number:
                return customer
        return self.create_customer(
            {"country_code": country, "account_number": account, "bank_code": receiver.get("bankCode"),
             "account_name": receiver.get("name")}
        )  # fmt: skip

    # --- create -----------------------------------------------------------------------

    def create_offramp(self, body: dict[str, Any]) -> OfframpRecord:
        """Spec §11 rows 5–8: corridor, pair, limits, quote, suspension, balance, duplicate."""
        reference = str(body["referenceId"])
        if reference in self.offramps:
            raise SandboxError(400, "Duplicate referenceId: a transaction with this reference already exists")
        chain, token, currency = str(body["chain"]), str(body["token"]), str(body["currency"]).upper()
        corridor = self.config.corridor_for_currency(currency)
        if corridor is None:
            raise SandboxError(400, f"Currency {currency} is not supported for offramp")
        if not supports(Chain(chain), Token(token)):
            raise SandboxError(400, f"Token {token} on {chain} is not supported for offramp")
        kind = next(
            k for k in ("mobileMoneyReceiver", "bankReceiver", "lipaNaMpesaReceiver", "paybillReceiver") if body.get(k)
        )
        receiver = dict(body[kind])
        self._check_receiver(kind, receiver, corridor.country, corridor.networks, corridor.bank_only)
        if kind == "mobileMoneyReceiver" and receiver["phoneNumber"] in self.suspended:
            until = self.suspended[receiver["phoneNumber"]]
            raise SandboxError(
                403,
                f"Customer {receiver['phoneNumber']} is suspended until {until} UTC",
                {"bannedUntil": until},
            )
        amount = Decimal(str(body["cryptoAmount"]))
        rate_id = body.get("rateId")
        if rate_id:
            pricing = self._use_quote(str(rate_id), token, currency, amount)
        else:
            pricing = price_from_crypto(self.config, token, currency, amount, self._rate(token, currency))
        if pricing.fiat_amount < corridor.min_amount:
            raise SandboxError(400, f"Amount below minimum of {corridor.min_amount} {currency}")
        if pricing.fiat_amount > corridor.max_amount:
            raise SandboxError(400, f"Amount above maximum of {corridor.max_amount} {currency}")
        wallet = self.wallets[currency]
        if wallet.balance < pricing.wallet_debit_amount:
            raise SandboxError(400, "Insufficient payout balance")
        if rate_id:
            self.quotes[str(rate_id)].used = True
        customer = self._customer_for(kind, receiver, corridor.country)
        now = self.clock.now()
        if chain == Chain.LIGHTNING:
            escrow = make_invoice(
                int(amount),
                network=self.config.lightning_network,
                created_at=int(now),
                expiry=int(self.config.deposit_window),
                description=f"Kotani offramp {reference}",
            )
        elif self.config.shared_escrow:
            escrow = self._shared_escrow(Chain(chain))
        else:
            escrow = new_escrow_address(Chain(chain))
        record = OfframpRecord(
            reference_id=reference,
            chain=chain,
            token=token,
            currency=currency,
            crypto_amount=amount,
            pricing=pricing,
            rate_id=str(rate_id) if rate_id else None,
            receiver_kind=kind,
            receiver=receiver,
            sender_address=body.get("senderAddress"),
            callback_url=body.get("callbackUrl"),
            refund_config=body.get("refund_config"),
            escrow_address=escrow,
            customer_key=customer.customer_key,
            wallet_id=wallet.id,
            created_at=now,
            updated_at=now,
        )
        record.history.append((self.clock.iso(), "PENDING"))
        self.offramps[reference] = record
        self.schedule(reference, "expire", self.config.deposit_window, lambda: self._expire(record))
        if self.config.auto_deposit_after is not None:
            self.schedule(reference, "auto-deposit", self.config.auto_deposit_after, lambda: self._auto_deposit(record))
        return record

    async def _auto_deposit(self, record: OfframpRecord) -> None:
        if record.status == "PENDING" and not record.transaction_hash:
            self.deposit(record.reference_id, None, None, record.sender_address)

    def _shared_escrow(self, chain: Chain) -> str:
        if chain not in self._shared_escrows:
            self._shared_escrows[chain] = new_escrow_address(chain)
        return self._shared_escrows[chain]

    def _check_receiver(
        self, kind: str, receiver: dict[str, Any], country: str, networks: tuple[str, ...], bank_only: bool
    ) -> None:
        if kind in ("lipaNaMpesaReceiver", "paybillReceiver") and country != "KE":
            raise SandboxError(400, "Till and paybill payouts are only supported for KES")
        if kind == "mobileMoneyReceiver":
            if bank_only:
                raise SandboxError(400, f"Mobile money payouts are not supported in {country}")
            region = phonenumbers.region_code_for_number(phonenumbers.parse(receiver["phoneNumber"], None))
            if region != country:
                raise SandboxError(400, f"Phone number is not a {country} number")
            if receiver["networkProvider"] not in networks:
                raise SandboxError(400, f"Network {receiver['networkProvider']} is not supported in {country}")
        if kind == "bankReceiver":
            bank_country = str(receiver.get("country", "")).upper()
            corridor = self.config.corridor_for_country(bank_country)
            if corridor is None or corridor.country != country:
                raise SandboxError(400, f"Bank country {bank_country} does not match the payout currency")

    def _use_quote(self, rate_id: str, token: str, currency: str, amount: Decimal) -> Pricing:
        record = self.quotes.get(rate_id)
        if record is None:
            raise SandboxError(400, "Invalid rateId: rate not found")
        if record.used or self.clock.now() - record.created_at > self.config.quote_ttl:
            raise SandboxError(400, "Rate expired. Rates are valid for 60 seconds.")
        pricing = record.pricing
        if pricing.token != token or pricing.currency != currency or pricing.crypto_amount != amount:
            raise SandboxError(400, "Rate does not match this transaction (token, currency and cryptoAmount)")
        return pricing

    # --- views ------------------------------------------------------------------------

    def get(self, reference: str, message: str = "Reference Id not found") -> OfframpRecord:
        record = self.offramps.get(reference)
        if record is None:
            raise SandboxError(404, message)
        return record

    def _spell(self, status: str) -> str:
        if self.config.status_vocabulary == "flow":
            return {"SUCCESSFUL": "SUCCESS", "REVERSED": "REFUNDED"}.get(status, status)
        return status

    def offramp_to_api(self, record: OfframpRecord) -> dict[str, Any]:
        pricing = record.pricing
        body: dict[str, Any] = {
            "referenceId": record.reference_id,
            "status": self._spell(record.status),
            "onchainStatus": record.onchain_status,
            "escrowAddress": record.escrow_address,
            "cryptoAmount": record.crypto_amount,
            "fiatAmount": pricing.fiat_amount,
            "fiatTransactionAmount": Decimal(0) if record.status in ("FAILED", "REFUND_PENDING", "REVERSED", "REFUND_FAILED") else pricing.transaction_amount,
            "fiatCurrency": record.currency,
            "customerKey": record.customer_key,
            "fiatWalletId": record.wallet_id,
            "senderAddress": record.sender_address or "",
            "transactionHash": record.transaction_hash,
            "transactionHashAmount": record.transaction_hash_amount,
            "rate": {
                **({"id": record.rate_id} if record.rate_id else {}),
                "from": record.token,
                "to": record.currency,
                "value": rate_text(pricing.rate),
                "fiatAmount": pricing.fiat_amount,
            },
            "usingIntegratedWallet": record.sender_address is None,
            "created_at": self.clock.iso(record.created_at),
            "updated_at": self.clock.iso(record.updated_at),
            "onchainError": {"message": record.onchain_error} if record.onchain_error else {},
            "transactionError": {"message": record.transaction_error} if record.transaction_error else {},
        }  # fmt: skip
        if record.refund_status is not None:
            body["refundStatus"] = record.refund_status
        return body

    def refund_to_api(self, record: OfframpRecord) -> dict[str, Any]:
        body: dict[str, Any] = {
            "referenceId": record.reference_id,
            "status": self._spell(record.status),
            "refundInitiated": record.refund_status is not None,
            "refundStatus": record.refund_status or "NOT_REQUIRED",
            "refundAmount": record.refund_amount,
            "refundTransactionHash": record.refund_tx_hash,
            "chain": record.chain,
            "token": record.token,
            "refundAddress": record.refund_address,
            "retryCount": record.refund_attempts,
            "requiresManualIntervention": record.manual_intervention,
            "refundScheduledAt": self.clock.iso(record.refund_scheduled_at) if record.refund_scheduled_at else None,
        }
        if record.is_lightning and record.refund_amount is not None:
            body["refundAmountSats"] = msat_to_sats(record.refund_amount)
        return body

    # --- transitions ------------------------------------------------------------------

    def _move(
        self, record: OfframpRecord, status: str, *, event: str | None = "transaction.offramp.status.updated"
    ) -> None:
        record.status = status
        record.updated_at = self.clock.now()
        record.history.append((self.clock.iso(), status))
        if event is None:
            return
        terminal = status in ("SUCCESSFUL", "FAILED", "REVERSED", "REFUND_FAILED", "CANCELLED", "EXPIRED")
        if self.config.signed_mode:
            if self.config.webhook_every_transition or terminal:
                self._emit(record, event, self.offramp_to_api(record))
        elif terminal:
            self._emit(record, "direct", self.offramp_to_api(record))

    def _emit(self, record: OfframpRecord, event: str, data: dict[str, Any]) -> None:
        self.deliverer.enqueue(record.reference_id, event, data, record.callback_url)

    async def _expire(self, record: OfframpRecord) -> None:
        # A deposit already seen cancels this step; the check only guards a stray run.
        if record.status == "PENDING" and not record.deposit_seen:
            record.onchain_status = "EXPIRED"
            self._move(record, "EXPIRED")

    def cancel(self, reference: str) -> OfframpRecord:
        """Cancel only while PENDING *and* before any crypto is seen (spec §5.8).

        A deposit still confirming keeps the status PENDING, but cancelling it would strand the
        crypto in escrow, so it is refused like any later status; the offramp goes on.
        """
        record = self.get(reference)
        if record.status != "PENDING" or record.deposit_seen:
            raise SandboxError(400, "Transaction cannot be cancelled in its current status")
        self._cancel_steps(reference)
        record.onchain_status = "CANCELLED"
        self._move(record, "CANCELLED")
        return record

    def deposit(self, reference: str, amount: Decimal | None, tx_hash: str | None, sender: str | None) -> OfframpRecord:
        """The customer's crypto reaches the escrow (test hook, spec §11 #9)."""
        record = self.get(reference)
        if record.crypto_received or record.transaction_hash:
            raise SandboxError(409, "A deposit was already received for this transaction")
        record.transaction_hash = tx_hash or (
            secrets.token_hex(32) if not record.is_lightning else os.urandom(32).hex()
        )
        record.transaction_hash_amount = amount if amount is not None else record.crypto_amount
        record.deposit_from = sender
        record.updated_at = self.clock.now()
        if record.status != "PENDING":
            # Crypto that arrives after cancel, expiry or a correction that ended the offramp
            # goes back to the sender (§11 #13): it reached the escrow whatever the status says.
            record.crypto_received = True
            record.onchain_status = "SUCCESSFUL"
            self._return_deposit(record)
            return record
        self._cancel_steps(reference)
        self.schedule(reference, "confirm", self.config.confirmations_delay, lambda: self._confirm(record))
        return record

    async def _confirm(self, record: OfframpRecord) -> None:
        if record.status != "PENDING":
            return  # a correction moved it on and already decided where the crypto goes
        if record.transaction_hash_amount != record.crypto_amount and self.config.amount_mismatch == "fail":
            record.onchain_status = "FAILED"
            record.onchain_error = (
                f"Amount mismatch: expected {record.crypto_amount} {record.token}, "
                f"received {record.transaction_hash_amount} {record.token}"
            )
            self._move(record, "FAILED")
            return
        record.crypto_received = True
        record.onchain_status = "SUCCESSFUL"
        self._move(record, "CRYPTO_RECEIVED")
        self.schedule(record.reference_id, "payout", self.config.payout_start_delay, lambda: self._start_payout(record))

    async def _start_payout(self, record: OfframpRecord) -> None:
        if record.status != "CRYPTO_RECEIVED":
            return
        wallet = self.wallets[record.currency]
        if wallet.balance < record.pricing.wallet_debit_amount:
            record.transaction_error = "Insufficient payout balance"
            self._fail_payout(record)
            return
        wallet.balance -= record.pricing.wallet_debit_amount
        record.debited = True
        self._move(record, "IN_PROGRESS")
        outcome = payout_outcome(record.receiver_kind, record.receiver)
        if outcome.never_settles:
            return
        delay = self.config.slow_payout_delay if outcome.slow else self.config.payout_delay
        self.schedule(record.reference_id, "settle", delay, lambda: self._settle(record, outcome))

    async def _settle(self, record: OfframpRecord, outcome: PayoutOutcome) -> None:
        if record.status != "IN_PROGRESS":
            return
        if outcome.success:
            self._move(record, "SUCCESSFUL")
            return
        record.transaction_error = outcome.error
        self._fail_payout(record)

    def _fail_payout(self, record: OfframpRecord) -> None:
        if record.debited:
            self.wallets[record.currency].balance += record.pricing.wallet_debit_amount
            record.debited = False
        self._move(record, "FAILED")
        record.refund_scheduled_at = self.clock.now() + self.config.refund_delay
        self.schedule(record.reference_id, "refund", self.config.refund_delay, lambda: self._begin_refund(record))

    # --- refunds ----------------------------------------------------------------------

    def _return_deposit(self, record: OfframpRecord) -> None:
        """Schedule the refund of a deposit nothing will pay out (after cancel, expiry, a correction).

        The refund is owed from now on, so refund-status says so at once (``PENDING`` with
        ``refundScheduledAt``) instead of ``NOT_REQUIRED`` for the ``refund_delay`` it waits.
        """
        if record.debited:
            self.wallets[record.currency].balance += record.pricing.wallet_debit_amount
            record.debited = False
        record.refund_amount = record.transaction_hash_amount or record.crypto_amount
        record.refund_status = "PENDING"
        record.refund_scheduled_at = self.clock.now() + self.config.refund_delay
        self.schedule(record.reference_id, "refund", self.config.refund_delay, lambda: self._begin_refund(record))

    async def _begin_refund(self, record: OfframpRecord) -> None:
        record.refund_amount = record.transaction_hash_amount or record.crypto_amount
        record.refund_status = "PENDING"
        if not record.is_lightning:
            self._move(record, "REFUND_PENDING")
            self._schedule_refund_attempt(record)
            return
        status = record.status
        invoice = self._usable_config_invoice(record) or await self._generated_invoice(record)
        if record.status != status or record.refund_status != "PENDING":
            return  # a correction called the refund off while we waited for the invoice URL
        if invoice is not None:
            record.refund_invoice = invoice
            record.refund_status = "PROCESSING"
            self._move(record, "REFUND_PENDING")
            self._schedule_refund_attempt(record)
            return
        record.refund_status = "INVOICE_NEEDED"
        self._move(record, "REFUND_PENDING")
        if not record.invoice_needed_sent:
            record.invoice_needed_sent = True
            if self.config.signed_mode:
                self._emit(record, "refund.lightning.invoice_needed", self._invoice_needed_data(record))

    def _schedule_refund_attempt(self, record: OfframpRecord) -> None:
        self.schedule(
            record.reference_id,
            "refund-attempt",
            self.config.refund_attempt_delay,
            lambda: self._attempt_refund(record),
        )

    def _invoice_needed_data(self, record: OfframpRecord) -> dict[str, Any]:
        msat = int(record.refund_amount or 0)
        sats = msat_to_sats(msat)
        return {
            "referenceId": record.reference_id,
            "status": "FAILED",
            "onchainStatus": "SUCCESSFUL",
            "refundStatus": "INVOICE_NEEDED",
            "refundAmount": msat,
            "refundAmountSats": sats,
            "chain": "LIGHTNING",
            "currency": record.currency,
            "requiresAction": True,
            "action": {
                "type": "SUBMIT_LIGHTNING_INVOICE",
                "description": f"Submit a bolt11 invoice for exactly {sats} sats to receive the refund.",
                "submitUrl": f"{self.config.public_base_url}/api/v3/offramp/submit-refund-invoice/{record.reference_id}",
                "method": "POST",
                "body": {"invoice": "lnbc..."},
                "invoiceRequirements": {
                    "amount": sats,
                    "currency": "SATS",
                    "format": "bolt11",
                    "mustNotExpire": True,
                    "mustNotBePaid": True,
                    "mustMatchExactAmount": True,
                },
            },
            "timestamp": self.clock.iso(),
        }

    def _invoice_problem(self, record: OfframpRecord, invoice: str) -> str | None:
        try:
            facts = read_invoice(invoice)
        except ValueError:
            return "not a bolt11 invoice"
        if facts.network != self.config.lightning_network:
            return "wrong network"
        if facts.amount_msat != int(record.refund_amount or 0):
            return "wrong amount"
        if facts.expires_at <= self.clock.now():
            return "expired"
        if facts.payment_hash in self.paid_invoices:
            return "already paid"
        return None

    def _usable_config_invoice(self, record: OfframpRecord) -> str | None:
        config = record.refund_config or {}
        bolt11 = config.get("bolt11")
        if not isinstance(bolt11, str):
            return None
        expires = to_datetime(config.get("expires_at"))
        if expires is not None and expires.timestamp() <= self.clock.now():
            return None
        if int(config.get("amount_msat") or 0) != int(record.refund_amount or 0):
            return None
        return bolt11 if self._invoice_problem(record, bolt11) is None else None

    async def _generated_invoice(self, record: OfframpRecord) -> str | None:
        url = (record.refund_config or {}).get("generate_invoice_url")
        if not isinstance(url, str):
            return None
        try:
            response = await self._http.post(
                url,
                json={"amount_msat": int(record.refund_amount or 0), "reference_id": record.reference_id},
                timeout=self.config.generate_invoice_timeout,
            )
            answer = response.json() if response.status_code < 300 else {}
        except (httpx.HTTPError, ValueError):
            return None
        bolt11 = answer.get("bolt11") if isinstance(answer, dict) else None
        if not isinstance(bolt11, str) or answer.get("amount_msat") != int(record.refund_amount or 0):
            return None
        return bolt11 if self._invoice_problem(record, bolt11) is None else None

    async def _attempt_refund(self, record: OfframpRecord) -> None:
        if record.status != "REFUND_PENDING":
            return
        if record.injected_refund_failures > 0:
            record.injected_refund_failures -= 1
            record.refund_attempts += 1
            budget = AUTO_REFUND_BUDGET[record.refund_failure_kind]
            if record.refund_mode == "auto" and record.refund_attempts < budget:
                self._schedule_refund_attempt(record)
                return
            record.refund_status = "FAILED"
            self._move(record, "REFUND_FAILED", event=None)
            self._emit(record, "refund.failed", {
                "referenceId": record.reference_id,
                "refundStatus": "FAILED",
                "refundAmount": record.refund_amount,
                "chain": record.chain,
                "token": record.token,
                "currency": record.currency,
                "error": {"gas": "Insufficient gas for refund transaction", "timeout": "Refund transaction timed out"}.get(
                    record.refund_failure_kind, "Refund transaction failed"),
                "totalRetries": record.refund_attempts,
                "timestamp": self.clock.iso(),
            })  # fmt: skip
            if not self.config.signed_mode:
                self._emit(record, "direct", self.offramp_to_api(record))
            return
        if record.is_lightning and record.refund_invoice:
            self.paid_invoices.add(read_invoice(record.refund_invoice).payment_hash)
        record.refund_tx_hash = secrets.token_hex(32)
        record.refund_status = "SUCCESSFUL"
        self._move(record, "REVERSED", event=None)
        if self.config.signed_mode:
            self._emit(record, "refund.completed", {
                "referenceId": record.reference_id,
                "status": self._spell("REVERSED"),
                "refundStatus": "SUCCESSFUL",
                "refundTransactionHash": record.refund_tx_hash,
                "refundAmount": msat_to_sats(record.refund_amount or 0) if record.is_lightning else record.refund_amount,
                "chain": record.chain,
                "token": record.token,
                "currency": record.currency,
                "timestamp": self.clock.iso(),
            })  # fmt: skip
            self._emit(record, "transaction.offramp.status.updated", self.offramp_to_api(record))
        else:
            self._emit(record, "direct", self.offramp_to_api(record))

    def retry_refund(self, reference: str) -> OfframpRecord:
        record = self.get(reference)
        budget = MANUAL_REFUND_BUDGET[record.refund_failure_kind]
        if record.refund_status != "FAILED" or record.manual_intervention or record.manual_retries >= budget:
            raise SandboxError(400, "Cannot retry refund")
        record.manual_retries += 1
        record.refund_mode = "manual"
        record.refund_status = "PENDING"
        self._move(record, "REFUND_PENDING")
        self._schedule_refund_attempt(record)
        return record

    def submit_invoice(self, reference: str, invoice: Any) -> OfframpRecord:
        record = self.get(reference, "Offramp transaction not found")
        refused = SandboxError(400, "Invalid invoice or not eligible for Lightning refund")
        if not isinstance(invoice, str) or not record.is_lightning or record.refund_status != "INVOICE_NEEDED":
            raise refused
        if self._invoice_problem(record, invoice) is not None:
            raise refused
        record.refund_invoice = invoice
        record.refund_status = "PROCESSING"
        record.updated_at = self.clock.now()
        self._schedule_refund_attempt(record)
        return record

    def correct(self, reference: str, status: str) -> OfframpRecord:
        """A late correction (spec §6.2): e.g. EXPIRED or CANCELLED then SUCCESSFUL.

        A correction names a final outcome and never strands or doubles crypto. To SUCCESSFUL
        (the payout went through after all) calls off a refund that was only scheduled, and is
        refused once the refund has begun. To CANCELLED, EXPIRED or FAILED with a deposit seen
        and not paid out, the deposit is refunded as after a cancel; once a refund is owed, no
        correction but SUCCESSFUL may stop it.
        """
        record = self.get(reference)
        if status not in ("SUCCESSFUL", "FAILED", "CANCELLED", "EXPIRED"):
            raise SandboxError(400, "status must be SUCCESSFUL, FAILED, CANCELLED or EXPIRED")
        refund_owed = record.refund_status is not None or record.refund_scheduled_at is not None
        if record.refund_begun or (refund_owed and status != "SUCCESSFUL"):
            raise SandboxError(409, "A refund of this deposit is owed; only a payout before it starts can replace it")
        paid_out = record.status == "SUCCESSFUL"
        self._cancel_steps(reference)
        if status == "SUCCESSFUL":
            record.onchain_status = "SUCCESSFUL"
            record.crypto_received = True
            record.refund_status = record.refund_amount = record.refund_scheduled_at = None
        self._move(record, status)
        if status != "SUCCESSFUL" and record.deposit_seen and record.onchain_status != "FAILED" and not paid_out:
            # onchainStatus FAILED is a deposit Kotani refused (wrong amount): no refund (§6.2).
            record.crypto_received = True  # confirmed by the time the refund leaves
            record.onchain_status = "SUCCESSFUL"
            self._return_deposit(record)
        return record
