"""Finds secrets and personal data in log text: what must never be written to a log."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Full phone numbers (E.164 or local African mobile formats) and the sandbox's account numbers,
#: not when they are part of a longer hex or digit string (hashes, ids).
PERSONAL = [
    (
        "phone number",
        re.compile(r"(?<![0-9A-Za-z])\+?(?:254|255|256|233|250|260|237|225|221|243|27)\d{8,9}(?![0-9A-Za-z])"),
    ),
    ("local phone number", re.compile(r"(?<![0-9A-Za-z])0[17]\d{8}(?![0-9A-Za-z])")),
    ("bank account number", re.compile(r"(?<![0-9A-Za-z])1000000\d{3}(?![0-9A-Za-z])")),
]


@dataclass(frozen=True)
class Leak:
    what: str
    excerpt: str


def find_leaks(text: str, secrets: list[str]) -> list[Leak]:
    leaks: list[Leak] = []
    for secret in secrets:
        if secret and secret in text:
            index = text.index(secret)
            leaks.append(Leak("secret", text[max(0, index - 60) : index + 20].replace(secret, "<SECRET>")))
    for what, pattern in PERSONAL:
        for match in pattern.finditer(text):
            leaks.append(Leak(what, text[max(0, match.start() - 60) : match.end() + 20]))
    return leaks
