"""The domain floor: what a cash-out is and does, with no Telegram in it.

Services here take plain values and return outcomes (created, re-quoted, refused with a
reason, ambiguous) that the conversation floor renders; the customer's and the agent's flows,
the web routes and the background workers all call the same ones. Observations (everything
Kotani tells us) are written here and nowhere else.

May import: ``storage``, ``kotani`` and this package. Never ``bot``, ``handlers`` or ``ui``.
"""
