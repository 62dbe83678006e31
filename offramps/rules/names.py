"""How much of a provider-registered account name a person is shown by the name check.

The check exists so the payer recognises who they are paying ("Jane M. D."): the first name in
full, the other names initialled. Shown to anyone for any number typed, it would turn the bot
into a number-to-name directory. So a person sees recognisable names for a few different
numbers a day (a payer has a handful of recipients); past that only initials (``J*** M***
D**``), which still let them notice a wrong number. Numbers are remembered as short hashes
only, never in the clear.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

NAMES_PER_DAY = 5


def _digest(number: str) -> str:
    return hashlib.sha256(number.encode()).hexdigest()[:12]


def may_show_name(memory: dict[str, Any], number: str, today: date, *, limit: int = NAMES_PER_DAY) -> bool:
    """Record that ``number``'s name is being checked today; True while this person is within
    ``limit`` different numbers today (checking the same number again is free). ``memory`` is
    this person's own small store (their persisted ``user_data`` entry), updated in place."""
    if memory.get("day") != today.isoformat():
        memory.clear()
        memory.update({"day": today.isoformat(), "numbers": []})
    numbers: list[str] = memory.setdefault("numbers", [])
    key = _digest(number)
    if key in numbers:
        return True
    if len(numbers) >= limit:
        return False
    numbers.append(key)
    return True
