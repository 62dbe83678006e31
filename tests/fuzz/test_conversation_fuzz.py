"""Random texts, stickers, photos, contacts, old buttons and forged callback data at every
step of the cash-out: no handler raises, no other user's data is shown, and the user always
gets an answer (a re-prompt) and can carry on. ``FUZZ_ROUNDS`` makes it longer (by hand)."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Sandbox
from tests.e2e.flows import TRON_WALLET, full_cashout
from tests.e2e.harness import Harness, User, bot_world

ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "6"))
VICTIM, FUZZER = 6100, 6200

#: how to reach each step of the conversation from /cashout
STEPS: list[tuple[str, list[str]]] = [
    ("country", []),
    ("token", ["press:Kenya"]),
    ("amount", ["press:Kenya", "press:USDT · Tron"]),
    ("quote", ["press:Kenya", "press:USDT · Tron", "10"]),
    ("recipient", ["press:Kenya", "press:USDT · Tron", "10", "press:Confirm"]),
    ("phone", ["press:Kenya", "press:USDT · Tron", "10", "press:Confirm", "press:Mobile money"]),
    ("holder", ["press:Kenya", "press:USDT · Tron", "10", "press:Confirm", "press:Mobile money", "0700000001"]),
    ("refund address", ["press:Kenya", "press:USDT · Tron", "10", "press:Confirm", "press:Mobile money", "0700000001", "press:Yes"]),
    ("summary", ["press:Kenya", "press:USDT · Tron", "10", "press:Confirm", "press:Mobile money", "0700000001", "press:Yes", TRON_WALLET]),
]  # fmt: skip


def noise(rng: random.Random, victim_reference: str, old_buttons: list[str]) -> dict[str, Any]:
    """One hostile input, as the fields of a Telegram message, or a callback to press."""
    choice = rng.randrange(9)
    if choice == 0:
        return {"text": "".join(rng.choice("abc012 ,.-+😀ñ\u202e<>&\"'/") for _ in range(rng.randint(1, 40)))}
    if choice == 1:
        return {"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
                            "is_video": False, "type": "regular"}}  # fmt: skip
    if choice == 2:
        return {"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 1, "height": 1}]}
    if choice == 3:
        return {"contact": {"phone_number": "+256700000001", "first_name": "X"}}
    if choice == 4 and old_buttons:
        return {"callback": rng.choice(old_buttons)}
    if choice == 5:
        return {"callback": rng.choice([f"t:cx:{victim_reference}", f"t:open:{victim_reference}", f"r:retry:{victim_reference}",
                                        f"r:inv:{victim_reference}", "a:rm:6100", "a:add", "lang:xx", "h:p:-5"])}  # fmt: skip
    if choice == 6:
        return {
            "callback": "".join(
                rng.choice("ctrhxa:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(1, 64))
            )
        }
    if choice == 7:
        return {
            "text": rng.choice(["/history", "/status", "/queue", "/agents", f"/start tx_{victim_reference}", "/find x"])
        }
    return {"text": rng.choice(["-1", "0", "1e9", "99999999999", "0.0000001", "NaN", " ", "+254", "lnbc1"])}


async def drive(user: User, steps: list[str]) -> None:
    await user.send("/cashout")
    for step in steps:
        if step.startswith("press:"):
            await user.press(step.removeprefix("press:"))
        else:
            await user.send(step)


@pytest.fixture
async def world(sandbox: Sandbox, tmp_path: Path) -> Any:
    async with bot_world(sandbox, tmp_path) as harness:
        yield harness


@pytest.mark.parametrize(("step", "path"), STEPS, ids=[name for name, _ in STEPS])
async def test_hostile_input_at_every_step(
    world: Harness, step: str, path: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(f"{step}-{ROUNDS}")
    victim_reference = await full_cashout(world.user(VICTIM))
    fuzzer = world.user(FUZZER)
    await drive(fuzzer, path)
    old_buttons = [b["callback_data"] for m in fuzzer.chat if m.reply_markup and "inline_keyboard" in m.reply_markup
                   for row in m.reply_markup["inline_keyboard"] for b in row]  # fmt: skip
    for _ in range(ROUNDS):
        hostile = noise(rng, victim_reference, old_buttons)
        before = (len(fuzzer.chat), sum(m.edits for m in fuzzer.chat), len(world.telegram.answered_callbacks))
        if "callback" in hostile:
            await fuzzer.press_data(str(hostile["callback"])[:64], fuzzer.chat[-1] if fuzzer.chat else None)
        else:
            await fuzzer.send_raw(**hostile)
        after = (len(fuzzer.chat), sum(m.edits for m in fuzzer.chat), len(world.telegram.answered_callbacks))
        assert after != before, f"no answer to {hostile}"
    texts = " ".join(m.text or "" for m in fuzzer.chat)
    assert victim_reference not in texts, "another user's cash-out was shown"
    assert "Something went wrong" not in texts
    assert "handler failed" not in caplog.text
    state = await world.sandbox.state(victim_reference)
    assert state["offramp"]["status"] == "PENDING"  # nothing the fuzzer did touched the victim's cash-out
    await fuzzer.send("/cancel")
    await drive(fuzzer, STEPS[3][1])  # and the fuzzer can still cash out normally
    assert "Your quote" in fuzzer.last_text
