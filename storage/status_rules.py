"""Which observed status may replace the stored one (spec §6.2) — pure rules, no I/O.

Statuses only move forward. Webhooks arrive out of order and twice, so an older or equal
status is recorded but changes nothing. The exceptions are the ones the spec documents:

* a retry-refund moves REFUND_FAILED back to REFUND_PENDING;
* CANCELLED and EXPIRED are "terminal-looking": a rail that confirms late corrects them
  (to SUCCESSFUL, or into the refund path when crypto arrived after all); nothing moves them
  back to PENDING, which would reopen a cash-out the customer was told is closed;
* CANCELLED and EXPIRED can only follow PENDING: one arriving after the crypto was seen is
  stale and ignored.

Statuses are the canonical strings of ``kotani.status.OfframpStatus`` (storage imports
nothing of ours, so it names them itself). ``NEW`` is ours: stored before Kotani knows it.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "NEW"
RANK: dict[str, int] = {
    NEW: -1,
    "PENDING": 0,
    "CRYPTO_RECEIVED": 1,
    "IN_PROGRESS": 2,
    "REQUIRE_REVIEW": 2,
    "FAILED": 3,
    "REFUND_PENDING": 4,
    "REFUND_FAILED": 5,
    "REVERSED": 6,
    "SUCCESSFUL": 6,
    "CANCELLED": 6,
    "EXPIRED": 6,
}
FINAL = frozenset({"SUCCESSFUL", "REVERSED"})
NO_DEPOSIT_ENDINGS = frozenset({"CANCELLED", "EXPIRED"})
TERMINAL = frozenset({"SUCCESSFUL", "REVERSED", "REFUND_FAILED", "CANCELLED", "EXPIRED"})
OPEN = frozenset(RANK) - TERMINAL - {NEW}


@dataclass(frozen=True)
class Verdict:
    apply: bool
    correction: bool = False
    reason: str = ""


def decide(current: str, incoming: str) -> Verdict:
    """May ``incoming`` replace ``current``?"""
    if incoming not in RANK or incoming == NEW:
        return Verdict(False, reason=f"unknown status {incoming}")
    if incoming == current:
        return Verdict(False, reason="same status")
    if current in FINAL:
        return Verdict(False, reason=f"{current} is final")
    if incoming in NO_DEPOSIT_ENDINGS:
        if current in (NEW, "PENDING"):
            return Verdict(True)
        return Verdict(False, reason=f"{incoming} cannot follow {current}")
    if current in NO_DEPOSIT_ENDINGS:
        if RANK[incoming] <= RANK["PENDING"]:
            return Verdict(False, reason=f"{incoming} cannot follow {current}")
        return Verdict(True, correction=True, reason=f"late correction {current} -> {incoming}")
    if current == "REFUND_FAILED" and incoming == "REFUND_PENDING":
        return Verdict(True, reason="refund retried")
    if incoming == "REQUIRE_REVIEW" and RANK.get(current, -1) <= RANK["IN_PROGRESS"]:
        return Verdict(True, reason="needs review")
    if current == "REQUIRE_REVIEW" and RANK[incoming] >= RANK["IN_PROGRESS"]:
        return Verdict(True)
    if RANK[incoming] > RANK.get(current, -1):
        return Verdict(True)
    return Verdict(False, reason=f"{incoming} is older than {current}")
