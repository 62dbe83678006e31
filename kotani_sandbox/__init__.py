"""A local Kotani Pay v3 that behaves as the spec describes (spec §11), for tests and demos.

Where the spec leaves money questions open, the sandbox picks the answer that loses nothing:
a cancel is refused (400 "Transaction cannot be cancelled in its current status") as soon as a
deposit has been seen, even while it is still confirming, and crypto that lands after a cancel
or after expiry is refunded to the sender (details in ``kotani_sandbox.engine``).
"""

from kotani_sandbox.app import create_app
from kotani_sandbox.clock import SandboxClock
from kotani_sandbox.config import SandboxConfig

__all__ = ["SandboxClock", "SandboxConfig", "create_app"]
