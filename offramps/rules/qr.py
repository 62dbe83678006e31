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


#: Solana Pay ``spl-token`` mints (and their decimals) of the tokens offered on Solana.
SOLANA_MINTS: dict[str, tuple[str, int]] = {
    "USDC": ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6),
    "USDT": ("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6),
}

# Where the amount can ride in the QR, and where it cannot:
# - EVM chains: EIP-681 (``ethereum:<contract>@<chain id>/transfer?address=…&uint256=…``).
# - Solana: a Solana Pay transfer request (``solana:<address>?amount=…&spl-token=<mint>``), the
#   wallet standard Phantom, Solflare and others scan; the amount is in token units.
# - Tron: no wallet standard exists for a TRC-20 payment request. TronLink's ``tronlinkoutside``
#   deep links open the app rather than encode a transfer, and the ``tron:`` URIs some wallets
#   read are their own, unlike one another; a QR one wallet misreads could send TRX instead of
#   USDT, or nothing. The bare address is what every Tron wallet scans, so it stays, and the
#   exact amount is a copy button on the card.
# - Stellar: SEP-7 (``web+stellar:pay``) exists, but few wallets scan it from a camera and a
#   deposit may need a memo we do not have; the bare address, like Tron.


def deposit_qr_payload(chain: str, token: str, address: str, amount: Decimal) -> str:
    """``lightning:<BOLT11>``, EIP-681 for known EVM tokens, Solana Pay for Solana's USDC and
    USDT, else the bare address (see above why Tron and Stellar keep it)."""
    if chain == Chain.LIGHTNING:
        return "lightning:" + address.upper()
    if chain == Chain.SOLANA and token in SOLANA_MINTS:
        mint, decimals = SOLANA_MINTS[token]
        exponent = amount.normalize().as_tuple().exponent
        if amount > 0 and isinstance(exponent, int) and -exponent <= decimals:  # no dust below the mint's places
            return f"solana:{address}?amount={format(amount.normalize(), 'f')}&spl-token={mint}"
        return address
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
