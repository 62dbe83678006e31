"""No code path can build an on-chain offramp request without the customer's sender address.

Kotani's OpenAPI file: an omitted ``senderAddress`` makes Kotani pay the recipient out of the
operator's own crypto wallet, and the customer never has to send anything. The guard sits
below every screen, in the request type itself, so it fails before any HTTP call.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kotani.chains import Chain
from kotani.client import KotaniClient, KotaniConfig
from kotani.jsonjs import js_dumps
from kotani.models import MobileMoneyReceiver, OfframpRequest, SenderAddressRequired

TRON_SENDER = "TQ5NmZ8c1pXv3QnKzY7sW2rT9uJ4hL6bDe"
RECEIVER = MobileMoneyReceiver("+254700000001", "Jane Doe", "MPESA")


def request(chain: str, sender: str | None, token: str = "USDT") -> OfframpRequest:
    return OfframpRequest("tg-1-abc", Decimal(10), "KES", chain, token, RECEIVER, sender_address=sender)


@pytest.mark.parametrize("sender", [None, "", "   "])
@pytest.mark.parametrize("chain", [c.value for c in Chain if c is not Chain.LIGHTNING] + ["tron", "NEWCHAIN"])
def test_an_on_chain_request_without_a_sender_address_cannot_be_built(chain: str, sender: str | None) -> None:
    with pytest.raises(SenderAddressRequired):
        request(chain, sender)


def test_a_sender_address_that_is_not_an_address_of_the_chain_is_refused() -> None:
    with pytest.raises(SenderAddressRequired, match="TRON"):
        request("TRON", "0x52908400098527886E0F7030069857D2E4169EE7")  # an Ethereum address
    with pytest.raises(SenderAddressRequired):
        request("TRON", TRON_SENDER[:-2])  # too short for Kotani's own format check


def test_the_sender_address_goes_out_in_the_create_body() -> None:
    body = js_dumps(request("TRON", TRON_SENDER).to_api()).decode()
    assert f'"senderAddress":"{TRON_SENDER}"' in body


def test_lightning_has_no_sender_address_to_give() -> None:
    body = request("LIGHTNING", None, token="MSAT").to_api()
    assert "senderAddress" not in body


async def test_the_client_refuses_before_any_http_call() -> None:
    """Even a caller that bypasses the type's constructor cannot reach Kotani: the client checks
    again before it sends. The base URL is a closed port, so an attempted call would end in a
    network error (after retries), not in this refusal."""
    bypass = object.__new__(OfframpRequest)
    for name, value in vars(request("TRON", TRON_SENDER)).items():
        object.__setattr__(bypass, name, value)
    object.__setattr__(bypass, "sender_address", None)
    client = KotaniClient(KotaniConfig(base_url="http://127.0.0.1:9", api_key="k", max_attempts=1))
    try:
        with pytest.raises(SenderAddressRequired):
            await client.create_offramp(bypass)
    finally:
        await client.aclose()
