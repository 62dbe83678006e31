"""The button crawler (issue #14): from every screen of the cash-out reachable from /cashout,
press every button the bot shows there, in English, Kiswahili and French.

Each press is checked as a person would notice it: the bot's own button never gets the "did
not understand" fallback (nor "something went wrong"); Cancel always ends the flow with a
confirmation; Back, where a screen offers it, returns to the previous question; no answer in
Kiswahili or French contains a known English filler. Every path is replayed by a new person
from /cashout, so a press never depends on the crawl's history. ``CRAWL_DEPTH`` and
``CRAWL_SCREENS`` make it longer (by hand); CI runs the short version.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import deque

import pytest

from kotani_sandbox import SandboxConfig
from tests.conftest import API_KEY, WEBHOOK_SECRET
from tests.e2e.flows import TRON_WALLET
from tests.e2e.harness import Harness, SentMessage, User
from ui.texts import LANGUAGES, catalog

DEPTH = int(os.environ.get("CRAWL_DEPTH", "11"))
SCREENS = int(os.environ.get("CRAWL_SCREENS", "40"))  # distinct screens explored per language

#: what a person types at a question that waits for text (first match of the prompt wins)
TYPED: dict[str, list[tuple[str, str]]] = {
    "en": [("How much", "10"), ("mobile money number", "0700000001"), ("full name", "Jane Doe"),
           ("Which wallet", TRON_WALLET), ("account number", "1000000001"), ("Choose the bank", "equ")],
    "sw": [("kiasi gani", "10"), ("namba ya pesa za simu", "0700000001"), ("jina kamili", "Jane Doe"),
           ("pochi gani", TRON_WALLET), ("namba ya akaunti", "1000000001"), ("benki", "equ")],
    "fr": [("Combien", "10"), ("numéro mobile money", "0700000001"), ("nom complet", "Jane Doe"),
           ("quel portefeuille", TRON_WALLET), ("numéro de compte", "1000000001"), ("banque", "equ")],
}  # fmt: skip


def _said(language: str, key: str) -> str:
    """A catalog text without its leading emoji, as the crawler looks for it in replies."""
    return catalog(language)[key].split(" ", 1)[-1].split(".")[0].split("?")[0]


#: "did not understand" and "something went wrong", as each catalog says them
FALLBACK = {
    language: [_said(language, "unexpected_input"), _said(language, "internal_error")] for language in LANGUAGES
}
#: what Cancel leads to: inside the conversation, the confirmation that nothing was created; on
#: a created cash-out's card, the question whether to really cancel it (money may be on its way)
CANCELLED = {
    language: (catalog(language)["cancelled_flow_done"].rstrip("."), catalog(language)["cancel_confirm"].split("{")[0])
    for language in LANGUAGES
}
ENGLISH_FILLERS = [" or ", " and ", "unknown", "not found", "Skip", "Cancel", "Confirm", "Please "]

_ids = itertools.count(20_000)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """The crawl replays hundreds of paths in seconds; Kotani's rate limits are not what it is
    about (tests/kotani covers them), and a 429 mid-replay would send a path astray."""
    return SandboxConfig(api_keys=(API_KEY,), webhook_secret=WEBHOOK_SECRET, lookup_timeout_delay=0,
                         rate_limits={"read": ((100_000, 5.0),), "money": ((100_000, 5.0),)})  # fmt: skip


async def replay(bot: Harness, language: str, path: list[str], start: str = "/cashout") -> User:
    """A new person who takes ``path`` (``press:<label>`` or text) from ``start``; for the
    agent desk's commands the person is made an agent first (as an admin would)."""
    user = bot.user(next(_ids))
    bot.telegram.languages[user.id] = language
    if start != "/cashout":
        await bot.services.storage.users.touch(user.id, user.id, language)
        await bot.services.storage.users.set_role(user.id, "admin" if start == "/agents" else "agent")
    await user.send(start)
    for step in path:
        if step.startswith("press:"):
            await user.press_exact(step.removeprefix("press:"))
        else:
            await user.send(step)
    return user


def screen(user: User) -> SentMessage | None:
    """The question now on screen: the newest message that has buttons (else none)."""
    for message in reversed(user.chat):
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            return message
    return None


def signature(message: SentMessage) -> str:
    first_line = re.sub(r"\d", "#", (message.text or "").split("\n")[0])
    return first_line + " | " + " · ".join(User.buttons(message))


def pressable(message: SentMessage) -> list[str]:
    return [
        button["text"]
        for row in message.reply_markup["inline_keyboard"]  # type: ignore[index]
        for button in row
        if "callback_data" in button
    ]


def typed_answer(language: str, message: SentMessage | None, user: User) -> str | None:
    prompt = user.last_text
    for hint, text in TYPED[language]:
        if hint.lower() in prompt.lower():
            return text
    return None


def problems(language: str, said: list[SentMessage], *, pressed: str) -> list[str]:
    found = []
    for message in said:
        text = message.text or message.caption or ""
        for phrase in FALLBACK[language]:
            if phrase in text:
                found.append(f"{pressed!r} got the fallback: {text[:120]!r}")
        if language != "en":
            visible = re.sub(r"<[^>]+>|<code>.*?</code>", "", text)
            for filler in ENGLISH_FILLERS:
                if filler in visible:
                    found.append(f"{pressed!r}: English {filler.strip()!r} in {language}: {text[:120]!r}")
    return found


@pytest.mark.parametrize("start", ["/cashout", "/forcustomer", "/agents"])
@pytest.mark.parametrize("language", ["en", "sw", "fr"])
async def test_every_button_of_every_screen_works(bot: Harness, language: str, start: str) -> None:
    """The customer's cash-out, an agent's walk-in cash-out and the admin's agent list."""
    queue: deque[list[str]] = deque([[]])
    seen: set[str] = set()
    failures: list[str] = []
    explored = 0
    while queue and explored < SCREENS:
        path = queue.popleft()
        user = await replay(bot, language, path, start)
        current = screen(user)
        if current is None:
            continue
        key = signature(current)
        if key in seen:
            continue
        seen.add(key)
        explored += 1
        moves = [f"press:{label}" for label in pressable(current)]
        answer = typed_answer(language, current, user)
        if answer is not None:
            moves.append(answer)
        for move in moves:
            person = await replay(bot, language, path, start)
            before = len(person.chat)
            if move.startswith("press:"):
                await person.press_exact(move.removeprefix("press:"))
            else:
                await person.send(move)
            said = person.chat[before:] + [m for m in person.chat[:before] if m.edits]
            failures += [
                f"{' > '.join(path) or '/cashout'} > {problem}" for problem in problems(language, said, pressed=move)
            ]
            label = move.removeprefix("press:")
            if move.startswith("press:") and "✖️" in label:
                answers = [m.text or "" for m in person.chat[before:]]
                if not any(sign in text for text in answers for sign in CANCELLED[language]):
                    failures.append(f"{' > '.join(path)} > Cancel did not confirm: {person.last_text[:100]!r}")
                if not any(CANCELLED[language][1] in text for text in answers):
                    continue  # the flow ended; a card's cancel question is explored further
            if move.startswith("press:") and "⬅️" in label:
                continue  # Back: its question is checked where it is reached
            if len(path) < DEPTH:
                queue.append([*path, move])
    assert not failures, "\n".join(failures[:40])
    assert explored >= (min(SCREENS, 8) if start != "/agents" else 1)  # the crawl got past the first screens


@pytest.mark.parametrize("language", ["en", "sw", "fr"])
async def test_every_button_around_a_lightning_refund_invoice_works(live: Harness, language: str) -> None:
    """The refund-invoice conversation, reached as a customer reaches it (a failed Lightning
    payout): every button of its notice and of the card, and the inputs people type there."""
    from kotani_sandbox.lightning import make_invoice

    user = live.user(next(_ids))
    live.telegram.languages[user.id] = language
    await user.send("/cashout")
    await user.press("🇰🇪")
    await user.press("⚡")
    await user.send("1500")
    await user.press_data("c:q:ok")
    await user.press_data("c:rk:mobile_money")
    await user.send("0700000013")  # pays out to nobody: the payout fails
    if "c:hn:" not in str(user.last_with_buttons().reply_markup):
        await user.send("Jane Doe")
    await user.press_data("c:skip")  # no refund invoice up front
    await user.press_data("c:ok")
    [offramp] = await live.services.storage.offramps.for_user(user.id)
    await live.sandbox.deposit(offramp.reference_id)
    await live.sandbox.run_until_settled(offramp.reference_id)
    await live.until(
        lambda: any(f"r:inv:{offramp.reference_id}" in str(m.reply_markup) for m in user.chat), "the invoice request"
    )
    await live.drain()
    failures: list[str] = []
    pressed = 0
    holders = [m for m in user.chat if m.reply_markup and "inline_keyboard" in m.reply_markup]
    for message in holders[-3:]:  # the invoice request, the card and the failure notice
        for label in pressable(message):
            pressed += 1
            data = next(
                b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row if b["text"] == label
            )  # type: ignore[index]
            before = len(user.chat)
            await user.press_data(data, message)
            failures += problems(language, user.chat[before:], pressed=label)
    await user.press_data(f"r:inv:{offramp.reference_id}")
    now = int(live.sandbox.clock.now())
    expired = make_invoice(1_500_000, network="bc", created_at=now - 7200, expiry=600, description="r")
    for typed in ["hello", "12345", expired, "/help"]:
        before = len(user.chat)
        await user.send(typed)
        said = user.chat[before:]
        assert said, f"no answer to {typed!r}"
        failures += [p for p in problems(language, said, pressed=typed) if FALLBACK[language][1] in p]
    before = len(user.chat)
    await user.send("/cancel")
    assert user.chat[before:], "no answer to /cancel"
    assert pressed >= 3  # the invoice button, the refund status and the card's own
    assert not failures, "\n".join(failures)
