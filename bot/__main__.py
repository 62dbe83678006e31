"""``python -m bot`` runs the bot (the Procfile's web process); ``python -m bot demo`` runs
the local demo with the embedded Kotani sandbox and no credentials."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        try:
            from bot.demo import run_demo
        except KeyboardInterrupt:  # Ctrl-C while the demo loads: quit, as Ctrl-C does later
            return 0
        return run_demo()
    if args:
        print("usage: python -m bot [demo]", file=sys.stderr)
        return 2
    from offramps.settings import ConfigError, load_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    from bot.server import serve

    run(serve(settings))
    return 0


def run(main: Coroutine[Any, Any, None]) -> None:
    """On uvloop where it exists (a faster event loop: docs/benchmarks.md), else asyncio's."""
    try:
        import uvloop
    except ImportError:  # Windows
        asyncio.run(main)
    else:
        uvloop.run(main)


if __name__ == "__main__":
    sys.exit(main())
