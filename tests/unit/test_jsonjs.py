"""JSON.stringify compatibility: the bytes Kotani's server signs must be the bytes we sign."""

from decimal import Decimal

import pytest

from kotani.jsonjs import js_number, js_stringify, loads_exact, loads_like_js


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
