"""Status only moves forward, with the documented exceptions (spec §6.2)."""

import pytest

from storage.status_rules import decide


@pytest.mark.parametrize(
    ("current", "incoming", "applies", "correction"),
    [
        ("NEW", "PENDING", True, False),
        ("PENDING", "CRYPTO_RECEIVED", True, False),
        ("PENDING", "SUCCESSFUL", True, False),  # intermediate webhooks may be missed
        ("IN_PROGRESS", "CRYPTO_RECEIVED", False, False),  # late, older
        ("SUCCESSFUL", "IN_PROGRESS", False, False),
        ("SUCCESSFUL", "SUCCESSFUL", False, False),
        ("SUCCESSFUL", "FAILED", False, False),  # final
        ("REVERSED", "REFUND_PENDING", False, False),
        ("FAILED", "REFUND_PENDING", True, False),
        ("REFUND_PENDING", "REFUND_FAILED", True, False),
        ("REFUND_FAILED", "REFUND_PENDING", True, False),  # retry-refund
        ("REFUND_FAILED", "REVERSED", True, False),
        ("PENDING", "CANCELLED", True, False),
        ("PENDING", "EXPIRED", True, False),
        ("CRYPTO_RECEIVED", "EXPIRED", False, False),  # cannot follow a deposit
        ("IN_PROGRESS", "CANCELLED", False, False),
        ("EXPIRED", "SUCCESSFUL", True, True),  # documented late correction
        ("CANCELLED", "SUCCESSFUL", True, True),
        ("CANCELLED", "REFUND_PENDING", True, True),  # crypto arrived after cancel
        ("CANCELLED", "EXPIRED", False, False),
        ("CANCELLED", "PENDING", False, False),  # a closed cash-out is never reopened
        ("EXPIRED", "PENDING", False, False),
        ("CANCELLED", "CRYPTO_RECEIVED", True, True),  # crypto arrived after all: the refund path follows
        ("IN_PROGRESS", "REQUIRE_REVIEW", True, False),
        ("SUCCESSFUL", "REQUIRE_REVIEW", False, False),
        ("CRYPTO_RECEIVED", "REQUIRE_REVIEW", True, False),
        ("REQUIRE_REVIEW", "SUCCESSFUL", True, False),
        ("PENDING", "UNKNOWN", False, False),
    ],
)
def test_decide(current: str, incoming: str, applies: bool, correction: bool) -> None:
    verdict = decide(current, incoming)
    assert (verdict.apply, verdict.correction) == (applies, correction), verdict.reason
