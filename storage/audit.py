"""The audit log: every agent and admin action, who did it and when."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.models import ts


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int
    action: str
    target: str | None
    details: dict[str, Any]
    at: datetime


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, actor_id: int, action: str, target: str | None = None, **details: Any) -> None:
        def work(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO audit_log (actor_id, action, target, details, at) VALUES (?, ?, ?, ?, ?)",
                (actor_id, action, target, json.dumps(details, default=str, ensure_ascii=False), self._db.now()),
            )

        await self._db.run(work)

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        rows = await self._db.fetch_all("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
        return [
            AuditEntry(row["id"], row["actor_id"], row["action"], row["target"], json.loads(row["details"]),
                       ts(row["at"]) or datetime.min)
            for row in rows
        ]  # fmt: skip
