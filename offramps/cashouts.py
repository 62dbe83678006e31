"""The money path of a cash-out, outside any Telegram callback.

``create`` is the one place an offramp is made: it survives a crash between Kotani's create
and our save (the quote names the cash-out), re-quotes a stale rate instead of creating at
it, stores the offramp before Kotani is called (a retry never makes two), and tells an
ambiguous failure (try again with the same reference) from a refusal. Cancel, retry-refund
and the Lightning refund invoice are here too, so every channel (the customer's chat, an
agent's walk-in flow) does exactly the same thing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from kotani import KotaniClient, errors
from kotani.models import (
    BankReceiver,
    MobileMoneyReceiver,
    Offramp,
    OfframpRequest,
    PaybillReceiver,
    Receiver,
    RefundConfig,
    RefundInfo,
    TillReceiver,
)
from kotani.status import OfframpStatus
from offramps.observations import from_offramp, from_refund, user_refund_action
from offramps.states import status_of, submitted
from storage import Storage
from storage.models import NewOfframp, NewRecipient, OfframpRecord, QuoteRecord

logger = logging.getLogger("offramps.cashouts")


@dataclass(frozen=True)
class RecipientDetails:
    """Where the fiat goes, as the customer gave it (validated by the conversation)."""

    kind: str  # mobile_money, bank, till, paybill
    destination: str
    network: str | None = None
    holder_name: str | None = None
    bank_code: str | None = None
    bank_name: str | None = None
    account_reference: str = ""
    customer_key: str | None = None

    def receiver(self, country: str, country_name: str) -> Receiver:
        if self.kind == "mobile_money":
            return MobileMoneyReceiver(self.destination, self.holder_name or "", self.network or "")
        if self.kind == "bank":
            return BankReceiver(
                name=self.holder_name or "", account_number=self.destination, bank_code=self.bank_code or "",
                country=country, address=country_name, bank_name=self.bank_name if country == "ZA" else None,
            )  # fmt: skip
        if self.kind == "till":
            return TillReceiver(self.destination)
        return PaybillReceiver(self.destination, self.account_reference)


@dataclass(frozen=True)
class CashoutOrder:
    """Everything the customer chose, confirmed on the summary."""

    owner_id: int
    chat_id: int
    token: str
    chain: str
    currency: str
    country: str
    country_name: str
    quote: QuoteRecord
    recipient: RecipientDetails
    sender_address: str | None  # required on-chain (kotani.models.SenderAddressRequired)
    refund_config: RefundConfig | None = None
    for_customer: bool = False  # an agent serving a walk-in customer
    reference: str | None = None  # set when an earlier attempt already chose one


@dataclass(frozen=True)
class Created:
    offramp: OfframpRecord
    new: bool  # False: an earlier attempt (a double tap, a crash) had already created it


@dataclass(frozen=True)
class Requoted:
    """The rate expired: nothing was created at this rate; show the fresh quote and ask again.

    ``reference`` is the one to confirm with next time: kept when an earlier, ambiguous
    attempt may have reached Kotani under it; ``None`` when Kotani refused the stale rate (so
    provably created nothing under it).
    """

    quote: QuoteRecord
    reference: str | None


@dataclass(frozen=True)
class Ambiguous:
    """It may or may not have been created: confirm again, with the same reference."""

    error: errors.KotaniError
    reference: str


@dataclass(frozen=True)
class Refused:
    """Kotani said no (a bad recipient, a corridor off, our balance too low)."""

    error: errors.KotaniError


CreateOutcome = Created | Requoted | Ambiguous | Refused

#: Stored statuses in which Kotani's refund-status endpoint says more than the offramp does.
REFUND_STATES = frozenset({OfframpStatus.FAILED, OfframpStatus.REFUND_PENDING, OfframpStatus.REFUND_FAILED})


@dataclass(frozen=True)
class Refreshed:
    """``changed``: how many observations moved the offramp; ``current``: Kotani's answer, or
    ``None`` when Kotani does not know an offramp whose create never reached it."""

    changed: int
    current: Offramp | None


def is_ambiguous(exc: errors.KotaniError) -> bool:
    """True when the request may or may not have been applied (retry with the same reference)."""
    return isinstance(exc, errors.KotaniTransportError | errors.ServerError | errors.RateLimited)


class CashoutService:
    def __init__(
        self,
        storage: Storage,
        kotani: KotaniClient,
        *,
        clock: Callable[[], datetime],
        quote_ttl_seconds: int,
        callback_url: str | None,
    ) -> None:
        self._storage = storage
        self._kotani = kotani
        self._clock = clock
        self._quote_ttl = quote_ttl_seconds
        self._callback_url = callback_url

    # --- quotes --------------------------------------------------------------------------

    async def quote(
        self,
        owner_id: int,
        token: str,
        chain: str,
        currency: str,
        amount: Decimal,
        *,
        source: Literal["crypto", "fiat"] = "crypto",
    ) -> QuoteRecord:
        """Ask Kotani's live rate and keep it (``source="fiat"`` works backwards from the payout)."""
        quote = await self._kotani.quote_offramp(token, currency, amount, source=source)
        now = self._clock()
        record = QuoteRecord(
            quote_id=quote.id, owner_id=owner_id, token=token, chain=chain, crypto_amount=quote.crypto_amount,
            currency=currency, rate=quote.rate, fee=quote.fee, fiat_amount=quote.fiat_amount,
            transaction_amount=quote.transaction_amount, wallet_debit_amount=quote.wallet_debit_amount,
            created_at=now, expires_at=now + timedelta(seconds=self._quote_ttl),
        )  # fmt: skip
        await self._storage.quotes.save(record)
        return record

    async def _requote(self, order: CashoutOrder) -> QuoteRecord:
        old = order.quote
        return await self.quote(order.owner_id, order.token, order.chain, order.currency, old.crypto_amount)

    # --- create ----------------------------------------------------------------------------

    async def create(self, order: CashoutOrder) -> CreateOutcome:
        """Make the offramp for a confirmed summary, exactly once, or say why not."""
        storage = self._storage
        reference = order.reference
        if not reference:
            # A crash after Kotani's create but before the conversation saved its reference
            # left the draft without one; the quote still names this cash-out.
            earlier = await storage.offramps.for_quote(order.owner_id, order.quote.quote_id)
            reference = earlier.reference_id if earlier is not None else None
        if reference:
            existing = await storage.offramps.get(reference)
            if existing is not None and submitted(existing):
                return Created(existing, new=False)
        if order.quote.expires_at <= self._clock():
            try:
                return Requoted(await self._requote(order), reference)
            except errors.KotaniError as exc:
                return Ambiguous(exc, reference or "")
        request = self._request(order, reference or f"tg-{order.owner_id}-{secrets.token_hex(4)}")
        await storage.offramps.create(
            NewOfframp(
                reference_id=request.reference_id, user_id=order.owner_id, chat_id=order.chat_id,
                token=order.token, chain=order.chain, agent_id=order.owner_id if order.for_customer else None,
                crypto_amount=order.quote.crypto_amount, currency=order.currency, quote_id=order.quote.quote_id,
                sender_address=order.sender_address, fiat_amount=order.quote.fiat_amount,
                fiat_transaction_amount=order.quote.transaction_amount, fee=order.quote.fee,
            )
        )  # fmt: skip
        try:
            customer_key = order.recipient.customer_key
            if order.recipient.kind == "mobile_money" and not customer_key:
                customer = await self._kotani.ensure_mobile_money_customer(
                    order.country, order.recipient.destination, network=order.recipient.network,
                    account_name=order.recipient.holder_name,
                )  # fmt: skip
                customer_key = customer.customer_key
            offramp = await self._kotani.create_offramp(request)
        except errors.RateExpired:
            try:
                return Requoted(await self._requote(order), None)
            except errors.KotaniError as exc:
                return Ambiguous(exc, request.reference_id)
        except errors.KotaniError as exc:
            if is_ambiguous(exc):
                return Ambiguous(exc, request.reference_id)
            if isinstance(exc, errors.InsufficientPayoutBalance):
                logger.error("payout balance too low for %s: offramps to it are refused", order.currency)
            return Refused(exc)
        await storage.quotes.mark_used(order.quote.quote_id)
        recipient = order.recipient
        saved = await storage.recipients.save(
            NewRecipient(
                owner_id=order.owner_id, kind=recipient.kind, country=order.country,
                destination=recipient.destination, account_reference=recipient.account_reference,
                network=recipient.network, bank_code=recipient.bank_code, bank_name=recipient.bank_name,
                holder_name=recipient.holder_name, customer_key=customer_key or offramp.customer_key,
            )
        )  # fmt: skip
        await storage.offramps.set_recipient(request.reference_id, saved.id)
        await storage.offramps.record_observation(from_offramp(offramp, source="create"), notify=False)
        if order.sender_address and not order.for_customer:
            # a walk-in customer's wallet is never offered to the agent's next customer
            await storage.sender_addresses.remember(order.owner_id, order.chain, order.sender_address)
        stored = await storage.offramps.get(request.reference_id)
        assert stored is not None
        return Created(stored, new=True)

    def _request(self, order: CashoutOrder, reference: str) -> OfframpRequest:
        return OfframpRequest(
            reference_id=reference, crypto_amount=order.quote.crypto_amount, currency=order.currency,
            chain=order.chain, token=order.token, receiver=order.recipient.receiver(order.country, order.country_name),
            sender_address=order.sender_address, callback_url=self._callback_url, rate_id=order.quote.quote_id,
            refund_config=order.refund_config,
        )  # fmt: skip

    # --- after the create ---------------------------------------------------------------------

    async def refresh(self, offramp: OfframpRecord, *, source: str, answered_chat_id: int | None = None) -> Refreshed:
        """Ask Kotani's API about the offramp (and its refund when one is under way) and record
        what it says: the reconciler's rounds, an unsigned callback (only a hint) and the
        customer's own status check all come here, so what is recorded is always Kotani's
        authenticated answer. ``answered_chat_id``: the chat being shown the result now.

        Raises :class:`kotani.errors.KotaniError` when Kotani cannot answer; what was recorded
        before that stays recorded (each observation stands on its own).
        """
        offramps = self._storage.offramps
        try:
            current = await self._kotani.get_offramp(offramp.reference_id)
        except errors.NotFound:
            if not submitted(offramp):
                return Refreshed(0, None)  # the create never reached Kotani; the next Confirm retries it
            raise
        result = await offramps.record_observation(
            from_offramp(current, source=source), answered_chat_id=answered_chat_id
        )
        changed = int(result.changed)
        if current.status in REFUND_STATES or status_of(offramp) in REFUND_STATES:
            refund = await self._kotani.get_refund_status(offramp.reference_id)
            recorded = await offramps.record_observation(
                from_refund(refund, source=source), answered_chat_id=answered_chat_id
            )
            changed += int(recorded.changed)
        await offramps.mark_polled(offramp.reference_id)
        return Refreshed(changed, current)

    async def cancel(self, offramp: OfframpRecord, *, answered_chat_id: int) -> OfframpRecord:
        """Cancel while Kotani still waits for the deposit; raises :class:`errors.NotCancellable`
        when the crypto is already on its way (then the payout or a refund follows)."""
        cancelled = await self._kotani.cancel_offramp(offramp.reference_id)
        await self._storage.offramps.record_observation(
            from_offramp(cancelled, source="cancel"), answered_chat_id=answered_chat_id
        )
        stored = await self._storage.offramps.get(offramp.reference_id)
        assert stored is not None
        return stored

    async def retry_refund(self, offramp: OfframpRecord, *, answered_chat_id: int) -> RefundInfo:
        """Ask Kotani to try the refund again: a new refund attempt (its outcome is news again)."""
        info = await self._kotani.retry_refund(offramp.reference_id)
        await self._storage.offramps.record_observation(
            user_refund_action(offramp.reference_id, "retry-refund", "REFUND_PENDING", "PENDING"),
            answered_chat_id=answered_chat_id,
        )
        return info

    async def submit_refund_invoice(self, offramp: OfframpRecord, invoice: str, *, answered_chat_id: int) -> None:
        """Hand Kotani the customer's Lightning invoice for the refund (checked by the caller)."""
        await self._kotani.submit_refund_invoice(offramp.reference_id, invoice)
        await self._storage.offramps.record_observation(
            user_refund_action(offramp.reference_id, "invoice", "REFUND_PENDING", "PROCESSING"),
            answered_chat_id=answered_chat_id,
        )
