"""One SQLite file, one shared aiosqlite connection, transactions that cannot interleave.

WAL mode lets readers proceed while a transaction writes; with ``synchronous=NORMAL`` every
commit survives a crash or SIGKILL of the process (the WAL is written before COMMIT returns);
only a power loss or kernel crash can drop the last commits, which the reconciler and
Kotani's webhook retries then restore. (``FULL`` adds an fsync to every commit for protection
against power loss only; on the benchmark the change made no measurable difference, since the
webhook path is bound by other work — see docs/benchmarks.md.) All writes go
through :meth:`Database.run`, which takes ``BEGIN IMMEDIATE`` so a second process on the same
file waits (``busy_timeout``) instead of failing with "database is locked".

Every transaction is one function run on aiosqlite's database thread, start to commit. That
thread runs one function at a time, in order, so two transactions can never interleave and no
lock is needed in the event loop. (The first design held an asyncio lock across a transaction
of several ``await conn.execute`` trips, each waiting for a turn of the busy event loop: under
load every task queued behind it, replies waited seconds and webhooks topped out at ~165 a
second: docs/benchmarks.md.)
It uses ``aiosqlite.Connection._execute``, the one call aiosqlite has for running a function
on its thread; it is private, so the version is pinned in ``pyproject.toml`` and every
storage test goes through it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.migrations import apply_migrations

logger = logging.getLogger("storage")

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]

DEFAULT_PATH = Path("data") / "bot.sqlite3"
BUSY_TIMEOUT_MS = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds: sortable as text, readable by humans."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_text(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _each_in_savepoint(works: list[Work[Any]]) -> Work[list[tuple[bool, Any]]]:
    return lambda conn: [_in_savepoint(conn, work) for work in works]


def _in_savepoint(conn: sqlite3.Connection, work: Work[Any]) -> tuple[bool, Any]:
    conn.execute("SAVEPOINT grouped")
    try:
        result = work(conn)
    except Exception as exc:
        conn.execute("ROLLBACK TO grouped")
        conn.execute("RELEASE grouped")
        return False, exc
    conn.execute("RELEASE grouped")
    return True, result


class Database:
    """Open with :meth:`open` when the application starts, close with :meth:`close`."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock
        self._connection: aiosqlite.Connection | None = None
        self._waiting: list[tuple[Work[Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None

    @property
    def connection(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError("the database is not open")
        return self._connection

    def now(self) -> str:
        return to_text(self.clock())

    async def open(self) -> Database:
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(self.path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        try:
            await apply_migrations(connection)  # before anyone else can use the connection
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        return self

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()  # aiosqlite finishes the work already queued first

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def run(self, work: Work[T]) -> T:
        """``work(connection)`` inside ``BEGIN IMMEDIATE`` … ``COMMIT``, in one trip to the
        database thread; an exception rolls everything back and is raised here."""

        def in_transaction() -> T:
            raw = self._raw()
            raw.execute("BEGIN IMMEDIATE")
            try:
                result = work(raw)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            return result

        return await self._on_thread(in_transaction)

    async def run_grouped(self, work: Work[T]) -> T:
        """Like :meth:`run`, but sharing one transaction with the other calls waiting at the
        same moment (group commit): under a webhook storm, one trip and one commit serve dozens
        of webhooks. Each ``work`` runs in its own savepoint, so one that raises is undone
        and raised to its own caller only; every caller returns after the commit."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await future

    async def _commit_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                outcomes = await self.run(_each_in_savepoint([work for work, _ in group]))
            except BaseException as exc:  # the transaction failed as a whole: everyone hears why
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                if not future.done():
                    future.set_result(value) if ok else future.set_exception(value)

    async def read(self, work: Work[T]) -> T:
        """``work(connection)`` for reading, in one trip (WAL: it never waits for writers)."""
        return await self._on_thread(lambda: work(self._raw()))

    def _raw(self) -> sqlite3.Connection:
        """The sqlite3 connection itself; only ever touched on aiosqlite's own thread."""
        return self.connection._conn

    async def _on_thread(self, function: Callable[[], T]) -> T:
        result: T = await self.connection._execute(function)  # type: ignore[no-untyped-call]
        return result

    async def fetch_all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[aiosqlite.Row]:
        return await self.read(lambda conn: conn.execute(sql, params).fetchall())

    async def fetch_one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> aiosqlite.Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def healthy(self) -> bool:
        try:
            row = await self.fetch_one("SELECT 1 AS ok")
        except Exception:  # any failure means "not healthy"; the caller reports it
            logger.exception("database health check failed")
            return False
        return row is not None and row["ok"] == 1
