"""Chains, tokens, which pairs can be cashed out, and what an address on each chain looks like.

Kotani publishes no live list of offramp chain/token pairs (spec §4.1, §13 #18); this table
is the spec's best available one. A "not supported" 400 from Kotani stays authoritative.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

import base58
from Crypto.Hash import keccak


class Chain(StrEnum):
    ETHEREUM = "ETHEREUM"
    CELO = "CELO"
    AVALANCHE = "AVALANCHE"
    POLYGON = "POLYGON"
    ARBITRUM = "ARBITRUM"
    OPTIMISM = "OPTIMISM"
    BINANCE = "BINANCE"
    STELLAR = "STELLAR"
    TRON = "TRON"
    FUSE = "FUSE"
    LIGHTNING = "LIGHTNING"
    SOLANA = "SOLANA"
    PROVENANCE = "PROVENANCE"
    CARDANO = "CARDANO"
    HEDERA = "HEDERA"
    BASE = "BASE"
    LISK = "LISK"
    VICTION = "VICTION"
    SCROLL = "SCROLL"


class Token(StrEnum):
    CUSD = "CUSD"
    USDC = "USDC"
    USDT = "USDT"
    USDT0 = "USDT0"
    SAT = "SAT"
    BTC = "BTC"
    HASH = "HASH"
    FUSE = "FUSE"
    HBAR = "HBAR"
    USDGLO = "USDGLO"
    CKES = "CKES"
    CGHS = "CGHS"
    MSAT = "MSAT"
    XLM = "XLM"
    ADA = "ADA"


#: Tokens ``POST /api/v3/rate/offramp`` accepts as ``from`` (spec §4.1).
OFFRAMP_TOKENS: frozenset[Token] = frozenset(
    {
        Token.CUSD,
        Token.USDC,
        Token.USDT,
        Token.USDGLO,
        Token.CKES,
        Token.CGHS,
        Token.MSAT,
        Token.ADA,
    }
)

#: Chain → tokens that can be cashed out on it (spec §4.1 table, offramp tokens only).
OFFRAMP_PAIRS: dict[Chain, tuple[Token, ...]] = {
    Chain.TRON: (Token.USDT,),
    Chain.POLYGON: (Token.USDT, Token.USDC),
    Chain.ETHEREUM: (Token.USDT, Token.USDC),
    Chain.BASE: (Token.USDC,),
    Chain.SOLANA: (Token.USDT, Token.USDC),
    Chain.CELO: (Token.CUSD, Token.USDT, Token.USDC, Token.CKES, Token.CGHS, Token.USDGLO),
    Chain.ARBITRUM: (Token.USDT, Token.USDC),
    Chain.OPTIMISM: (Token.USDT, Token.USDC),
    Chain.AVALANCHE: (Token.USDC,),
    Chain.STELLAR: (Token.USDC,),
    Chain.LIGHTNING: (Token.MSAT,),
    Chain.CARDANO: (Token.ADA,),
}

#: Decimal places an amount of each token may have when a person types it.
TOKEN_DECIMALS: dict[Token, int] = {
    Token.CUSD: 6,
    Token.USDC: 6,
    Token.USDT: 6,
    Token.USDT0: 6,
    Token.USDGLO: 6,
    Token.CKES: 6,
    Token.CGHS: 6,
    Token.MSAT: 0,
    Token.SAT: 0,
    Token.BTC: 8,
    Token.ADA: 6,
    Token.XLM: 7,
    Token.HBAR: 8,
    Token.HASH: 9,
    Token.FUSE: 6,
}

EVM_CHAINS: frozenset[Chain] = frozenset(
    {
        Chain.ETHEREUM,
        Chain.POLYGON,
        Chain.BASE,
        Chain.ARBITRUM,
        Chain.OPTIMISM,
        Chain.CELO,
        Chain.AVALANCHE,
        Chain.BINANCE,
        Chain.LISK,
        Chain.SCROLL,
        Chain.VICTION,
        Chain.FUSE,
    }
)

_BASE58 = "[1-9A-HJ-NP-Za-km-z]"
_ADDRESS_PATTERNS: dict[str, re.Pattern[str]] = {
    "EVM": re.compile(r"^0x[0-9a-fA-F]{40}$"),
    Chain.TRON: re.compile(rf"^T{_BASE58}{{33}}$"),
    Chain.SOLANA: re.compile(rf"^{_BASE58}{{32,44}}$"),
    Chain.STELLAR: re.compile(r"^G[A-Z2-7]{55}$"),
    Chain.CARDANO: re.compile(r"^addr1[0-9a-z]{50,}$"),
    Chain.HEDERA: re.compile(r"^0\.0\.\d+$"),
    Chain.PROVENANCE: re.compile(r"^pb1[0-9a-z]{38,}$"),
    Chain.LIGHTNING: re.compile(r"^ln(bc|tb|tbs|bcrt)[0-9a-z]+$"),
}


def supports(chain: Chain, token: Token) -> bool:
    return token in OFFRAMP_PAIRS.get(chain, ())


def address_pattern(chain: Chain) -> re.Pattern[str] | None:
    return _ADDRESS_PATTERNS.get("EVM" if chain in EVM_CHAINS else chain)


def matches_address_format(chain: Chain, address: str) -> bool:
    """The spec's format check (§4.2): what Kotani's DTO validation accepts."""
    pattern = address_pattern(chain)
    return bool(pattern and pattern.match(address))


def is_valid_address(chain: Chain, address: str) -> bool:
    """Format check plus the checksums a wallet would verify (EIP-55, Tron Base58Check).

    Stricter than Kotani on purpose: a typo in a refund address sends a refund nowhere.
    """
    if not matches_address_format(chain, address):
        return False
    if chain in EVM_CHAINS:
        body = address[2:]
        if body.islower() or body.isupper():
            return True
        return to_checksum_address(address) == address
    if chain is Chain.TRON:
        try:
            payload = base58.b58decode_check(address)
        except ValueError:
            return False
        return len(payload) == 21 and payload[0] == 0x41
    return True


def keccak256(data: bytes) -> bytes:
    digest = keccak.new(digest_bits=256)
    digest.update(data)
    return digest.digest()


def to_checksum_address(address: str) -> str:
    """EIP-55 mixed-case checksum of an EVM address."""
    body = address.lower().removeprefix("0x")
    hashed = keccak256(body.encode("ascii")).hex()
    return "0x" + "".join(ch.upper() if ch.isalpha() and int(hashed[i], 16) >= 8 else ch for i, ch in enumerate(body))


MSAT_PER_SAT = 1000  # Kotani counts Lightning in millisatoshis (token MSAT); people count sats


def msat_to_sats(amount_msat: Decimal | int) -> Decimal:
    return Decimal(amount_msat) / MSAT_PER_SAT


def sats_to_msat(amount_sats: Decimal | int) -> Decimal:
    return Decimal(amount_sats) * MSAT_PER_SAT
