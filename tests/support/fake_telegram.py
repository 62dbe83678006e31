"""The local Bot API with faults on demand: 429 with retry_after, 5xx, a user who blocked the bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response

from bot.local_telegram import LocalBotApi, SentMessage

__all__ = ["FakeTelegram", "SentMessage"]


@dataclass
class FakeTelegram(LocalBotApi):
    token: str = "123456:TEST-TOKEN"
    blocked_chats: set[int] = field(default_factory=set)
    fail_next: list[tuple[int, int]] = field(default_factory=list)  # (status, retry_after)

    async def refuse(self, method: str, params: dict[str, Any]) -> Response | None:
        if method not in ("getUpdates", "getMe") and self.fail_next:
            status, retry_after = self.fail_next.pop(0)
            body: dict[str, Any] = {"ok": False, "error_code": status,
                                    "description": "Too Many Requests" if status == 429 else "Bad Gateway"}  # fmt: skip
            if status == 429:
                body["parameters"] = {"retry_after": retry_after}
            return JSONResponse(body, status)
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        if chat_id is not None and chat_id in self.blocked_chats:
            return JSONResponse(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, 403
            )
        return None
