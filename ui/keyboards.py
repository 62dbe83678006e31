"""Inline keyboards: rows of (label, callback data) turned into Telegram's markup, and the main menu."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ui import callbacks as cb
from ui.texts import raw

Buttons = Sequence[Sequence[tuple[str, str]]]


def keyboard(rows: Buttons) -> InlineKeyboardMarkup:
    """``[[(label, callback_data), …], …]`` → inline keyboard."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def main_menu() -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(raw("btn_cashout"), cb.MENU_CASHOUT())],
            [(raw("btn_history"), cb.MENU("hist")), (raw("btn_recipients"), cb.MENU("rcp"))],
            [(raw("btn_help"), cb.MENU("help")), (raw("btn_language"), cb.MENU_LANGUAGE())],
        ]
    )
