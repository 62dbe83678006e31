"""Chat with the bot in a terminal: the bot's messages and buttons are printed, you type
text or a button's number, and QR codes are drawn with block characters.

It plays one Telegram user against the local Bot API, so the bot runs exactly as it does in
Telegram.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

import png

from bot.local_telegram import LocalBotApi, SentMessage

DEMO_USER = 100001
DEMO_PHONE = "+254700000001"
BOLD = "\033[1m"
DIM = "\033[2m"
RESET = "\033[0m"


def plain(text: str) -> str:
    """Telegram HTML → terminal text (bold kept, code highlighted, entities decoded)."""
    text = re.sub(r"</?b>", lambda m: RESET if m.group(0) == "</b>" else BOLD, text)
    text = re.sub(r"</?code>", lambda m: RESET if m.group(0) == "</code>" else "\033[36m", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def qr_blocks(png_bytes: bytes, *, scale: int = 8) -> str:
    """Draw the QR code of a segno PNG (``scale`` pixels per module) with half blocks."""
    width, height, rows, _ = png.Reader(bytes=png_bytes).read()
    pixels = [list(row) for row in rows]
    modules = [[pixels[y][x] == 0 for x in range(scale // 2, width, scale)] for y in range(scale // 2, height, scale)]
    lines = []
    for top in range(0, len(modules), 2):
        upper = modules[top]
        lower = modules[top + 1] if top + 1 < len(modules) else [False] * len(upper)
        # light background: a dark module is drawn as a space on white
        chars = {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}
        lines.append("".join(chars[(u, d)] for u, d in zip(upper, lower, strict=True)))
    return "\n".join(lines)


@dataclass
class TerminalChat:
    api: LocalBotApi
    out: TextIO = sys.stdout
    buttons: list[tuple[str, str, SentMessage]] = field(default_factory=list)
    contact_offered: bool = False

    def show(self, what: str, message: SentMessage) -> None:
        header = "🤖 (updated)" if what == "edit" else "🤖"
        if message.photo is not None:
            print(f"\n{header} {plain(message.caption or '')}\n{qr_blocks(message.photo)}", file=self.out)
        elif message.text is not None:
            print(f"\n{header} {plain(message.text)}", file=self.out)
        markup: dict[str, Any] = message.reply_markup or {}
        if "inline_keyboard" in markup:
            self.buttons = [(b["text"], b["callback_data"], message) for row in markup["inline_keyboard"] for b in row]
            labels = "   ".join(f"[{i}] {label}" for i, (label, _, _) in enumerate(self.buttons, 1))
            print(f"{DIM}{labels}{RESET}", file=self.out)
        if "keyboard" in markup:
            self.contact_offered = any(b.get("request_contact") for row in markup["keyboard"] for b in row)
            if self.contact_offered:
                print(f"{DIM}[c] share my number ({DEMO_PHONE}){RESET}", file=self.out)
        self.out.flush()

    def update_for(self, line: str) -> dict[str, Any] | None:
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and 1 <= int(text) <= len(self.buttons) and len(text) <= 2:
            _, data, message = self.buttons[int(text) - 1]
            return self.api.button_press(DEMO_USER, message, data)
        if text.lower() == "c" and self.contact_offered:
            self.contact_offered = False
            update = self.api.user_message(DEMO_USER, "")
            del update["message"]["text"]
            update["message"]["contact"] = {"phone_number": DEMO_PHONE, "first_name": "You", "user_id": DEMO_USER}
            return update
        return self.api.user_message(DEMO_USER, text)

    async def run(self) -> None:
        events: asyncio.Queue[tuple[str, SentMessage]] = asyncio.Queue()
        self.api.listeners.append(events)

        async def printer() -> None:
            while True:
                what, message = await events.get()
                if message.chat_id == DEMO_USER:
                    self.show(what, message)

        printing = asyncio.create_task(printer())
        print(f"{BOLD}Terminal chat{RESET}: type text, or a button's number. /start shows the menu; Ctrl-D quits.",
              file=self.out)  # fmt: skip
        self.api.queue(self.api.user_message(DEMO_USER, "/start"))
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                update = self.update_for(line)
                if update is not None:
                    self.api.queue(update)
        finally:
            printing.cancel()
