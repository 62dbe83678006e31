"""JSON.stringify compatibility: the bytes Kotani's server signs must be the bytes we sign."""

from decimal import Decimal

import pytest

from kotani.jsonjs import (
    StrictJSONError,
    js_number,
    js_stringify,
    loads_bounded,
    loads_exact,
    loads_like_js,
    loads_webhook,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10.0, "10"),
        (10, "10"),
        (0.1, "0.1"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1e21, "1e+21"),
        (123456789012345680000.0, "123456789012345680000"),
        (-0.0, "0"),
        (float("nan"), "null"),
        (Decimal("10.00"), "10"),
        (Decimal("0.015"), "0.015"),
        (Decimal("1295"), "1295"),
        (True, "true"),
    ],
)
def test_numbers_are_written_as_javascript_writes_them(value: object, expected: str) -> None:
    assert js_number(value) == expected  # type: ignore[arg-type]


def test_a_decimal_that_a_double_cannot_hold_is_refused_rather_than_changed() -> None:
    with pytest.raises(ValueError, match="precision"):
        js_number(Decimal("0.12345678901234567890123"))


def test_objects_keep_key_order_and_leave_non_ascii_unescaped() -> None:
    body = {"z": 1.0, "a": "Côte d'Ivoire", "list": [1, None, {"x": False}]}
    assert js_stringify(body) == '{"z":1,"a":"Côte d\'Ivoire","list":[1,null,{"x":false}]}'


def test_exact_parsing_never_produces_floats_but_js_parsing_does() -> None:
    assert loads_exact('{"a": 0.1}')["a"] == Decimal("0.1")
    assert loads_like_js('{"a": 10}')["a"] == 10.0


# --- the strict reader for webhook bodies ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b'{"event":"a","event":"b"}', "repeats a key"),
        (b'{"data":{"status":"PENDING","status":"SUCCESSFUL"}}', "repeats a key"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[" * 17 + b"]" * 17, "nested too deeply"),
        (b'{"n":' + b"1" * 5000 + b"}", "too many digits"),
        (b'{"n":9007199254740993}', "not exactly a JavaScript number"),
        (b'{"n":1152921504606846976}', "not exactly a JavaScript number"),  # 2**60, written 1152921504606847000
        (b'{"n":1152921504606847000}', "not exactly a JavaScript number"),  # ... which is not 2**60
        (b'{"n":10000000000000000000000}', "too many digits"),  # JavaScript writes 1e+22
        (b'{"n":10.0000000000000001}', "more precision"),
        (b'{"n":0.1000000000000000055511151231257827}', "more precision"),
        (b'{"n":1e400}', "out of range"),
        (b'{"n":1e-400}', "more precision"),
        (b'{"n":6.3e-2370000000000000001}', "out of range"),
        (b'{"n":NaN}', "not a JSON number"),
        (b'{"n":-Infinity}', "not a JSON number"),
        (b'{"s":"\\ud800"}', "unpaired surrogate"),
        ('{"s":"x"}'.encode("utf-16"), "not valid JSON"),
        (b'\xef\xbb\xbf{"s":"x"}', "not valid JSON"),
        (b'{"s":"\xff"}', "not valid JSON"),
        (b'{"s":"x"} x', "not valid JSON"),
    ],
)
def test_the_webhook_reader_refuses_what_could_be_read_two_ways_or_exhaust_it(raw: bytes, why: str) -> None:
    with pytest.raises(StrictJSONError, match=why):
        loads_webhook(raw)


def test_the_webhook_reader_keeps_what_javascript_reads_identically_as_exact_values() -> None:
    body = loads_webhook(
        b'{"a":10,"b":10.5,"c":0.1,"d":1e-7,"e":-9007199254740992,"f":1.0,"g":"\\ud83d\\ude00","h":[{"i":[]}],'
        b'"j":10000000000000000000}'
    )
    assert body == {"a": 10, "b": Decimal("10.5"), "c": Decimal("0.1"), "d": Decimal("1e-7"), "e": -(2**53),
                    "f": Decimal(1), "g": "😀", "h": [{"i": []}], "j": 10**19}  # fmt: skip
    assert isinstance(body["b"], Decimal)
    assert loads_webhook(b"[" * 16 + b"]" * 16) is not None  # the deepest allowed


def test_the_bounded_reader_for_telegram_keeps_plain_numbers_and_refuses_the_rest() -> None:
    assert loads_bounded(b'{"update_id":1,"location":{"latitude":51.5074}}') == {
        "update_id": 1, "location": {"latitude": 51.5074}
    }  # fmt: skip
    for raw in (b"[" * 100_000, b'{"n":' + b"9" * 5000 + b"}", b'{"a":1,"a":2}', b'{"n":Infinity}'):
        with pytest.raises(StrictJSONError):
            loads_bounded(raw)
