"""One vocabulary for offramp statuses, whatever spelling Kotani's sources use (spec §6.1).

The flow page, the webhook pages and the enums disagree (``SUCCESS`` vs ``SUCCESSFUL``,
``REFUNDED`` vs ``REVERSED``, ``FAILED`` + ``refundStatus`` vs ``REFUND_FAILED`` …). The client
maps every known spelling to one canonical value and always keeps the raw one, so the bot
reasons about one state machine and an operator can still see what Kotani actually said.
"""

from __future__ import annotations

from enum import StrEnum


class OfframpStatus(StrEnum):
    """Canonical offramp status; values are the sandbox's canonical spellings."""

    PENDING = "PENDING"
    CRYPTO_RECEIVED = "CRYPTO_RECEIVED"
    IN_PROGRESS = "IN_PROGRESS"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    REFUND_PENDING = "REFUND_PENDING"
    REVERSED = "REVERSED"
    REFUND_FAILED = "REFUND_FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    REQUIRE_REVIEW = "REQUIRE_REVIEW"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, raw: str | None) -> OfframpStatus:
        """Map any documented spelling (case-insensitive) to the canonical status."""
        if not raw:
            return cls.UNKNOWN
        return _SPELLINGS.get(raw.strip().upper().replace("-", "_").replace(" ", "_"), cls.UNKNOWN)

    @property
    def is_terminal(self) -> bool:
        """Terminal as far as the user is concerned (a late correction may still follow)."""
        return self in _TERMINAL

    @property
    def is_cancellable(self) -> bool:
        return self is OfframpStatus.PENDING

    @property
    def crypto_on_its_way(self) -> bool:
        """Kotani has the crypto (or sees it coming) and is paying out: too late to cancel."""
        return self in (OfframpStatus.CRYPTO_RECEIVED, OfframpStatus.IN_PROGRESS)

    @property
    def in_refund_path(self) -> bool:
        """The payout failed after the crypto arrived: a refund follows, runs, failed or landed."""
        return self in _REFUND_PATH

    @property
    def refund_can_be_retried(self) -> bool:
        return self is OfframpStatus.REFUND_FAILED

    @property
    def is_delivered(self) -> bool:
        return self is OfframpStatus.SUCCESSFUL


_TERMINAL = frozenset(
    {
        OfframpStatus.SUCCESSFUL,
        OfframpStatus.REVERSED,
        OfframpStatus.REFUND_FAILED,
        OfframpStatus.CANCELLED,
        OfframpStatus.EXPIRED,
    }
)

_REFUND_PATH = frozenset(
    {OfframpStatus.FAILED, OfframpStatus.REFUND_PENDING, OfframpStatus.REFUND_FAILED, OfframpStatus.REVERSED}
)

_SPELLINGS: dict[str, OfframpStatus] = {
    "PENDING": OfframpStatus.PENDING,
    "INITIATED": OfframpStatus.PENDING,
    "NOT_INITIATED": OfframpStatus.PENDING,
    "CRYPTO_RECEIVED": OfframpStatus.CRYPTO_RECEIVED,
    "IN_PROGRESS": OfframpStatus.IN_PROGRESS,
    "PROCESSING": OfframpStatus.IN_PROGRESS,
    "TRANSACTION_INITIATED": OfframpStatus.IN_PROGRESS,
    "RETRY": OfframpStatus.IN_PROGRESS,
    "TRANSACTION_RETRY": OfframpStatus.IN_PROGRESS,
    "SUCCESS": OfframpStatus.SUCCESSFUL,
    "SUCCESSFUL": OfframpStatus.SUCCESSFUL,
    "COMPLETED": OfframpStatus.SUCCESSFUL,
    "TRANSACTION_RETRY_SUCCESSFUL": OfframpStatus.SUCCESSFUL,
    "FAILED": OfframpStatus.FAILED,
    "DECLINED": OfframpStatus.FAILED,
    "TRANSACTION_RETRY_FAILED": OfframpStatus.FAILED,
    "ERROR_OCCURRED": OfframpStatus.REQUIRE_REVIEW,
    "REQUIRE_REVIEW": OfframpStatus.REQUIRE_REVIEW,
    "REFUND_PENDING": OfframpStatus.REFUND_PENDING,
    "REVERSED": OfframpStatus.REVERSED,
    "REFUNDED": OfframpStatus.REVERSED,
    "REFUND_FAILED": OfframpStatus.REFUND_FAILED,
    "CANCELLED": OfframpStatus.CANCELLED,
    "CANCELED": OfframpStatus.CANCELLED,
    "EXPIRED": OfframpStatus.EXPIRED,
    "TIMEOUT": OfframpStatus.EXPIRED,
}


class RefundStatus(StrEnum):
    """State of the crypto refund that follows a failed payout (spec §5.9)."""

    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    INVOICE_NEEDED = "INVOICE_NEEDED"
    SUCCESSFUL = "SUCCESSFUL"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, raw: str | None) -> RefundStatus | None:
        """``None`` when Kotani said nothing about a refund; UNKNOWN for a new spelling."""
        if raw is None or raw == "":
            return None
        key = raw.strip().upper()
        aliases = {"SUCCESS": "SUCCESSFUL", "COMPLETED": "SUCCESSFUL", "REVERSED": "SUCCESSFUL"}
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            return cls.UNKNOWN


def effective_status(status: OfframpStatus, refund: RefundStatus | None) -> OfframpStatus:
    """Fold the webhook pages' ``FAILED`` + ``refundStatus`` into the flow page's statuses.

    Kotani's webhooks report a refund in progress as ``status: FAILED`` with a
    ``refundStatus``; the flow page calls the same states REFUND_PENDING / REFUNDED /
    REFUND_FAILED. Both must land on the same canonical state.
    """
    if status in (OfframpStatus.FAILED, OfframpStatus.REFUND_PENDING) and refund is not None:
        if refund in (RefundStatus.PENDING, RefundStatus.PROCESSING, RefundStatus.INVOICE_NEEDED):
            return OfframpStatus.REFUND_PENDING
        if refund is RefundStatus.FAILED:
            return OfframpStatus.REFUND_FAILED
        if refund is RefundStatus.SUCCESSFUL:
            return OfframpStatus.REVERSED
    return status
