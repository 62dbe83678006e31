"""Kotani Pay v3 client library: what the bot needs to talk to Kotani, and nothing else.

What lives here: the typed async client (``client``: retries, create-offramp recovery, error
mapping in ``errors``), the response models (``models``), offramp and refund statuses
(``status``), chains, tokens and addresses (``chains``), request and webhook signatures
(``signing``, with the JavaScript-compatible JSON it signs over in ``jsonjs``), webhook parsing
(``webhooks``) and masking of personal data and secrets for logs (``redact``).

What it may import: the standard library and its HTTP client (aiohttp, with yarl and multidict)
plus small pure helpers (base58 and pycryptodome's Keccak for addresses); never a web framework or server (Starlette,
uvicorn, httpx) and nothing else of ours (``bot``, ``handlers``, ``storage``, ``offramps``, the
sandbox in ``kotani_sandbox``), so it can be lifted into another project as is.
``tests/unit/test_layers.py`` keeps this true.
"""

from kotani.client import KotaniClient, KotaniConfig
from kotani.errors import KotaniError
from kotani.status import OfframpStatus, RefundStatus

__all__ = ["KotaniClient", "KotaniConfig", "KotaniError", "OfframpStatus", "RefundStatus"]
