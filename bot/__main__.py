"""``python -m bot`` (the Procfile's web process).

The Telegram bot itself is not built yet (issues #4 and #5); until then this entry point
says so plainly instead of pretending to run, and points at what does work today.
"""

from __future__ import annotations

import sys


def main() -> int:
    print(
        "The Telegram bot process is not implemented yet.\n"
        "What works today: the Kotani Pay client (kotani/) and the local Kotani sandbox:\n"
        "    python -m kotani.sandbox --demo",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
