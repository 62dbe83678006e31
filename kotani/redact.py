"""Masking of personal data and secrets before anything reaches a log line or an error report."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
# A run of 7 or more digits, optionally after '+', possibly with spaces or dashes between.
_LONG_NUMBER = re.compile(r"\+?\d(?:[\s-]?\d){6,}")


def mask_number(value: str, keep_end: int = 3) -> str:
    """``+254712345678`` → ``+254******678``: enough to tell numbers apart, not to dial one."""
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) <= keep_end + 3:
        return "*" * len(value)
    keep_start = 3 if value.startswith("+") else 2
    visible = set(digits[:keep_start]) | set(digits[-keep_end:])
    return "".join(ch if (i in visible or not ch.isdigit()) else "*" for i, ch in enumerate(value))


def mask_account(value: str) -> str:
    """Account numbers: only the last four digits, as on a bank statement."""
    return "*" * max(0, len(value) - 4) + value[-4:]


def mask_numbers_in(text: str) -> str:
    """Mask every long digit run (phone, account, till numbers) inside free text."""
    return _LONG_NUMBER.sub(lambda match: mask_number(match.group(0)), text)


def mask_secret(value: str | None) -> str:
    """Show only that a secret is set and its last four characters."""
    if not value:
        return "<unset>"
    return "…" + value[-4:] if len(value) > 12 else "****"


def mask_name(name: str) -> str:
    """``JANE MARY DOE`` → ``J*** M*** D**``: the holder can recognise it, a stranger learns little."""
    return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
