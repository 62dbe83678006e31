"""Callback data: every kind builds data its own pattern matches, within Telegram's 64 bytes,
parses back to what was put in, and refuses data it did not make."""

from __future__ import annotations

import pytest

from ui import callbacks as cb

KINDS = {name: value for name, value in vars(cb).items() if isinstance(value, cb.Callback)}
SAMPLES: dict[str, tuple[object, ...]] = {
    "MENU": ("hist",), "LANGUAGE": ("sw",), "COUNTRY": ("KE",), "TOKEN": ("LIGHTNING", "MSAT"),
    "AMOUNT_MODE": ("fiat",), "QUOTE_ACTION": ("refresh",), "SAVED_RECIPIENT": (12,), "RECIPIENT_KIND": ("till",),
    "NETWORK": ("MPESA",), "HOLDER_NAME": ("no",), "BANK": (3,), "SAVED_SENDER_ADDRESS": (7,),
    "TX_STATUS": ("tg-123456789-0a1b2c3d",), "TX_OPEN": ("tg-1-aa",), "TX_CANCEL": ("tg-1-aa",), "TX_CANCEL_SURE": ("tg-1-aa",), "TX_KEEP": ("tg-1-aa",),
    "HISTORY_PAGE": (10,), "AMOUNT_PICK": ("1.5",), "HISTORY_OPEN": (10, "tg-1-aa"), "AGAIN": ("tg-1-aa",), "RECEIPT": ("tg-1-aa",), "REFUND_INVOICE": ("tg-1-aa",), "REFUND_RETRY": ("tg-1-aa",),
    "REFUND_STATUS": ("tg-1-aa",), "AGENT_REMOVE": (9200,), "LINK_REVOKE": ("tg-1-aa",),
    "TOKEN_PICK": ("USDT",), "EDIT": ("amount",), "RECIPIENT_OPEN": (4,), "RECIPIENT_RENAME": (4,), "RECIPIENT_DELETE": (4,),
    "RECIPIENT_DELETE_SURE": (4,),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_round_trips_within_telegrams_limit(name: str) -> None:
    kind = KINDS[name]
    values = SAMPLES.get(name, ())
    data = kind(*values)
    assert len(data.encode()) <= 64
    assert kind.pattern.match(data)
    assert kind.parse(data) == tuple(str(v) for v in values)
    others = [other for other_name, other in KINDS.items() if other_name != name and other.matches(data)]
    assert others == []  # one kind per datum: no handler answers another's button


def test_data_the_bot_did_not_make_is_refused_not_crashed_on() -> None:
    for forged in ["c:tk:FOO", "c:tk:lower:case", "t:st:../../x", "c:r:12345678901234567890", "", "zzz"]:
        for kind in (cb.TOKEN, cb.TX_STATUS, cb.SAVED_RECIPIENT):
            if not kind.matches(forged):
                with pytest.raises(cb.ForeignCallback):
                    kind.parse(forged)
    with pytest.raises(ValueError):
        cb.TX_STATUS("a reference with spaces")


def test_the_cash_out_flow_owns_every_c_prefix_and_nothing_else() -> None:
    for name, kind in KINDS.items():
        data = kind(*SAMPLES.get(name, ()))
        assert bool(cb.CASHOUT_ANY.match(data)) == data.startswith("c:")
