"""Moved to :mod:`offramps.observations` (the domain floor); kept while the web route moves."""

from offramps.observations import deposit_window_expired, from_offramp, from_refund, from_webhook, user_refund_action

__all__ = ["deposit_window_expired", "from_offramp", "from_refund", "from_webhook", "user_refund_action"]
