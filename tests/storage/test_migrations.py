from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage import Database
from storage.migrations import LATEST_VERSION, DatabaseTooNew, apply_migrations, current_version


async def test_an_empty_file_gets_the_whole_schema_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "bot.sqlite3"
    async with Database(path) as db:
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
        assert await current_version(db.connection) == LATEST_VERSION
        assert await db.healthy()
    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "recipients", "quotes", "offramps", "offramp_events", "outbox", "ptb_data"} <= tables


@pytest.mark.parametrize("start", range(LATEST_VERSION + 1))
async def test_every_earlier_version_is_migrated_to_the_latest(tmp_path: Path, start: int) -> None:
    path = tmp_path / "bot.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        await apply_migrations(connection, target=start)
        assert await current_version(connection) == start
    async with Database(path) as db:
        assert await current_version(db.connection) == LATEST_VERSION


async def test_reopening_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Database(path) as db:
        await db.connection.execute("INSERT INTO users (user_id, first_seen, last_seen) VALUES (1, 'a', 'a')")
    async with Database(path) as db:
        assert (await db.fetch_one("SELECT COUNT(*) FROM users"))[0] == 1  # type: ignore[index]


async def test_a_database_from_a_newer_release_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(DatabaseTooNew, match="Run a newer release"):
        await Database(path).open()


async def test_a_failing_migration_leaves_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.migrations as migrations

    path = tmp_path / "bot.sqlite3"
    broken = (*migrations.MIGRATIONS, "CREATE TABLE extra (x INTEGER); THIS IS NOT SQL")
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    monkeypatch.setattr(migrations, "LATEST_VERSION", len(broken))
    async with aiosqlite.connect(path, isolation_level=None) as connection:
        with pytest.raises(sqlite3.OperationalError):
            await migrations.apply_migrations(connection, target=len(broken))
        assert await current_version(connection) == len(broken) - 1
        cursor = await connection.execute("SELECT name FROM sqlite_master WHERE name = 'extra'")
        assert await cursor.fetchone() is None  # the half-applied migration was rolled back
