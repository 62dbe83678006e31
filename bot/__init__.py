"""The process floor: entry point (``python -m bot``), wiring, the web server with its three
doors, background workers (``bot.workers``), the QR worker and the local demo.

May import: every floor below (``handlers``, ``ui``, ``offramps``, ``storage``, ``kotani``) and
``kotani_sandbox`` (the demo embeds it). Nothing imports ``bot``.
"""

__version__ = "0.1.0"
