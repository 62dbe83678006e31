"""Kotani's errors in plain words, with a way forward, in the reader's language."""

from __future__ import annotations

import logging

from kotani import errors
from ui.texts import has_text, t

logger = logging.getLogger("ui.problems")


def kotani_problem(exc: errors.KotaniError) -> str:
    """Plain words for a Kotani error, with a way forward, in the user's language."""
    logger.warning("kotani error shown to user: %s (%s)", type(exc).__name__, exc)
    if isinstance(exc, errors.Forbidden) and exc.banned_until is not None:
        return t("kotani_Suspended", until=f"{exc.banned_until:%Y-%m-%d %H:%M}")
    for cls in type(exc).__mro__:
        key = f"kotani_{cls.__name__}"
        if has_text(key):
            return t(key, message=exc.message)
    return t("kotani_KotaniError")
