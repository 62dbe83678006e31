from __future__ import annotations

from decimal import Decimal

from kotani.models import MobileMoneyReceiver, OfframpRequest, Receiver, RefundConfig

TRON_SENDER = "TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe"


def mpesa(phone: str = "+254700000001", name: str = "Jane Doe") -> MobileMoneyReceiver:
    return MobileMoneyReceiver(phone, name, "MPESA")


def offramp_request(
    reference: str,
    *,
    amount: str = "10",
    receiver: Receiver | None = None,
    chain: str = "TRON",
    token: str = "USDT",
    currency: str = "KES",
    sender: str | None = TRON_SENDER,
    callback_url: str | None = None,
    rate_id: str | None = None,
    refund_config: RefundConfig | None = None,
) -> OfframpRequest:
    return OfframpRequest(
        reference_id=reference,
        crypto_amount=Decimal(amount),
        currency=currency,
        chain=chain,
        token=token,
        receiver=receiver or mpesa(),
        sender_address=sender,
        callback_url=callback_url,
        rate_id=rate_id,
        refund_config=refund_config,
    )
