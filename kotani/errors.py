"""Every way a Kotani call can fail, as one hierarchy mapped from HTTP status and body (spec §2).

Each exception carries ``user_message``: a short sentence fit to show a Telegram user, which
never contains the API key, a stack trace or Kotani's internal wording about our account.
``str(exc)`` is for operators and logs (already free of secrets and full numbers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kotani.redact import mask_numbers_in


class KotaniError(Exception):
    """Base of every error raised by :class:`kotani.client.KotaniClient`."""

    user_message = "The payment service could not complete this request. Please try again."

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        body: Any = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(mask_numbers_in(message))
        self.message = mask_numbers_in(message)
        self.http_status = http_status
        self.body = body
        if user_message is not None:
            self.user_message = user_message


class KotaniTransportError(KotaniError):
    """No usable HTTP answer: connection refused, reset, DNS, or a timeout."""

    user_message = "The payment service cannot be reached right now. Please try again in a minute."


class KotaniTimeout(KotaniTransportError):
    """The request was sent but no answer came in time: it may or may not have been applied."""


class KotaniAPIError(KotaniError):
    """Kotani answered, and the answer is an error."""


class Unauthorized(KotaniAPIError):
    """401: missing or wrong API key, or a request signature refused (spec §3)."""

    user_message = (
        "The payment service is unavailable because of a configuration problem on our side. We have been alerted."
    )


class Forbidden(KotaniAPIError):
    """403: the key lacks a permission, or the customer is suspended (``banned_until``)."""

    user_message = "This payout is not allowed by the payment service."

    def __init__(self, message: str, *, banned_until: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.banned_until = banned_until
        if banned_until is not None:
            self.user_message = (
                f"This recipient is suspended by the payment service until {banned_until:%Y-%m-%d %H:%M} UTC."
            )


class BadRequest(KotaniAPIError):
    """400: Kotani refused the request on its merits (message says why)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        if "user_message" not in kwargs and type(self).user_message == KotaniError.user_message:
            self.user_message = f"The payment service refused this: {self.message}"


class ValidationFailed(BadRequest):
    """400 with per-field messages in ``data.errors`` (class-validator style)."""

    def __init__(self, message: str, *, errors: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = [mask_numbers_in(error) for error in errors]


class Duplicate(BadRequest):
    """A resource with this identity exists already (duplicate ``referenceId``, customer …)."""


class RateExpired(BadRequest):
    """The quote (``rateId``) has expired or was already used; ask for a new one."""

    user_message = "That quote has expired. Please refresh it to get the current rate."


class InsufficientPayoutBalance(BadRequest):
    """Our payout balance cannot cover this payout: a service problem, not the user's."""

    user_message = (
        "Cash-outs to this currency are paused for a moment on our side. Nothing was charged; please try again later."
    )


class NotCancellable(BadRequest):
    """Cancel refused because the offramp left PENDING or its deposit is already seen."""

    user_message = "This cash-out can no longer be cancelled: your crypto is already on its way."


class RefundNotRetryable(BadRequest):
    """``Cannot retry refund``: not failed, out of retries, or needs a human."""

    user_message = "This refund cannot be retried automatically. Our support team will handle it."


class InvoiceRefused(BadRequest):
    """The Lightning refund invoice was refused (wrong amount, expired, paid, not eligible)."""

    user_message = (
        "The payment service did not accept that Lightning invoice. Please create a new invoice "
        "for the exact refund amount and send it again."
    )


class NotFound(KotaniAPIError):
    """404: unknown reference, customer, wallet or country."""

    user_message = "The payment service does not know this transaction."


class RateLimited(KotaniAPIError):
    """429: too many requests; ``retry_after`` seconds to wait."""

    user_message = "The payment service is busy. Please try again in a minute."

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(KotaniAPIError):
    """5xx: Kotani's side failed; a read may be retried, a create must be checked first."""

    user_message = "The payment service is having trouble. Please try again in a few minutes."


class UnexpectedResponse(KotaniAPIError):
    """A 2xx that is not a success: ``"success": false``, not JSON, or a missing field."""
