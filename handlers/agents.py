"""The agent desk: admins manage agents; agents see their queue, find cash-outs, get
summaries and exports. Every action is written to the audit log."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from handlers.common import Context, answer, say, services, user_id
from handlers.menus import apply_menu
from offramps.roles import has_role, role_of
from storage.db import to_text
from ui import callbacks as cb
from ui.keyboards import keyboard
from ui.reports import export_csv, period_summary
from ui.texts import raw, status_words, t, tn

AGENT_ID = 0
LINK_REFERENCE = re.compile(r"[A-Za-z0-9_.-]{1,48}")
Handler = Callable[[Update, Context], Coroutine[Any, Any, Any]]


def staff(role: str, handler: Handler) -> Handler:
    """Only ``role`` (or higher) may use ``handler``; everyone else is told so, politely."""

    async def guarded(update: Update, context: Context) -> Any:
        if not await has_role(services(context), user_id(update), role):
            await answer(update)
            await say(update, context, t(f"staff_only_{role}"))
            return ConversationHandler.END
        return await handler(update, context)

    return guarded


# --- admins: agents and the audit log -----------------------------------------------------


async def agents(update: Update, context: Context) -> int:
    await answer(update)
    listed = await services(context).storage.users.with_role("agent")
    rows = [[(raw("btn_remove_agent", user=str(u.user_id)), cb.AGENT_REMOVE(u.user_id))] for u in listed]
    rows.append([(raw("btn_add_agent"), cb.AGENT_ADD())])
    text = t("agents_list", lines="\n".join(f"• {u.user_id}" for u in listed)) if listed else t("agents_none")
    await say(update, context, text, keyboard(rows))
    return ConversationHandler.END


async def ask_agent_id(update: Update, context: Context) -> int:
    await answer(update)
    await say(update, context, t("ask_agent_id"))
    return AGENT_ID


async def typed_agent_id(update: Update, context: Context) -> int:
    assert update.message is not None
    text = (update.message.text or "").strip()
    if not re.fullmatch(r"\d{3,15}", text):
        await say(update, context, t("agent_id_invalid"))
        return AGENT_ID
    svc = services(context)
    new_agent = int(text)
    await svc.storage.users.set_role(new_agent, "agent")
    await svc.storage.audit.record(user_id(update), "agent_added", str(new_agent))
    await apply_menu(context.bot, new_agent, "agent")
    await say(update, context, t("agent_added", user=str(new_agent)))
    return ConversationHandler.END


async def remove_agent(update: Update, context: Context) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await answer(update)
    svc = services(context)
    removed = int(cb.AGENT_REMOVE.parse(update.callback_query.data)[0])
    if removed in svc.settings.admin_ids:
        await say(update, context, t("cannot_remove_admin", user=str(removed)))
        return
    await svc.storage.users.set_role(removed, "customer")
    await svc.storage.audit.record(user_id(update), "agent_removed", str(removed))
    await apply_menu(context.bot, removed, "customer")
    await say(update, context, t("agent_removed", user=str(removed)))


async def audit(update: Update, context: Context) -> None:
    entries = await services(context).storage.audit.recent(25)
    if not entries:
        await say(update, context, t("audit_empty"))
        return
    lines = "\n".join(f"{e.at:%d %b %H:%M} · {e.actor_id} · {e.action} {e.target or ''}".rstrip() for e in entries)
    await say(update, context, t("audit_header", lines=lines))


# --- agents: queue, find, summary, export --------------------------------------------------


def _open_buttons(offramps: list[Any]) -> Any:
    return keyboard(
        [[(f"{o.reference_id} · {status_words(o.status)}", cb.TX_OPEN(o.reference_id))] for o in offramps[:20]]
    )


async def queue(update: Update, context: Context) -> None:
    open_offramps = await services(context).storage.offramps.open_for_agent(user_id(update))
    if not open_offramps:
        await say(update, context, t("queue_empty"))
        return
    await say(update, context, t("queue_header"), _open_buttons(open_offramps))


async def find(update: Update, context: Context) -> None:
    svc = services(context)
    query = " ".join(context.args or []).strip()
    if not query:
        await say(update, context, t("find_usage"))
        return
    scope = None if await role_of(svc, user_id(update)) == "admin" else user_id(update)
    candidates = {query}
    try:
        number = phonenumbers.parse(query, None if query.startswith("+") else "KE")
        if phonenumbers.is_valid_number(number):
            candidates.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    except phonenumbers.NumberParseException:
        pass
    found = {o.reference_id: o for q in candidates for o in await svc.storage.offramps.find(q, agent_id=scope)}
    await svc.storage.audit.record(user_id(update), "find", None, matches=len(found))
    if not found:
        await say(update, context, t("find_none", query=query))
        return
    await say(update, context, t("find_header"), _open_buttons(list(found.values())))


def _periods(now: datetime) -> list[tuple[str, datetime, datetime]]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    return [
        (t("period_today"), today, now + timedelta(seconds=1)),
        (t("period_week"), week, now + timedelta(seconds=1)),
    ]


async def summary(update: Update, context: Context) -> None:
    svc = services(context)
    me = user_id(update)
    is_admin = await role_of(svc, me) == "admin"
    now = svc.clock()
    parts: list[str] = []
    for period, start, end in _periods(now):
        offramps = await svc.storage.offramps.between(to_text(start), to_text(end), agent_id=None if is_admin else me)
        if is_admin:
            per_agent: dict[int, list[Any]] = defaultdict(list)
            for offramp in offramps:
                per_agent[offramp.agent_id or 0].append(offramp)
            parts.append(
                t("summary_header", scope=t("summary_all_agents", period=period))
                + "\n"
                + period_summary(period, offramps)
            )
            parts += [
                t("summary_agent_line", agent=str(agent), summary="") + period_summary(period, items)
                for agent, items in sorted(per_agent.items())
            ]
        else:
            parts.append(period_summary(period, offramps))
    await say(update, context, "\n\n".join(parts))


async def export(update: Update, context: Context) -> None:
    svc = services(context)
    me = user_id(update)
    now = svc.clock()
    args = context.args or ["week"]
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    ranges = {"today": today, "week": today - timedelta(days=today.weekday()), "month": today.replace(day=1)}
    try:
        if len(args) == 1 and args[0] in ranges:
            start, end = ranges[args[0]], now + timedelta(seconds=1)
        elif len(args) == 2:
            start = datetime.fromisoformat(args[0]).replace(tzinfo=now.tzinfo)
            end = datetime.fromisoformat(args[1]).replace(tzinfo=now.tzinfo) + timedelta(days=1)
        else:
            raise ValueError(args)
    except ValueError:
        await say(update, context, t("export_usage"))
        return
    scope = None if await role_of(svc, me) == "admin" else me
    offramps = await svc.storage.offramps.between(to_text(start), to_text(end), agent_id=scope)
    await svc.storage.audit.record(me, "export", None, start=start.date(), end=end.date(), rows=len(offramps))
    name = f"cashouts-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    caption = tn(
        "export_caption", len(offramps), start=f"{start:%Y-%m-%d}", end=f"{end - timedelta(seconds=1):%Y-%m-%d}"
    )
    await context.bot.send_document(
        update.effective_chat.id if update.effective_chat else me,
        InputFile(export_csv(offramps), filename=name),
        caption=caption,
    )


# --- agents: customer-view links ----------------------------------------------------------


async def revoke_link(update: Update, context: Context, reference: str) -> None:
    """End the customer-view links of a cash-out the agent served (an admin: any). Someone
    else's or an unknown reference get the same answer, so nothing is learnt by guessing."""
    svc = services(context)
    asker = user_id(update)
    offramp = await svc.storage.offramps.get(reference) if LINK_REFERENCE.fullmatch(reference) else None
    if offramp is None or (offramp.agent_id != asker and not await has_role(svc, asker, "admin")):
        await say(update, context, t("revoke_link_unknown"))
        return
    if await svc.storage.customer_links.revoke(offramp.reference_id, asker):
        await svc.storage.audit.record(asker, "link_revoked", offramp.reference_id)
    await say(update, context, t("link_revoked", reference=offramp.reference_id))


async def revoke_link_command(update: Update, context: Context) -> None:
    """``/revokelink <reference>``"""
    if not context.args:
        await say(update, context, t("revoke_link_usage"))
        return
    await revoke_link(update, context, context.args[0])


async def revoke_link_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await answer(update)
    (reference,) = cb.LINK_REVOKE.parse(update.callback_query.data)
    await revoke_link(update, context, reference)


def agent_handlers() -> list[object]:
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(staff("admin", ask_agent_id), pattern=cb.AGENT_ADD.pattern)],
            states={AGENT_ID: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_agent_id)]},
            fallbacks=[CommandHandler("cancel", staff("admin", agents))],
            name="add_agent",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("agents", staff("admin", agents)),
        CallbackQueryHandler(staff("admin", remove_agent), pattern=cb.AGENT_REMOVE.pattern),
        CommandHandler("audit", staff("admin", audit)),
        CommandHandler("queue", staff("agent", queue)),
        CommandHandler("find", staff("agent", find)),
        CommandHandler("summary", staff("agent", summary)),
        CommandHandler("export", staff("agent", export)),
        CommandHandler("revokelink", staff("agent", revoke_link_command)),
        CallbackQueryHandler(staff("agent", revoke_link_button), pattern=cb.LINK_REVOKE.pattern),
    ]
