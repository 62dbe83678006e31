"""A local Kotani Pay v3 that behaves as the spec describes (spec §11), for tests and demos.

Where the spec leaves money questions open, the sandbox picks the answer that loses nothing:
a cancel is refused (400 "Transaction cannot be cancelled in its current status") as soon as a
deposit has been seen, even while it is still confirming, and crypto that lands after a cancel
or after expiry is refunded to the sender (details in ``kotani_sandbox.engine``).

What lives here: the Starlette app with Kotani's routes and the control API (``app``, request
checks in ``validation``), the offramp engine and its scheduled steps (``engine``, with
``pricing``, ``scenarios``, ``addresses``, ``lightning``, ``ratelimit`` and an injectable
``clock``), signed webhook delivery (``delivery``), the switches (``config``), and the entry
point ``python -m kotani_sandbox`` (``__main__``). Tests and the bot's demo embed it through
:func:`create_app`.

What it may import: the standard library, its web stack (Starlette, uvicorn, httpx for webhook
delivery) and from ``kotani`` only the wire-level modules it shares with the client: ``models``,
``status``, ``chains``, ``signing``, ``jsonjs`` and ``redact``; never ``kotani.client`` and nothing
of the bot (``bot``, ``handlers``, ``storage``, ``offramps``). ``tests/unit/test_layers.py`` keeps
this true.
"""

from kotani_sandbox.app import create_app
from kotani_sandbox.clock import SandboxClock
from kotani_sandbox.config import SandboxConfig

__all__ = ["SandboxClock", "SandboxConfig", "create_app"]
