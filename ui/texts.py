"""Every text the bot sends, from gettext catalogs (``ui/locales/<language>.po``, plus one
file per feature in ``ui/locales/<language>/*.po``).

Messages are keyed by a symbolic id (``welcome``, ``n_successful`` …); ``en`` holds the
English texts, ``sw`` and ``fr`` the translations. A key lives in exactly one file of a
language (a second one is refused at start), so features can own their texts. The language of the update being
handled (or of the chat a notification goes to) is kept in a context variable, so handlers
call ``t(key, ...)`` without passing it around.

Texts use Telegram HTML; ``t`` escapes every placeholder value that is a ``str``.
"""

from __future__ import annotations

import html
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES: dict[str, str] = {"en": "English", "sw": "Kiswahili", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).parent / "locales"

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def catalog_files(language: str) -> list[Path]:
    return [LOCALES / f"{language}.po", *sorted((LOCALES / language).glob("*.po"))]


@cache
def catalog(language: str) -> dict[str, str]:
    """The messages of one language (read once from its ``.po`` files)."""
    messages: dict[str, str] = {}
    for path in catalog_files(language):
        with path.open("rb") as handle:
            parsed = read_po(handle)
        for message in parsed:
            if not (message.id and message.string):
                continue
            key = str(message.id)
            if key in messages:
                raise ValueError(f"{path.name}: {key!r} is already defined in another {language} catalog file")
            messages[key] = str(message.string)
    return messages


def supported(code: str | None) -> str:
    """``sw-KE`` → ``sw``; anything we do not speak → English."""
    short = (code or "").lower().replace("_", "-").split("-")[0]
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


def use_language(code: str | None) -> str:
    language = supported(code)
    _language.set(language)
    return language


def language() -> str:
    return _language.get()


def has_text(key: str) -> bool:
    return key in catalog(DEFAULT_LANGUAGE)


def _template(key: str, lang: str | None = None) -> str:
    chosen = catalog(lang or language())
    return chosen.get(key) or catalog(DEFAULT_LANGUAGE)[key]


def t(key: str, **values: Any) -> str:
    """The text for ``key`` in the current language, ``values`` filled in (strings HTML-escaped)."""
    template = _template(key)
    escaped = {name: html.escape(value) if isinstance(value, str) else value for name, value in values.items()}
    return template.format(**escaped) if escaped else template


def raw(key: str, **values: Any) -> str:
    """Like :func:`t` but without escaping (button labels are plain text, not HTML)."""
    template = _template(key)
    return template.format(**values) if values else template


def status_words(status: str) -> str:
    key = f"st_{status}"
    return _template(key) if has_text(key) else status.replace("_", " ").lower()
