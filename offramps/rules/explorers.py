"""Where a person can see a transaction for themselves: one block explorer per chain, here only.

A hash in a chat can be copied but not checked; a link to the chain's best-known public
explorer lets the payer see the deposit (or refund) confirmed with their own eyes. Chains
without a public explorer for the hash we hold (Lightning: a payment hash is private to the
two nodes) or without one we are sure of get no link, only the hash.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from kotani.chains import Chain

#: chain → explorer name and its transaction page (``{hash}`` filled in)
EXPLORERS: dict[Chain, tuple[str, str]] = {
    Chain.TRON: ("Tronscan", "https://tronscan.org/#/transaction/{hash}"),
    Chain.ETHEREUM: ("Etherscan", "https://etherscan.io/tx/{hash}"),
    Chain.POLYGON: ("PolygonScan", "https://polygonscan.com/tx/{hash}"),
    Chain.BASE: ("BaseScan", "https://basescan.org/tx/{hash}"),
    Chain.ARBITRUM: ("Arbiscan", "https://arbiscan.io/tx/{hash}"),
    Chain.OPTIMISM: ("Optimistic Etherscan", "https://optimistic.etherscan.io/tx/{hash}"),
    Chain.CELO: ("CeloScan", "https://celoscan.io/tx/{hash}"),
    Chain.AVALANCHE: ("Snowtrace", "https://snowtrace.io/tx/{hash}"),
    Chain.BINANCE: ("BscScan", "https://bscscan.com/tx/{hash}"),
    Chain.SOLANA: ("Solscan", "https://solscan.io/tx/{hash}"),
    Chain.STELLAR: ("StellarExpert", "https://stellar.expert/explorer/public/tx/{hash}"),
}

#: what a transaction hash looks like on any of these chains (hex, 0x-hex or base58)
_HASH = re.compile(r"(0x)?[0-9A-Za-z]{16,128}")


def explorer_link(chain: str, transaction_hash: str | None) -> tuple[str, str] | None:
    """``(explorer name, URL)`` of this transaction, or None (unknown chain, or a "hash" that
    does not look like one: nothing odd is ever put into a link)."""
    if not transaction_hash or not _HASH.fullmatch(transaction_hash) or chain not in Chain.__members__:
        return None
    known = EXPLORERS.get(Chain(chain))
    if known is None:
        return None
    name, template = known
    return name, template.format(hash=quote(transaction_hash, safe=""))
