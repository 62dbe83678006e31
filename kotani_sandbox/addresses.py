"""Fresh deposit (escrow) addresses in each chain's own format (spec §4.2)."""

from __future__ import annotations

import base64
import os

import base58
from bech32 import bech32_encode, convertbits

from kotani.chains import EVM_CHAINS, Chain, to_checksum_address


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def stellar_account_id(public_key: bytes) -> str:
    """StrKey ``G…``: version byte 6<<3, the key, CRC16-XModem little-endian, base32."""
    payload = bytes([6 << 3]) + public_key
    checksum = _crc16_xmodem(payload).to_bytes(2, "little")
    return base64.b32encode(payload + checksum).decode("ascii")


def _bech32(hrp: str, data: bytes) -> str:
    words = convertbits(list(data), 8, 5)
    assert words is not None
    return str(bech32_encode(hrp, words))


def new_escrow_address(chain: Chain) -> str:
    """A random, well-formed address; Lightning gets a bolt11 invoice from ``lightning``."""
    if chain in EVM_CHAINS:
        return to_checksum_address("0x" + os.urandom(20).hex())
    if chain is Chain.TRON:
        return str(base58.b58encode_check(b"\x41" + os.urandom(20)).decode("ascii"))
    if chain is Chain.SOLANA:
        return str(base58.b58encode(os.urandom(32)).decode("ascii"))
    if chain is Chain.STELLAR:
        return stellar_account_id(os.urandom(32))
    if chain is Chain.CARDANO:
        return _bech32("addr", b"\x01" + os.urandom(56))
    if chain is Chain.PROVENANCE:
        return _bech32("pb", os.urandom(20))
    if chain is Chain.HEDERA:
        return f"0.0.{int.from_bytes(os.urandom(3), 'big') + 100000}"
    raise ValueError(f"no address format for {chain}")
