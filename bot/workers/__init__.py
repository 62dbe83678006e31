"""Background work of the process: the notification sender (outbox → Telegram), the
reconciler (asks Kotani about unfinished cash-outs) and the payout-balance watch."""
