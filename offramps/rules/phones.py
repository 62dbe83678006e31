"""Phone numbers for mobile money: normalised to E.164 for the chosen country, with the
network guessed from the number where the numbering plan tells it."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import carrier

from kotani.networks import network_of_carrier


class PhoneError(ValueError):
    """Why the text is not a usable number in this country: a text key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Phone:
    e164: str
    country: str
    network: str | None  # None when it cannot be told from the number

    @property
    def masked(self) -> str:
        return self.e164[:4] + "*" * (len(self.e164) - 7) + self.e164[-3:]


def normalise_phone(text: str, country: str, networks: tuple[str, ...] = ()) -> Phone:
    """Local (``0712 345 678``) or international (``+254712345678``, ``254712…``) → E.164."""
    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    hint = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else "0712 345 678"
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError("phone_unparseable", hint=hint) from exc
    if not phonenumbers.is_valid_number(number):
        if raw[:1] != "+" and not raw.startswith("0") and raw.isdigit():
            # "254712345678" typed without the plus sign
            try:
                again = phonenumbers.parse("+" + raw, None)
            except phonenumbers.NumberParseException:
                again = None
            if again is not None and phonenumbers.is_valid_number(again):
                number = again
        if not phonenumbers.is_valid_number(number):
            raise PhoneError("phone_invalid", hint=hint)
    region = phonenumbers.region_code_for_number(number)
    if region != country:
        raise PhoneError("phone_wrong_country", region=region or "?", country=country, hint=hint)
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise PhoneError("phone_not_mobile", hint=hint)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, country, network_for(number, networks))


def network_for(number: phonenumbers.PhoneNumber, allowed: tuple[str, ...]) -> str | None:
    return network_of_carrier(carrier.name_for_number(number, "en"), allowed)
