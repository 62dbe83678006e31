"""Chat with the bot in a terminal: the bot's messages and buttons are printed, you type
text or a button's number, and QR codes are drawn with block characters.

It plays one Telegram user against the local Bot API, so the bot runs exactly as it does in
Telegram. Its input may also be a script (``printf '1\\n' | python -m bot demo``): then each
line waits for the bot's answer to the one before, as a person reading the chat would.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import html
import io
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

import png

from bot.local_telegram import LocalBotApi, SentMessage

DEMO_USER = 100001
DEMO_PHONE = "+254700000001"
BOLD = "\033[1m"
DIM = "\033[2m"
RESET = "\033[0m"
# A script's next line waits for the bot's answer to the last: up to ANSWER_SECONDS for its
# first message, then until the bot has been quiet for QUIET_SECONDS (an answer can be several
# messages: "Creating your cash-out…", the deposit address, its QR code).
ANSWER_SECONDS = 15.0
QUIET_SECONDS = 0.5
BUTTON_NUMBER = re.compile(r"[1-9][0-9]*")
COPY = "\x00copy:"  # marks a copy-text button among the (label, callback data) pairs


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


class InputLines:
    """The lines typed (or piped) into the chat; ``None`` once the input ends (Ctrl-D).

    A daemon thread reads the file descriptor itself. ``sys.stdin.readline`` in asyncio's
    executor would keep the process alive after Ctrl-C until Enter is pressed (asyncio waits
    for that thread on the way out), and a thread parked inside ``sys.stdin`` holds its buffer's
    lock when the interpreter exits; ``os.read`` holds nothing and the thread dies with us.
    """

    def __init__(self, fd: int) -> None:
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, args=(fd,), name="terminal-chat-input", daemon=True).start()

    async def next(self) -> str | None:
        return await self._lines.get()

    def _put(self, line: str | None) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
        except RuntimeError:  # the demo has ended; what was typed after it goes nowhere
            return False
        return True

    def _read(self, fd: int) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # no usable standard input (closed): as good as its end
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *lines, pending = pending.split("\n")
            for line in lines:
                if not self._put(line):
                    return
            if not chunk:
                if pending:
                    self._put(pending)
                self._put(None)
                return


_STYLE = re.compile(r"\033\[[0-9;]*m")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _WithoutStyles(io.TextIOBase):
    """Writes to ``target`` with the terminal's colour and bold codes taken out."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(_STYLE.sub("", text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


@dataclass
class TerminalChat:
    api: LocalBotApi
    out: TextIO = sys.stdout
    # the buttons of the last message shown (none if it had none): a bare number presses one of
    # these only, so an amount typed after a message without buttons stays text
    buttons: list[tuple[str, str, SentMessage]] = field(default_factory=list)
    contact_offered: bool = False
    shown: int = 0  # what the bot has said so far (messages, edits, button answers)

    def __post_init__(self) -> None:
        self._said = asyncio.Event()
        if not _is_terminal(self.out):
            self.out = cast(TextIO, _WithoutStyles(self.out))  # a file or a pipe: plain text, no escape codes

    def show(self, what: str, message: SentMessage) -> None:
        self.shown += 1
        self._said.set()
        if what == "answer":  # a button press answered with a toast, or silently
            if message.text:
                print(f"{DIM}🤖 {plain(message.text)}{RESET}", file=self.out, flush=True)
            return
        header = "🤖 (updated)" if what == "edit" else "🤖"
        if message.photo is not None:
            print(f"\n{header} {plain(message.caption or '')}\n{qr_blocks(message.photo)}", file=self.out)
        elif message.text is not None:
            print(f"\n{header} {plain(message.text)}", file=self.out)
        markup: dict[str, Any] = message.reply_markup or {}
        self.buttons = [
            (b["text"], b.get("callback_data") or COPY + b.get("copy_text", {}).get("text", ""), message)
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]
        if self.buttons:
            labels = "   ".join(f"[{i}] {label}" for i, (label, _, _) in enumerate(self.buttons, 1))
            print(f"{DIM}{labels}{RESET}", file=self.out)
        if "keyboard" in markup:
            shares = [b["text"] for row in markup["keyboard"] for b in row if b.get("request_contact")]
            self.contact_offered = bool(shares)
            if self.contact_offered:
                # the bot's own label, in the reader's language
                print(f"{DIM}[c] {shares[0]} ({DEMO_PHONE}){RESET}", file=self.out)
        elif markup.get("remove_keyboard"):
            self.contact_offered = False
        self.out.flush()

    def update_for(self, line: str) -> dict[str, Any] | None:
        text = line.strip()
        if not text:
            return None
        if BUTTON_NUMBER.fullmatch(text) and int(text) <= len(self.buttons):
            _, data, message = self.buttons[int(text) - 1]
            if data.startswith(COPY):  # Telegram copies it on the phone; the bot hears nothing
                print(f"{DIM}📋 {data[len(COPY) :]}{RESET}", file=self.out, flush=True)
                return None
            return self.api.button_press(DEMO_USER, message, data)
        if text.lower() == "c" and self.contact_offered:
            self.contact_offered = False
            update = self.api.user_message(DEMO_USER, "")
            del update["message"]["text"]
            update["message"]["contact"] = {"phone_number": DEMO_PHONE, "first_name": "You", "user_id": DEMO_USER}
            return update
        return self.api.user_message(DEMO_USER, text)

    async def answered(self, before: int) -> None:
        """Return once the bot has answered since it had said ``before`` things and gone quiet
        (or has not answered within ``ANSWER_SECONDS``: the next line goes anyway)."""
        limit = ANSWER_SECONDS
        while True:
            self._said.clear()
            if self.shown > before:
                limit = QUIET_SECONDS
            try:
                await asyncio.wait_for(self._said.wait(), limit)
            except TimeoutError:
                return

    async def run(self, fd: int = 0) -> None:
        """Chat until the input ends. From a terminal every line goes as it is typed; from a
        script each waits for the bot's answer to the last (a script cannot see it coming)."""
        events: asyncio.Queue[tuple[str, SentMessage]] = asyncio.Queue()
        self.api.listeners.append(events)

        async def printer() -> None:
            while True:
                what, message = await events.get()
                if message.chat_id == DEMO_USER:
                    self.show(what, message)

        printing = asyncio.create_task(printer())
        scripted = not os.isatty(fd)
        print(f"{BOLD}Terminal chat{RESET}: type text, or a button's number. /start shows the menu; Ctrl-D or Ctrl-C quits.",
              file=self.out, flush=True)  # fmt: skip
        lines = InputLines(fd)
        update: dict[str, Any] | None = self.api.user_message(DEMO_USER, "/start")
        try:
            while True:
                if update is not None:
                    before = self.shown
                    self.api.queue(update)
                    if scripted:
                        await self.answered(before)
                line = await lines.next()
                if line is None:
                    break
                update = self.update_for(line)
        finally:
            printing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await printing
            self.api.listeners.remove(events)
