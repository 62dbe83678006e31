"""The log scanner itself finds what it must (the suite-wide scan runs at session end)."""

from tests.support.log_scan import find_leaks


def test_it_finds_secrets_and_full_numbers_but_not_masked_ones_or_hashes() -> None:
    text = "\\n".join([
        "kotani GET /api/v3/customer/mobile-money/phone/%2B25*******456 -> 404",
        "webhook for tg-7781-0001: ok",
        "paying +254700000001 now",
        "local 0712345678 typed",
        "account 1000000003 frozen",
        "tx 7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d0925470000000100",
        "Bearer sk_live_secret_value",
    ])  # fmt: skip
    leaks = find_leaks(text, ["sk_live_secret_value"])
    assert sorted(leak.what for leak in leaks) == [
        "bank account number",
        "local phone number",
        "phone number",
        "secret",
    ]
