"""Typed results of Kotani calls. Amounts are ``Decimal``; unknown values are ``None``.

Parsers are tolerant (spec §13): they accept both spellings of a field where sources
disagree (``escrowAddress`` / ``depositAddress``), strings or objects for error details, a
list or a paginated object for lists. The untouched payload stays in ``raw``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kotani.chains import Chain, matches_address_format
from kotani.status import OfframpStatus, RefundStatus, effective_status


class SenderAddressRequired(ValueError):
    """An on-chain offramp request without the customer's own, valid sending address.

    Kotani's OpenAPI file: ``senderAddress`` "optional - if not provided, will use integrator
    crypto wallet". Without it Kotani pays the recipient from the operator's crypto and the
    customer need not send anything, so such a request must never be built, whatever screen
    or shortcut asks for it. Raised before any HTTP call.
    """


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric string as an exact Decimal; ``None`` for absent or blank."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def to_datetime(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def error_text(value: Any) -> str | None:
    """``transactionError``/``onchainError``: an object in API responses, a string in webhooks."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("message", "error", "reason", "description"):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MobileMoneyReceiver:
    phone_number: str  # E.164
    account_name: str
    network: str

    def to_api(self) -> dict[str, Any]:
        return {
            "mobileMoneyReceiver": {
                "phoneNumber": self.phone_number,
                "accountName": self.account_name,
                "networkProvider": self.network,
            }
        }


@dataclass(frozen=True)
class BankReceiver:
    name: str
    account_number: str
    bank_code: str
    country: str
    address: str
    bank_name: str | None = None
    phone_number: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "address": self.address,
            "bankCode": self.bank_code,
            "accountNumber": self.account_number,
            "country": self.country,
        }
        if self.bank_name:
            body["bankName"] = self.bank_name
        if self.phone_number:
            body["phoneNumber"] = self.phone_number
        return {"bankReceiver": body}


@dataclass(frozen=True)
class TillReceiver:
    """Lipa na M-Pesa till (buy goods), Kenya only."""

    business_shortcode: str
    account_reference: str | None = None
    description: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"businessShortcode": self.business_shortcode}
        if self.account_reference:
            body["accountReference"] = self.account_reference
        if self.description:
            body["transactionDesc"] = self.description
        return {"lipaNaMpesaReceiver": body}


@dataclass(frozen=True)
class PaybillReceiver:
    """M-Pesa paybill, Kenya only."""

    paybill_number: str
    account_number: str
    remarks: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "paybillNumber": self.paybill_number,
            "accountNumber": self.account_number,
        }
        if self.remarks:
            body["remarks"] = self.remarks
        return {"paybillReceiver": body}


Receiver = MobileMoneyReceiver | BankReceiver | TillReceiver | PaybillReceiver


@dataclass(frozen=True)
class RefundConfig:
    """Where a refund goes if the payout fails (spec §7): a bolt11 up front, or an address."""

    bolt11: str | None = None
    payment_hash: str | None = None
    amount_msat: int | None = None
    expires_at: datetime | None = None
    generate_invoice_url: str | None = None
    address: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.bolt11:
            body["bolt11"] = self.bolt11
        if self.payment_hash:
            body["payment_hash"] = self.payment_hash
        if self.amount_msat is not None:
            body["amount_msat"] = self.amount_msat
        if self.expires_at is not None:
            body["expires_at"] = self.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.generate_invoice_url:
            body["generate_invoice_url"] = self.generate_invoice_url
        if self.address:
            body["address"] = self.address
        return body


@dataclass(frozen=True)
class OfframpRequest:
    reference_id: str
    crypto_amount: Decimal
    currency: str
    chain: str
    token: str
    receiver: Receiver
    sender_address: str | None = None
    callback_url: str | None = None
    rate_id: str | None = None
    refund_config: RefundConfig | None = None

    def __post_init__(self) -> None:
        self.check_sender_address()

    def check_sender_address(self) -> None:
        """Raise :class:`SenderAddressRequired` unless an on-chain request names a valid one."""
        chain = self.chain.strip().upper()
        if chain == Chain.LIGHTNING:
            return  # the contract gives senderAddress no meaning for Lightning (settings: LIGHTNING_CASHOUTS)
        address = (self.sender_address or "").strip()
        if not address:
            raise SenderAddressRequired(f"an offramp on {chain} needs the customer's senderAddress")
        if chain in Chain.__members__ and not matches_address_format(Chain(chain), address):
            raise SenderAddressRequired(f"senderAddress is not a valid {chain} address")

    def to_api(self) -> dict[str, Any]:
        """The create body, keys in the order of the spec's example (signature-relevant)."""
        body: dict[str, Any] = {
            "cryptoAmount": self.crypto_amount,
            "currency": self.currency,
            "chain": self.chain,
            "token": self.token,
            "referenceId": self.reference_id,
        }
        if self.sender_address:
            body["senderAddress"] = self.sender_address
        if self.callback_url:
            body["callbackUrl"] = self.callback_url
        if self.rate_id:
            body["rateId"] = self.rate_id
        body.update(self.receiver.to_api())
        if self.refund_config is not None:
            body["refund_config"] = self.refund_config.to_api()
        return body


# --- responses --------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    id: str
    token: str
    currency: str
    rate: Decimal
    crypto_amount: Decimal
    fiat_amount: Decimal
    transaction_amount: Decimal  # what the recipient gets
    fee: Decimal
    wallet_debit_amount: Decimal | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Quote:
        return cls(
            id=str(data["id"]),
            token=str(data.get("from", "")),
            currency=str(data.get("to", "")),
            rate=to_decimal(data.get("value")) or Decimal(0),
            crypto_amount=to_decimal(data.get("cryptoAmount")) or Decimal(0),
            fiat_amount=to_decimal(data.get("fiatAmount")) or Decimal(0),
            transaction_amount=to_decimal(data.get("transactionAmount")) or Decimal(0),
            fee=to_decimal(data.get("fee")) or Decimal(0),
            wallet_debit_amount=to_decimal(data.get("walletDebitAmount")),
            raw=data,
        )


@dataclass(frozen=True)
class ExchangeRate:
    source: str
    target: str
    value: Decimal

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ExchangeRate:
        return cls(str(data["from"]), str(data["to"]), to_decimal(data.get("value")) or Decimal(0))


@dataclass(frozen=True)
class Offramp:
    reference_id: str
    status: OfframpStatus
    raw_status: str
    onchain_status: str | None
    escrow_address: str | None
    crypto_amount: Decimal | None
    fiat_amount: Decimal | None
    fiat_transaction_amount: Decimal | None
    fiat_currency: str | None
    customer_key: str | None
    sender_address: str | None
    transaction_hash: str | None
    transaction_hash_amount: Decimal | None
    refund_status: RefundStatus | None
    error: str | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Offramp:
        raw_status = str(data.get("status") or "")
        refund = RefundStatus.parse(_str(data.get("refundStatus")))
        return cls(
            reference_id=str(data.get("referenceId") or data.get("reference_id") or ""),
            status=effective_status(OfframpStatus.parse(raw_status), refund),
            raw_status=raw_status,
            onchain_status=_str(data.get("onchainStatus")),
            escrow_address=_str(data.get("escrowAddress") or data.get("depositAddress")),
            crypto_amount=to_decimal(data.get("cryptoAmount")),
            fiat_amount=to_decimal(data.get("fiatAmount")),
            fiat_transaction_amount=to_decimal(data.get("fiatTransactionAmount")),
            fiat_currency=_str(data.get("fiatCurrency") or data.get("currency")),
            customer_key=_str(data.get("customerKey")),
            sender_address=_str(data.get("senderAddress")),
            transaction_hash=_str(data.get("transactionHash")),
            transaction_hash_amount=to_decimal(data.get("transactionHashAmount")) or None,
            refund_status=refund,
            error=error_text(data.get("transactionError")) or error_text(data.get("onchainError")),
            created_at=to_datetime(data.get("created_at") or data.get("createdAt")),
            updated_at=to_datetime(data.get("updated_at") or data.get("updatedAt")),
            raw=data,
        )


@dataclass(frozen=True)
class OfframpPage:
    items: list[Offramp]
    page: int
    per_page: int
    total: int | None


@dataclass(frozen=True)
class RefundInfo:
    reference_id: str
    status: OfframpStatus
    refund_status: RefundStatus | None
    refund_amount: Decimal | None
    refund_transaction_hash: str | None
    refund_address: str | None
    retry_count: int
    requires_manual_intervention: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> RefundInfo:
        refund = RefundStatus.parse(_str(data.get("refundStatus")))
        return cls(
            reference_id=str(data.get("referenceId") or ""),
            status=effective_status(OfframpStatus.parse(_str(data.get("status"))), refund),
            refund_status=refund,
            refund_amount=to_decimal(data.get("refundAmount")),
            refund_transaction_hash=_str(data.get("refundTransactionHash")),
            refund_address=_str(data.get("refundAddress")),
            retry_count=int(data.get("retryCount") or 0),
            requires_manual_intervention=bool(data.get("requiresManualIntervention")),
            raw=data,
        )


@dataclass(frozen=True)
class Customer:
    customer_key: str
    country_code: str
    phone_number: str | None
    network: str | None
    account_name: str | None
    account_number: str | None
    bank_code: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Customer:
        return cls(
            customer_key=str(data.get("customer_key") or data.get("customerKey") or ""),
            country_code=str(data.get("country_code") or ""),
            phone_number=_str(data.get("phone_number")),
            network=_str(data.get("network")),
            account_name=_str(data.get("account_name")),
            account_number=_str(data.get("account_number")),
            bank_code=_str(data.get("bank_code")),
            raw=data,
        )


@dataclass(frozen=True)
class AccountValidation:
    is_valid: bool
    is_supported: bool
    account_type: str | None
    international_number: str | None
    network: str | None
    mno: str | None
    account_name: str | None
    name_lookup_status: str | None
    name_lookup_reason: str | None
    name_matched: bool | None
    account_status: str | None
    message: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> AccountValidation:
        name_match = data.get("nameMatch") or {}
        matched = name_match.get("matched") if isinstance(name_match, dict) else None
        return cls(
            is_valid=bool(data.get("isValid")),
            is_supported=bool(data.get("isSupported", True)),
            account_type=_str(data.get("accountType")),
            international_number=_str(data.get("internationalNumber")),
            network=_str(data.get("network")),
            mno=_str(data.get("mno")),
            account_name=_str(data.get("accountName")),
            name_lookup_status=_str(data.get("nameLookupStatus")),
            name_lookup_reason=_str(data.get("nameLookupReason")),
            name_matched=matched if isinstance(matched, bool) else None,
            account_status=_str(data.get("accountStatus")),
            message=_str(data.get("message")),
            raw=data,
        )

    @property
    def lookup_retryable(self) -> bool:
        """Kotani: retry only on TIMEOUT or ERROR (spec §5.2)."""
        return self.name_lookup_status in ("TIMEOUT", "ERROR")


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    currency: str
    service_type: str
    is_active: bool
    is_enabled: bool
    requires_network: bool
    requires_account_name: bool
    networks: tuple[str, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Country:
        networks = data.get("availableNetworks") or data.get("supportedNetworks") or []
        return cls(
            code=str(data.get("countryCode", "")),
            name=str(data.get("name", "")),
            currency=str(data.get("currency", "")),
            service_type=str(data.get("serviceType", "")),
            is_active=bool(data.get("isActive")),
            is_enabled=bool(data.get("isEnabled")),
            requires_network=bool(data.get("requiresNetwork")),
            requires_account_name=bool(data.get("requiresAccountName")),
            networks=tuple(str(network) for network in networks),
        )

    @property
    def usable(self) -> bool:
        return self.is_active and self.is_enabled


@dataclass(frozen=True)
class NetworkAvailability:
    country_code: str
    networks: tuple[str, ...]
    is_required: bool

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> NetworkAvailability:
        return cls(
            country_code=str(data.get("countryCode", "")),
            networks=tuple(str(network) for network in data.get("networks") or []),
            is_required=bool(data.get("isRequired")),
        )


@dataclass(frozen=True)
class Bank:
    code: str  # a number for some providers, a string for others: always text here
    name: str
    currency: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Bank:
        return cls(str(data.get("code", "")), str(data.get("name", "")), str(data.get("currency", "")))


@dataclass(frozen=True)
class FiatWallet:
    id: str
    name: str
    currency: str
    country: str | None
    status: str | None
    balance: Decimal
    deposit_balance: Decimal

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> FiatWallet:
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            currency=str(data.get("currency", "")),
            country=_str(data.get("country")),
            status=_str(data.get("status")),
            balance=to_decimal(data.get("balance")) or Decimal(0),
            deposit_balance=to_decimal(data.get("deposit_balance")) or Decimal(0),
        )


@dataclass(frozen=True)
class Integrator:
    id: str | None
    organization: str
    webhook_url: str | None
    webhook_events: tuple[str, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Integrator:
        return cls(
            id=_str(data.get("id")),
            organization=str(data.get("organization", "")),
            webhook_url=_str(data.get("webhook_url")),
            webhook_events=tuple(data.get("webhook_events") or ()),
        )
