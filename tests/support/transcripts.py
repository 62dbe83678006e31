"""Print a cash-out in each language as people see it (docs/transcripts.md is made with it):
``python -m tests.support.transcripts``. It drives the end-to-end harness: the real bot, the
Kotani sandbox and the fake Bot API over loopback HTTP."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from kotani_sandbox import SandboxConfig, create_app
from kotani_sandbox.clock import SandboxClock
from tests.conftest import API_KEY, FROZEN_AT, WEBHOOK_SECRET, Sandbox
from tests.e2e.flows import TRON_WALLET
from tests.e2e.harness import bot_world
from tests.support.servers import LiveServer

STEPS = {
    "en": [
        "/start",
        "press:Cash out",
        "press:Kenya",
        "press:USDT",
        "press:Tron",
        "10",
        "press:Confirm",
        "press:Mobile money",
        "0700000001",
        "press:Yes",
        TRON_WALLET,
        "press:Confirm",
    ],
    "sw": [
        "/start",
        "press:Toa pesa",
        "press:Kenya",
        "press:USDT",
        "press:Tron",
        "10",
        "press:Thibitisha",
        "press:Pesa za simu",
        "0700000001",
        "press:Ndiyo",
        TRON_WALLET,
        "press:Thibitisha",
    ],
    "fr": [
        "/start",
        "press:Retirer",
        "press:Kenya",
        "press:USDT",
        "press:Tron",
        "10,5",
        "press:Confirmer",
        "press:Mobile Money",
        "0700000001",
        "press:Oui",
        TRON_WALLET,
        "press:Confirmer",
    ],
}


async def main() -> None:
    config = SandboxConfig(api_keys=(API_KEY,), webhook_secret=WEBHOOK_SECRET, lookup_timeout_delay=0)
    clock = SandboxClock(frozen_at=FROZEN_AT)
    app = create_app(config, clock, autorun=False)
    async with LiveServer(app) as server:
        config.public_base_url = server.url
        async with httpx.AsyncClient(base_url=server.url) as control:
            sandbox = Sandbox(server.url, app.state.sandbox, clock, control)
            for lang, steps in STEPS.items():
                with tempfile.TemporaryDirectory() as tmp:
                    async with bot_world(sandbox, Path(tmp), live=True) as bot:
                        uid = {"en": 1, "sw": 2, "fr": 3}[lang]
                        bot.telegram.languages[uid] = lang
                        user = bot.user(uid)
                        print(f"\n### {lang}\n")
                        for step in steps:
                            before = len(user.chat)
                            if step.startswith("press:"):
                                await user.press(step[6:])
                                shown = f"[{step[6:]}]"
                            else:
                                await user.send(step)
                                shown = step
                            print(f"> {shown}")
                            for m in user.chat[before:]:
                                if m.photo is not None:
                                    print("  (QR code image)")
                                    continue
                                text = (
                                    (m.text or "")
                                    .replace("<b>", "")
                                    .replace("</b>", "")
                                    .replace("<code>", "")
                                    .replace("</code>", "")
                                )
                                for line in text.split("\n"):
                                    print("  " + line)
                                if m.reply_markup and "inline_keyboard" in m.reply_markup:
                                    print(
                                        "  "
                                        + " ".join(
                                            f"[{b['text']}]" for row in m.reply_markup["inline_keyboard"] for b in row
                                        )
                                    )
                        ref = (await bot.services.storage.offramps.for_user(uid))[0].reference_id
                        await sandbox.deposit(ref)
                        await sandbox.run_until_settled(ref)
                        await bot.notified(uid, "✅")
                        await bot.drain()
                        for m in user.chat[-4:]:
                            if m.text and ("✅" in m.text or "📥" in m.text):
                                print("  (later) " + m.text.replace("<b>", "").replace("</b>", "").split("\n")[0])


if __name__ == "__main__":
    asyncio.run(main())
