"""A local stand-in for the Telegram Bot API, speaking real HTTP.

The demo (``python -m bot demo`` without a token) runs the real bot against it and plays the
user from the terminal; the end-to-end tests run against a subclass that can also fail on
purpose. It implements the methods the bot uses and keeps every chat's messages so whoever
plays the user can read what the bot said. Its form parsing needs ``python-multipart``, a main
dependency because the demo runs this module on a plain install.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_ID = 7000000001
BOT_USERNAME = "kotani_offramp_test_bot"


#: what an inline keyboard button may do; Telegram wants exactly one of these per button
BUTTON_ACTIONS = ("callback_data", "url", "copy_text", "switch_inline_query", "switch_inline_query_current_chat",
                  "switch_inline_query_chosen_chat", "web_app", "login_url", "callback_game", "pay")  # fmt: skip


def button_problem(markup: Any) -> str | None:
    """Why Telegram would refuse this inline keyboard (its error text), or None: each button
    does exactly one thing, ``callback_data`` is 1–64 bytes and a ``copy_text`` 1–256
    characters. Refusing here keeps a button the real API would refuse out of the tests."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            actions = [name for name in BUTTON_ACTIONS if name in button]
            if len(actions) != 1 or not button.get("text"):
                return "BUTTON_TYPE_INVALID"
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                return "BUTTON_DATA_INVALID"
            if "copy_text" in button and not 1 <= len(str((button["copy_text"] or {}).get("text", ""))) <= 256:
                return "BUTTON_COPY_TEXT_INVALID"
    return None


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    photo: bytes | None = None
    caption: str | None = None
    parse_mode: str | None = None
    edits: int = 0
    document: bytes | None = None


@dataclass
class LocalBotApi:
    token: str = "123456:LOCAL-DEMO-TOKEN"
    messages: dict[int, list[SentMessage]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    commands: dict[str, Any] = field(default_factory=dict)
    answered_callbacks: list[dict[str, Any]] = field(default_factory=list)
    languages: dict[int, str] = field(default_factory=dict)  # the Telegram app language of each user

    def __post_init__(self) -> None:
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.listeners: list[asyncio.Queue[tuple[str, SentMessage]]] = []
        self._callback_chats: dict[str, int] = {}  # callback query id -> the chat of its button
        self._closed = asyncio.Event()

    def _notify(self, what: str, message: SentMessage) -> None:
        for listener in self.listeners:
            listener.put_nowait((what, message))

    def close(self) -> None:
        """End every pending long poll now: a ``getUpdates`` the bot gave up on when it stopped
        would otherwise hold this server's shutdown for the rest of its timeout."""
        self._closed.set()

    async def refuse(self, method: str, params: dict[str, Any]) -> Response | None:
        """A hook for subclasses that need to fail on purpose; the local API never refuses."""
        return None

    # --- playing a user ---------------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        language = self.languages.get(user_id, "en")
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": language}

    def user_message(self, user_id: int, text: str, **extra: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self._user(user_id),
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def button_press(self, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        query_id = str(next(self._update_ids))
        self._callback_chats[query_id] = message.chat_id
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id),
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": message.message_id,
                    "date": int(time.time()),
                    "chat": {"id": message.chat_id, "type": "private"},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                    "text": message.text or "",
                },
            },
        }

    def queue(self, update: dict[str, Any]) -> None:
        self._updates.put_nowait(update)

    def chat(self, chat_id: int) -> list[SentMessage]:
        return self.messages.get(chat_id, [])

    # --- the Bot API ------------------------------------------------------------------

    def _message(self, chat_id: int, text: str | None, markup: Any, **extra: Any) -> SentMessage:
        if isinstance(markup, str):
            markup = json.loads(markup)
        sent = SentMessage(next(self._message_ids), chat_id, text, markup, **extra)
        self.messages.setdefault(chat_id, []).append(sent)
        self._notify("new", sent)
        return sent

    def _result(self, sent: SentMessage) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME},
        }
        if sent.text is not None:
            body["text"] = sent.text
        if sent.photo is not None:
            body["photo"] = [{"file_id": f"photo{sent.message_id}", "file_unique_id": f"u{sent.message_id}",
                              "width": 512, "height": 512}]  # fmt: skip
            if sent.caption:
                body["caption"] = sent.caption
        if sent.document is not None:
            body["document"] = {"file_id": f"doc{sent.message_id}", "file_unique_id": f"d{sent.message_id}"}
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            body["reply_markup"] = sent.reply_markup  # Telegram echoes inline keyboards only
        return body

    async def _params(self, request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        content_type = request.headers.get("content-type", "")
        files: dict[str, bytes] = {}
        if content_type.startswith("multipart/form-data"):
            form = await request.form()
            params: dict[str, Any] = {}
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    files[key] = await value.read()
                else:
                    params[key] = value
            return params, files
        if content_type.startswith("application/json"):
            return dict(await request.json()), files
        form = await request.form()
        return {key: value for key, value in form.items()}, files

    async def endpoint(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        params, files = await self._params(request)
        self.calls.append((method, params))
        refusal = await self.refuse(method, params)
        if refusal is not None:
            return refusal
        problem = button_problem(params.get("reply_markup"))
        if problem is not None:
            return JSONResponse({"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}, 400)
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": f"Not Found: method {method}"}, 404)
        result = await handler(params, files)
        return JSONResponse({"ok": True, "result": result})

    async def api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Kotani Cash-out", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}  # fmt: skip

    async def api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        timeout = float(params.get("timeout", 0) or 0)
        updates: list[dict[str, Any]] = []
        getting = asyncio.ensure_future(self._updates.get())
        closing = asyncio.ensure_future(self._closed.wait())
        await asyncio.wait((getting, closing), timeout=max(timeout, 0.05), return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if getting.done():
            updates.append(getting.result())
        else:
            getting.cancel()  # takes nothing from the queue
        while not self._updates.empty():
            updates.append(self._updates.get_nowait())
        return updates

    async def api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    @staticmethod
    def scope_key(scope: Any) -> str:
        """``default``, or the scope as sorted JSON (e.g. ``{"chat_id": 5, "type": "chat"}``)."""
        if not scope:
            return "default"
        if isinstance(scope, str):
            scope = json.loads(scope) if scope.startswith("{") else scope
        if isinstance(scope, dict) and scope.get("type") == "default":
            return "default"
        return scope if isinstance(scope, str) else json.dumps(scope, sort_keys=True)

    def menu(self, chat_id: int | None = None) -> list[str]:
        """The command names a chat sees (its own scope, else the default menu)."""
        key = self.scope_key({"type": "chat", "chat_id": chat_id}) if chat_id is not None else "default"
        commands = self.commands.get(f"{key}|") or self.commands.get("default|") or []
        return [c["command"] for c in commands]

    async def api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        key = self.scope_key(params.get("scope"))
        commands = params["commands"]
        self.commands[f"{key}|{params.get('language_code', '')}"] = (
            json.loads(commands) if isinstance(commands, str) else commands
        )
        return True

    async def api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        sent = self._message(int(params["chat_id"]), str(params["text"]), params.get("reply_markup"),
                             parse_mode=params.get("parse_mode"))  # fmt: skip
        return self._result(sent)

    async def api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        key = self.scope_key(params.get("scope"))
        self.commands.pop(f"{key}|{params.get('language_code', '')}", None)
        return True

    async def api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        document = files.get("document") or next(iter(files.values()), None)
        sent = self._message(int(params["chat_id"]), None, params.get("reply_markup"), document=document,
                             caption=params.get("caption"))  # fmt: skip
        return self._result(sent)

    async def api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        photo = files.get("photo") or next(iter(files.values()), None)
        sent = self._message(int(params["chat_id"]), None, params.get("reply_markup"), photo=photo,
                             caption=params.get("caption"), parse_mode=params.get("parse_mode"))  # fmt: skip
        return self._result(sent)

    def _find(self, params: dict[str, Any]) -> SentMessage:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        return next(m for m in self.chat(chat_id) if m.message_id == message_id)

    async def api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find(params)
        message.text = str(params["text"])
        markup = params.get("reply_markup")
        message.reply_markup = json.loads(markup) if isinstance(markup, str) else markup
        message.edits += 1
        self._notify("edit", message)
        return self._result(message)

    async def api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._find(params)
        markup = params.get("reply_markup")
        message.reply_markup = json.loads(markup) if isinstance(markup, str) else markup
        message.edits += 1
        return self._result(message)

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.answered_callbacks.append(params)
        chat_id = self._callback_chats.pop(str(params.get("callback_query_id")), None)
        if chat_id is not None:
            # a toast (or nothing) rather than a message: told to listeners apart from ``_notify``,
            # which counts messages
            answer = SentMessage(0, chat_id, str(params["text"]) if params.get("text") else None, None)
            for listener in self.listeners:
                listener.put_nowait(("answer", answer))
        return True

    async def api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.messages.get(int(params["chat_id"]), [])
        self.messages[int(params["chat_id"])] = [m for m in chat if m.message_id != int(params["message_id"])]
        return True

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self.endpoint, methods=["GET", "POST"])])
