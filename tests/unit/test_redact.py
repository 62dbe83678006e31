from kotani.errors import BadRequest
from kotani.redact import mask_name, mask_number, mask_numbers_in, mask_secret


def test_phone_numbers_keep_only_the_country_code_and_last_digits() -> None:
    assert mask_number("+254712345678") == "+254******678"
    assert "712345" not in mask_numbers_in("call +254712345678 or 0712345678 now")


def test_account_numbers_inside_error_messages_are_masked() -> None:
    error = BadRequest("Account 1000000005 not found for +254700000011")
    assert "1000000005" not in str(error)
    assert "700000011" not in str(error)


def test_secrets_and_names() -> None:
    assert mask_secret("sk_live_abcdefghijklmnop") == "…mnop"
    assert mask_secret(None) == "<unset>"
    assert mask_name("JANE MARY DOE") == "J*** M*** D**"
