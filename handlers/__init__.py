"""What the user sees: one module per conversation or feature (PTB handlers only)."""
