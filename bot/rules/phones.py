"""Phone numbers for mobile money: normalised to E.164 for the chosen country, with the
network guessed from the number where the numbering plan tells it."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import carrier

_CARRIER_NETWORKS = (
    ("safaricom", "MPESA"), ("airtel", "AIRTEL"), ("mtn", "MTN"), ("vodafone", "VODAFONE"), ("telecel", "VODAFONE"),
    ("vodacom", "VODACOM"), ("tigo", "TIGO"), ("yas", "YAS"), ("halotel", "HALOPESA"), ("orange", "ORANGE"),
    ("moov", "MOOV"), ("free", "FREE"), ("expresso", "EXPRESSO"), ("zamtel", "ZAMTEL"),
)  # fmt: skip


class PhoneError(ValueError):
    """Why the text is not a usable number in this country (shown to the user)."""


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
        raise PhoneError(f"That does not look like a phone number. Type it like {hint}.") from exc
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
            raise PhoneError(f"That number is not valid. Type a mobile number like {hint}.")
    region = phonenumbers.region_code_for_number(number)
    if region != country:
        raise PhoneError(
            f"That is a number from {region or 'another country'}, not {country}. Type a {country} number like {hint}."
        )
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise PhoneError(f"That is not a mobile number. Type a mobile money number like {hint}.")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, country, network_for(number, networks))


def network_for(number: phonenumbers.PhoneNumber, allowed: tuple[str, ...]) -> str | None:
    name = carrier.name_for_number(number, "en").lower()
    if not name:
        return None
    for fragment, network in _CARRIER_NETWORKS:
        if fragment in name and (not allowed or network in allowed):
            return network
    return None
