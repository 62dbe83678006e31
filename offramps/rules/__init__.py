"""Pure rules the conversations use: amounts, phone numbers, QR payloads, references.

Nothing here knows about Telegram or HTTP, so each rule is unit-tested on its own.
"""
