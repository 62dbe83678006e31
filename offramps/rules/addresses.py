"""Addresses that must never be taken as the customer's own wallet.

A refund goes back to the address the customer says they send from. A token's contract
address looks exactly like a wallet address (it passes every format and checksum test), and
people paste it by mistake from an explorer page; a refund sent there is lost for good.
"""

from __future__ import annotations

from kotani.chains import EVM_CHAINS, Chain
from offramps.rules.qr import TOKEN_CONTRACTS

#: contracts of the tokens people cash out, beyond those the QR codes use (EVM ones are there)
_OTHER_CONTRACTS: dict[Chain, frozenset[str]] = {
    Chain.TRON: frozenset(
        {
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",  # USDT (TRC-20)
            "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8",  # USDC (TRC-20)
        }
    ),
    Chain.SOLANA: frozenset(
        {
            "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",  # USDC mint
            "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",  # USDT mint
        }
    ),
}


def is_token_contract(chain: Chain, address: str) -> bool:
    """True when ``address`` is a token contract on ``chain``, not anybody's wallet."""
    if chain in EVM_CHAINS:
        lowered = address.lower()
        return any(
            contract.lower() == lowered
            for (token_chain, _), (contract, _) in TOKEN_CONTRACTS.items()
            if token_chain in EVM_CHAINS
        )
    return address in _OTHER_CONTRACTS.get(chain, frozenset())
