"""The cash-out conversation: country → token → network (when the token has several) → amount →
quote → recipient → sender address → summary → deposit instructions with QR code; ⬅️ Back
under every question, Edit on the summary, and "Send again" straight to a summary.

Money state (quotes, recipients, offramps) is written to our tables by the cash-out service
(``offramps.cashouts``); the conversation's own position and its draft live in PTB
persistence. The modules: ``states`` (the steps), ``draft`` (what was chosen so far),
``prompts`` (every question, in one module so steps never import each other), ``choices``,
``recipient`` and ``confirm`` (the steps' answers), ``navigation`` (Back, Edit, Save,
/language mid-flow), ``again`` (Send again), ``deposit`` (the deposit card) and
``conversation`` (the state table).
"""

from handlers.cashout.conversation import build_cashout_conversation
from ui.deposit import deposit_buttons, deposit_text

__all__ = ["build_cashout_conversation", "deposit_buttons", "deposit_text"]
