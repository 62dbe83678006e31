"""Kotani Pay v3: typed async client, request signing, webhook verification and a local sandbox.

This package imports nothing else of ours, so it can be lifted into another project as is.
"""

from kotani.client import KotaniClient, KotaniConfig
from kotani.errors import KotaniError
from kotani.status import OfframpStatus, RefundStatus

__all__ = ["KotaniClient", "KotaniConfig", "KotaniError", "OfframpStatus", "RefundStatus"]
