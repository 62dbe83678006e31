"""Every spelling of spec §6.1 lands on one canonical status; the raw value is kept."""

import pytest

from kotani.models import Offramp
from kotani.status import OfframpStatus, RefundStatus, effective_status

SPELLINGS = {
    OfframpStatus.PENDING: ["PENDING", "INITIATED", "NOT_INITIATED", "pending"],
    OfframpStatus.CRYPTO_RECEIVED: ["CRYPTO_RECEIVED"],
    OfframpStatus.IN_PROGRESS: ["IN_PROGRESS", "PROCESSING", "TRANSACTION_INITIATED", "RETRY", "TRANSACTION_RETRY"],
    OfframpStatus.SUCCESSFUL: ["SUCCESS", "SUCCESSFUL", "COMPLETED", "TRANSACTION_RETRY_SUCCESSFUL"],
    OfframpStatus.FAILED: ["FAILED", "DECLINED", "TRANSACTION_RETRY_FAILED"],
    OfframpStatus.REFUND_PENDING: ["REFUND_PENDING"],
    OfframpStatus.REVERSED: ["REVERSED", "REFUNDED"],
    OfframpStatus.REFUND_FAILED: ["REFUND_FAILED"],
    OfframpStatus.CANCELLED: ["CANCELLED"],
    OfframpStatus.EXPIRED: ["EXPIRED", "TIMEOUT"],
    OfframpStatus.REQUIRE_REVIEW: ["REQUIRE_REVIEW", "ERROR_OCCURRED"],
}


@pytest.mark.parametrize(("canonical", "raw"), [(c, r) for c, rs in SPELLINGS.items() for r in rs])
def test_every_documented_spelling_maps_to_its_canonical_status(canonical: OfframpStatus, raw: str) -> None:
    offramp = Offramp.from_api({"referenceId": "r", "status": raw})
    assert offramp.status is canonical
    assert offramp.raw_status == raw


def test_an_unknown_spelling_is_unknown_not_a_guess() -> None:
    assert OfframpStatus.parse("SOMETHING_NEW") is OfframpStatus.UNKNOWN
    assert OfframpStatus.parse(None) is OfframpStatus.UNKNOWN


@pytest.mark.parametrize(
    ("status", "refund", "expected"),
    [
        (OfframpStatus.FAILED, RefundStatus.PENDING, OfframpStatus.REFUND_PENDING),
        (OfframpStatus.FAILED, RefundStatus.INVOICE_NEEDED, OfframpStatus.REFUND_PENDING),
        (OfframpStatus.FAILED, RefundStatus.FAILED, OfframpStatus.REFUND_FAILED),
        (OfframpStatus.FAILED, RefundStatus.SUCCESSFUL, OfframpStatus.REVERSED),
        (OfframpStatus.FAILED, None, OfframpStatus.FAILED),
        (OfframpStatus.SUCCESSFUL, RefundStatus.FAILED, OfframpStatus.SUCCESSFUL),
    ],
)
def test_webhook_style_failed_plus_refund_status_folds_into_flow_statuses(
    status: OfframpStatus, refund: RefundStatus | None, expected: OfframpStatus
) -> None:
    assert effective_status(status, refund) is expected


def test_terminal_and_cancellable() -> None:
    assert OfframpStatus.PENDING.is_cancellable
    assert not OfframpStatus.CRYPTO_RECEIVED.is_cancellable
    assert not OfframpStatus.FAILED.is_terminal  # a refund follows
    assert OfframpStatus.REVERSED.is_terminal
