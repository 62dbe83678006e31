"""Kotani's DTO validation (class-validator style messages, spec §2.1, §11 #4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from kotani.chains import OFFRAMP_TOKENS, Chain, Token, matches_address_format

NETWORKS = (
    "MTN", "AIRTEL", "VODAFONE", "TIGO", "YAS", "ORANGE", "NOT_SUPPORTED", "ZAMTEL", "MPESA", "CHECKOUT",
    "BKTRX", "CRDTRX", "MOOV", "TMONEY", "FREE", "EXPRESSO", "HALOPESA", "VODACOM", "WAVE",
)  # fmt: skip
RECEIVER_KINDS = ("mobileMoneyReceiver", "bankReceiver", "lipaNaMpesaReceiver", "paybillReceiver")
OFFRAMP_FIELDS = frozenset(
    {
        "cryptoAmount",
        "currency",
        "chain",
        "token",
        "referenceId",
        "senderAddress",
        "callbackUrl",
        "rateId",
        "refund_config",
    }
    | set(RECEIVER_KINDS)
)


def _one_of(name: str, values: Any) -> str:
    return f"{name} must be one of the following values: {', '.join(str(v) for v in values)}"


def is_positive_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value > 0


def _need_string(errors: list[str], body: dict[str, Any], name: str, prefix: str = "") -> str | None:
    value = body.get(name)
    if value is None or value == "":
        errors.append(f"{prefix}{name} should not be empty")
        return None
    if not isinstance(value, str):
        errors.append(f"{prefix}{name} must be a string")
        return None
    return value


def is_international_phone(value: str) -> bool:
    if not value.startswith("+"):
        return False
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, None)))
    except phonenumbers.NumberParseException:
        return False


def is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def validate_offramp(body: dict[str, Any]) -> list[str]:
    errors: list[str] = [f"property {name} should not exist" for name in body if name not in OFFRAMP_FIELDS]
    if not is_positive_number(body.get("cryptoAmount")):
        errors.append("cryptoAmount must be a positive number")
    _need_string(errors, body, "currency")
    chain = str(body.get("chain"))
    if chain not in Chain.__members__:
        errors.append(_one_of("chain", Chain))
    if body.get("token") not in Token.__members__:
        errors.append(_one_of("token", Token))
    _need_string(errors, body, "referenceId")
    sender = body.get("senderAddress")
    if sender is not None:
        if not isinstance(sender, str):
            errors.append("senderAddress must be a string")
        elif chain in Chain.__members__ and not matches_address_format(Chain(chain), sender):
            errors.append(f"senderAddress must be a valid {chain} address")
    if "callbackUrl" in body and not is_url(body["callbackUrl"]):
        errors.append("callbackUrl must be a URL address")
    if "rateId" in body and not isinstance(body["rateId"], str):
        errors.append("rateId must be a string")
    receivers = [kind for kind in RECEIVER_KINDS if body.get(kind) is not None]
    if not receivers:
        errors.append("one of mobileMoneyReceiver, bankReceiver, lipaNaMpesaReceiver, paybillReceiver is required")
    elif len(receivers) > 1:
        errors.append("only one receiver may be given")
    else:
        errors.extend(_validate_receiver(receivers[0], body[receivers[0]]))
    if body.get("refund_config") is not None:
        errors.extend(_validate_refund_config(body["refund_config"], chain))
    return errors


def _validate_receiver(kind: str, receiver: Any) -> list[str]:
    errors: list[str] = []
    prefix = f"{kind}."
    if not isinstance(receiver, dict):
        return [f"{kind} must be an object"]
    if kind == "mobileMoneyReceiver":
        phone = _need_string(errors, receiver, "phoneNumber", prefix)
        if phone is not None and not is_international_phone(phone):
            errors.append(f"{prefix}phoneNumber must be a valid phone number in international format")
        _need_string(errors, receiver, "accountName", prefix)
        network = _need_string(errors, receiver, "networkProvider", prefix)
        if network is not None and network not in NETWORKS:
            errors.append(_one_of(f"{prefix}networkProvider", NETWORKS))
    elif kind == "bankReceiver":
        for name in ("name", "address", "bankCode", "accountNumber", "country"):
            _need_string(errors, receiver, name, prefix)
        if str(receiver.get("country", "")).upper() in ("ZA", "ZAF") and not receiver.get("bankName"):
            errors.append(f"{prefix}bankName should not be empty")
    elif kind == "lipaNaMpesaReceiver":
        code = _need_string(errors, receiver, "businessShortcode", prefix)
        if code is not None and not code.isdigit():
            errors.append(f"{prefix}businessShortcode must be a number string")
    elif kind == "paybillReceiver":
        code = _need_string(errors, receiver, "paybillNumber", prefix)
        if code is not None and not code.isdigit():
            errors.append(f"{prefix}paybillNumber must be a number string")
        _need_string(errors, receiver, "accountNumber", prefix)
    return errors


def _validate_refund_config(config: Any, chain: Any) -> list[str]:
    if not isinstance(config, dict):
        return ["refund_config must be an object"]
    errors: list[str] = []
    address = config.get("address")
    if address is not None and (
        not isinstance(address, str)
        or (chain in Chain.__members__ and not matches_address_format(Chain(chain), address))
    ):
        errors.append(f"refund_config.address must be a valid {chain} address")
    bolt11 = config.get("bolt11")
    if bolt11 is not None:
        if chain != Chain.LIGHTNING:
            errors.append("refund_config.bolt11 is only accepted for LIGHTNING")
        elif not isinstance(bolt11, str) or not matches_address_format(Chain.LIGHTNING, bolt11.lower()):
            errors.append("refund_config.bolt11 must be a bolt11 invoice")
        if not is_positive_number(config.get("amount_msat")):
            errors.append("refund_config.amount_msat must be a positive number")
        if not isinstance(config.get("expires_at"), str):
            errors.append("refund_config.expires_at must be a valid ISO 8601 date string")
    url = config.get("generate_invoice_url")
    if url is not None and not is_url(url):
        errors.append("refund_config.generate_invoice_url must be a URL address")
    return errors


def validate_quote(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if body.get("from") not in {token.value for token in OFFRAMP_TOKENS}:
        errors.append(_one_of("from", sorted(token.value for token in OFFRAMP_TOKENS)))
    _need_string(errors, body, "to")
    if not is_positive_number(body.get("cryptoAmount")):
        errors.append("cryptoAmount must be a positive number")
    if "source" in body and body["source"] not in ("fiat", "crypto"):
        errors.append(_one_of("source", ("fiat", "crypto")))
    return errors


def validate_customer(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    _need_string(errors, body, "country_code")
    if not body.get("phone_number") and not body.get("account_number"):
        errors.append("phone_number should not be empty")
    phone = body.get("phone_number")
    if phone and (not isinstance(phone, str) or not is_international_phone(phone)):
        errors.append("phone_number must be a valid phone number in international format")
    if body.get("network") is not None and body["network"] not in NETWORKS:
        errors.append(_one_of("network", NETWORKS))
    return errors


def validate_mobile_money_check(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    kind = body.get("accountType", "mobile_money")
    if kind not in ("mobile_money", "paybill", "till"):
        errors.append(_one_of("accountType", ("mobile_money", "paybill", "till")))
    elif kind == "mobile_money":
        _need_string(errors, body, "phoneNumber")
    else:
        _need_string(errors, body, "shortCode")
        if kind == "paybill":
            _need_string(errors, body, "accountReference")
    if body.get("network") is not None and body["network"] not in NETWORKS:
        errors.append(_one_of("network", NETWORKS))
    return errors


def validate_bank_check(body: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for name in ("accountNumber", "bankCode", "countryCode"):
        _need_string(errors, body, name)
    return errors
