"""What the deposit QR code contains, following wallet conventions, and its PNG."""

from __future__ import annotations

import io
from decimal import Decimal

import segno

from kotani.chains import EVM_CHAINS, Chain, to_checksum_address

#: EIP-155 chain ids of the EVM chains we know token contracts for.
CHAIN_IDS: dict[Chain, int] = {
    Chain.ETHEREUM: 1,
    Chain.OPTIMISM: 10,
    Chain.POLYGON: 137,
    Chain.BASE: 8453,
    Chain.ARBITRUM: 42161,
    Chain.CELO: 42220,
    Chain.AVALANCHE: 43114,
}

#: (chain, token) → (contract, decimals). Only contracts we are sure of: a wrong one would
#: make a wallet send the wrong token, so anything unknown gets the bare address instead.
TOKEN_CONTRACTS: dict[tuple[Chain, str], tuple[str, int]] = {
    (Chain.ETHEREUM, "USDT"): ("0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
    (Chain.ETHEREUM, "USDC"): ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
    (Chain.POLYGON, "USDT"): ("0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6),
    (Chain.POLYGON, "USDC"): ("0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6),
    (Chain.BASE, "USDC"): ("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6),
    (Chain.ARBITRUM, "USDC"): ("0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6),
    (Chain.ARBITRUM, "USDT"): ("0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", 6),
    (Chain.OPTIMISM, "USDC"): ("0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", 6),
    (Chain.OPTIMISM, "USDT"): ("0x94b008aA00579c1307B0EF2c499aD98a8ce58e58", 6),
    (Chain.CELO, "CUSD"): ("0x765DE816845861e75A25fCA122bb6898B8B1282a", 18),
    (Chain.AVALANCHE, "USDC"): ("0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", 6),
}


def deposit_qr_payload(chain: str, token: str, address: str, amount: Decimal) -> str:
    """``lightning:<BOLT11>``, EIP-681 for known EVM tokens, else the bare address."""
    if chain == Chain.LIGHTNING:
        return "lightning:" + address.upper()
    known = TOKEN_CONTRACTS.get((Chain(chain), token)) if chain in Chain.__members__ else None
    if known is not None and Chain(chain) in EVM_CHAINS:
        contract, decimals = known
        base_units = amount.scaleb(decimals)
        if base_units == base_units.to_integral_value():
            return (
                f"ethereum:{contract}@{CHAIN_IDS[Chain(chain)]}/transfer"
                f"?address={to_checksum_address(address)}&uint256={int(base_units)}"
            )
    return address


def qr_png(payload: str) -> bytes:
    """A regular QR code (never a Micro QR, which many wallet scanners cannot read; not trying
    one also saves a fifth of the encoding time)."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def qr_terminal(payload: str) -> str:
    """The QR code drawn with block characters, for the terminal demo."""
    buffer = io.StringIO()
    segno.make(payload, error="l").terminal(out=buffer, compact=True)
    return buffer.getvalue()
