"""The conversation floor: PTB handlers, one module (or package) per conversation or feature.

A callback reads the update, calls a domain service and renders its outcome; it never builds
an HTTP request or an observation itself.

May import: ``ui``, ``offramps``, ``storage``, ``kotani``. Never ``bot``.
"""
