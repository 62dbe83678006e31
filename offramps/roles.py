"""Who may do what: customer (everyone), agent, admin (``ADMIN_IDS`` or promoted in chat),
and which commands each role has (``handlers.menus`` shows them in Telegram)."""

from __future__ import annotations

from offramps.services import Services

CUSTOMER_COMMANDS = ("start", "cashout", "status", "history", "language", "help", "cancel")
AGENT_COMMANDS = (*CUSTOMER_COMMANDS, "forcustomer", "queue", "find", "summary", "export")
ADMIN_COMMANDS = (*AGENT_COMMANDS, "agents", "audit")
RANK = {"customer": 0, "agent": 1, "admin": 2}


async def role_of(svc: Services, user_id: int) -> str:
    if user_id in svc.settings.admin_ids:
        return "admin"
    user = await svc.storage.users.get(user_id)
    return user.role if user is not None else "customer"


async def has_role(svc: Services, user_id: int, needed: str) -> bool:
    return RANK[await role_of(svc, user_id)] >= RANK[needed]


def commands_for(role: str) -> tuple[str, ...]:
    return {"admin": ADMIN_COMMANDS, "agent": AGENT_COMMANDS}.get(role, CUSTOMER_COMMANDS)
