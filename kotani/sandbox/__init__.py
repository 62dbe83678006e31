"""A local Kotani Pay v3 that behaves as the spec describes (spec §11), for tests and demos."""

from kotani.sandbox.app import create_app
from kotani.sandbox.clock import SandboxClock
from kotani.sandbox.config import SandboxConfig

__all__ = ["SandboxClock", "SandboxConfig", "create_app"]
