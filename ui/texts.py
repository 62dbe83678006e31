"""Every text the bot sends, from gettext catalogs (``ui/locales/<language>.po``, plus one
file per feature in ``ui/locales/<language>/*.po``).

Messages are keyed by a symbolic id (``welcome``, ``n_successful`` …); ``en`` holds the
English texts, ``sw`` and ``fr`` the translations. A key lives in exactly one file of a
language (a second one is refused at start), so features can own their texts. The language of the update being
handled (or of the chat a notification goes to) is kept in a context variable, so handlers
call ``t(key, ...)`` without passing it around.

Texts use Telegram HTML; ``t`` escapes every placeholder value that is a ``str``. A text
that depends on a count has plural forms (``msgid_plural``/``msgstr[n]``), picked by the
language's own rule (the catalog's ``Plural-Forms`` header) through :func:`tn`. Country
names come from Babel's territory names in the reader's language (:func:`country_name`).
"""

from __future__ import annotations

import gettext
import html
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.pofile import read_po

LANGUAGES: dict[str, str] = {"en": "English", "sw": "Kiswahili", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
LOCALES = Path(__file__).parent / "locales"

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def catalog_files(language: str) -> list[Path]:
    return [LOCALES / f"{language}.po", *sorted((LOCALES / language).glob("*.po"))]


@cache
def _read(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    """(messages, plural forms by key, plural rule) of one language, read once from its ``.po`` files."""
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    rule: Callable[[int], int] = gettext.c2py("(n != 1)")
    for path in catalog_files(language):
        with path.open("rb") as handle:
            parsed = read_po(handle)
        if path == LOCALES / f"{language}.po":
            rule = gettext.c2py(parsed.plural_expr)
        for message in parsed:
            if not (message.id and message.string):
                continue
            key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
            if key in messages:
                raise ValueError(f"{path.name}: {key!r} is already defined in another {language} catalog file")
            if isinstance(message.string, tuple | list):
                forms = tuple(str(form) for form in message.string)
                if not all(forms):
                    continue
                plurals[key] = forms
                messages[key] = forms[0]
            else:
                messages[key] = str(message.string)
    return messages, plurals, rule


def catalog(language: str) -> dict[str, str]:
    """The messages of one language (a text with plural forms by its first form)."""
    return _read(language)[0]


def plural_forms(language: str) -> dict[str, tuple[str, ...]]:
    """The texts of one language that have plural forms, each with all its forms in catalog order."""
    return _read(language)[1]


def plural_index(n: int, lang: str | None = None) -> int:
    """Which plural form the language uses for ``n`` (its catalog's ``Plural-Forms`` rule)."""
    return _read(lang or language())[2](abs(n))


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


def tn(key: str, n: int, **values: Any) -> str:
    """Like :func:`t` for a text about ``n`` things: the plural form the language uses for ``n``
    (``n`` is also given to the text as ``{count}``)."""
    lang = language()
    forms = plural_forms(lang).get(key) or plural_forms(DEFAULT_LANGUAGE).get(key)
    if lang != DEFAULT_LANGUAGE and key not in plural_forms(lang):
        lang = DEFAULT_LANGUAGE
    if forms is None:
        return t(key, count=n, **values)
    template = forms[min(plural_index(n, lang), len(forms) - 1)]
    escaped = {name: html.escape(value) if isinstance(value, str) else value for name, value in values.items()}
    return template.format(count=n, **escaped)


def country_name(code: str, lang: str | None = None) -> str:
    """``CI`` → "Côte d’Ivoire" in the reader's language (Babel's territory names); an unknown code as it is."""
    return _territories(lang or language()).get(code.upper(), code)


@cache
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


def raw(key: str, **values: Any) -> str:
    """Like :func:`t` but without escaping (button labels are plain text, not HTML)."""
    template = _template(key)
    return template.format(**values) if values else template


def status_words(status: str) -> str:
    key = f"st_{status}"
    return _template(key) if has_text(key) else _template("st_UNKNOWN")  # a status Kotani added: never raw English
