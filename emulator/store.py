"""SQLite state: certificates, tags, bindings, deletion tasks, deploy records and small settings, behind one lock.

One connection serves every request; ``transaction()`` holds an ``RLock`` and a SQLite transaction, so a handler
sees and leaves a consistent state even when requests arrive concurrently. A file database uses WAL, so it
survives a restart (and a crash) intact; without a path the state lives in memory.
"""

from __future__ import annotations

import json
import random
import sqlite3
import string
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emulator.deploy_store import DEPLOY_SCHEMA, DEPLOY_TABLES, DeployTables
from emulator.records import Certificate, DeleteTask

__all__ = ["Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tags (
    cert_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (cert_id, key));
CREATE TABLE IF NOT EXISTS bindings (
    cert_id TEXT NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, region TEXT,
    PRIMARY KEY (cert_id, resource_type, resource_id));
CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, cert_id TEXT NOT NULL, open INTEGER NOT NULL,
    due_at REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resource_domains (
    resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, domains TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id));
"""
_ID_ALPHABET = string.ascii_letters + string.digits


class Store(DeployTables):
    """All persistent state of one emulator; every method must run inside ``transaction()``."""

    def __init__(self, path: Path | str | None = None, rng: random.Random | None = None) -> None:
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False, isolation_level=None
        )
        self._lock = threading.RLock()
        self._depth = 0
        self._rng = rng or random.SystemRandom()
        if path is not None:
            # WAL keeps readers and the single writer apart and makes a crash leave the last commit intact.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA + DEPLOY_SCHEMA)
        if "region" not in {row[1] for row in self._q("PRAGMA table_info(bindings)")}:
            # A database written before bindings had regions.
            self._conn.execute("ALTER TABLE bindings ADD COLUMN region TEXT")

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one SQLite transaction; nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0

    def _q(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, args).fetchall()

    # -- ids and meta ------------------------------------------------------------------------------------------
    def new_id(self, length: int = 8, alphabet: str = _ID_ALPHABET) -> str:
        """A fresh id like Tencent's ("GjTNRoK7"), unique among certificates and tasks."""
        while True:
            candidate = "".join(self._rng.choice(alphabet) for _ in range(length))
            if not self._q(
                "SELECT 1 FROM certificates WHERE id=? UNION SELECT 1 FROM tasks WHERE id=?", candidate, candidate
            ):
                return candidate

    def token(self, length: int = 32) -> str:
        """A random lower-case token (DV validation values and the like)."""
        return "".join(self._rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A JSON value from the ``meta`` table."""
        rows = self._q("SELECT value FROM meta WHERE key=?", key)
        return json.loads(rows[0][0]) if rows else default

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value in the ``meta`` table."""
        self._q(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            key,
            json.dumps(value),
        )

    def reset(self) -> None:
        """Forget everything."""
        for table in ("meta", "certificates", "tags", "bindings", "tasks", "resource_domains", *DEPLOY_TABLES):
            self._q(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # -- certificates ------------------------------------------------------------------------------------------
    def next_seq(self) -> int:
        """The insertion number of the next certificate (orders "apply time desc" deterministically)."""
        return int(self._q("SELECT COALESCE(MAX(seq), 0) + 1 FROM certificates")[0][0])

    def put_cert(self, cert: Certificate) -> None:
        """Insert or replace a certificate."""
        self._q("INSERT OR REPLACE INTO certificates(id, seq, data) VALUES(?, ?, ?)", cert.id, cert.seq, cert.to_json())

    def get_cert(self, cert_id: str) -> Certificate | None:
        """One certificate, or ``None``."""
        rows = self._q("SELECT data FROM certificates WHERE id=?", cert_id)
        return Certificate.from_json(rows[0][0]) if rows else None

    def certs(self) -> list[Certificate]:
        """Every certificate, newest first."""
        return [Certificate.from_json(r[0]) for r in self._q("SELECT data FROM certificates ORDER BY seq DESC")]

    def pending_certs(self, now: float) -> list[Certificate]:
        """Free orders still waiting for issuance whose issue time has come."""
        rows = self._q(
            "SELECT data FROM certificates WHERE json_extract(data, '$.status') IN (0, 4) "
            "AND json_extract(data, '$.issue_at') <= ? ORDER BY seq",
            now,
        )
        return [Certificate.from_json(r[0]) for r in rows]

    def delete_cert(self, cert_id: str) -> None:
        """Remove a certificate with its tags and bindings (its tasks stay, for polling)."""
        for table, column in (("certificates", "id"), ("tags", "cert_id"), ("bindings", "cert_id")):
            self._q(f"DELETE FROM {table} WHERE {column}=?", cert_id)  # noqa: S608 - fixed names

    # -- tags --------------------------------------------------------------------------------------------------
    def tags(self, cert_id: str) -> dict[str, str]:
        """A certificate's tags in the order they were first set."""
        return dict(self._q("SELECT key, value FROM tags WHERE cert_id=? ORDER BY rowid", cert_id))

    def set_tags(self, cert_id: str, replace: dict[str, str], delete: Iterable[str] = ()) -> None:
        """Add or overwrite ``replace`` and remove ``delete`` keys (the Tag service's ModifyResourceTags)."""
        for key, value in replace.items():
            self._q(
                "INSERT INTO tags(cert_id, key, value) VALUES(?, ?, ?) "
                "ON CONFLICT(cert_id, key) DO UPDATE SET value=excluded.value",
                cert_id,
                key,
                value,
            )
        for key in delete:
            self._q("DELETE FROM tags WHERE cert_id=? AND key=?", cert_id, key)

    # -- bindings ----------------------------------------------------------------------------------------------
    def bindings(self, cert_id: str) -> list[tuple[str, str]]:
        """``(resource_type, resource_id)`` pairs bound to a certificate."""
        return [
            (r[0], r[1])
            for r in self._q("SELECT resource_type, resource_id FROM bindings WHERE cert_id=? ORDER BY rowid", cert_id)
        ]

    def binding_regions(self, cert_id: str) -> list[tuple[str, str, str | None]]:
        """``(resource_type, resource_id, region)`` of every binding of a certificate; region ``None`` if unset."""
        return [
            (r[0], r[1], r[2])
            for r in self._q(
                "SELECT resource_type, resource_id, region FROM bindings WHERE cert_id=? ORDER BY rowid", cert_id
            )
        ]

    def add_binding(self, cert_id: str, resource_type: str, resource_id: str, region: str | None = None) -> None:
        """Bind a certificate to a fake cloud resource (idempotent; a new region replaces the old one)."""
        self._q(
            "INSERT INTO bindings(cert_id, resource_type, resource_id, region) VALUES(?, ?, ?, ?) "
            "ON CONFLICT(cert_id, resource_type, resource_id) DO UPDATE SET region=excluded.region",
            cert_id,
            resource_type,
            resource_id,
            region,
        )

    def move_binding(self, from_cert: str, to_cert: str, resource_type: str, resource_id: str) -> bool:
        """Rebind a resource from one certificate to another, keeping its region; ``False`` if it was not bound."""
        rows = self._q(
            "SELECT region FROM bindings WHERE cert_id=? AND resource_type=? AND resource_id=?",
            from_cert,
            resource_type,
            resource_id,
        )
        if not rows:
            return False
        self.remove_binding(from_cert, resource_type, resource_id)
        self.add_binding(to_cert, resource_type, resource_id, rows[0][0])
        return True

    def set_resource_domains(self, resource_type: str, resource_id: str, domains: list[str]) -> None:
        """The domains a cloud resource serves (a CLB listener's rule domains); they stay with the resource when its
        certificate changes."""
        self._q(
            "INSERT INTO resource_domains(resource_type, resource_id, domains) VALUES(?, ?, ?) "
            "ON CONFLICT(resource_type, resource_id) DO UPDATE SET domains=excluded.domains",
            resource_type,
            resource_id,
            json.dumps(domains),
        )

    def resource_domains(self, resource_type: str, resource_id: str) -> list[str]:
        """The domains set for a cloud resource, or none."""
        rows = self._q(
            "SELECT domains FROM resource_domains WHERE resource_type=? AND resource_id=?", resource_type, resource_id
        )
        return [str(d) for d in json.loads(rows[0][0])] if rows else []

    def remove_binding(self, cert_id: str, resource_type: str | None, resource_id: str | None) -> int:
        """Unbind; ``None`` type or id matches any. Returns how many bindings went."""
        rows = self.bindings(cert_id)
        gone = [(t, i) for t, i in rows if resource_type in (None, t) and resource_id in (None, i)]
        for t, i in gone:
            self._q("DELETE FROM bindings WHERE cert_id=? AND resource_type=? AND resource_id=?", cert_id, t, i)
        return len(gone)

    # -- deletion tasks ----------------------------------------------------------------------------------------
    def put_task(self, task: DeleteTask) -> None:
        """Insert or replace a deletion task."""
        self._put_timed("tasks", "cert_id", task.id, task.cert_id, task.status is None, task.due_at, task.to_json())

    def get_task(self, task_id: str) -> DeleteTask | None:
        """One task, or ``None``."""
        data = self._json_by_id("tasks", task_id)
        return DeleteTask.from_json(data) if data else None

    def open_task_for(self, cert_id: str) -> DeleteTask | None:
        """The still-running task of a certificate, if any (a second checked delete reuses it)."""
        rows = self._q("SELECT data FROM tasks WHERE cert_id=? AND open=1 ORDER BY rowid LIMIT 1", cert_id)
        return DeleteTask.from_json(rows[0][0]) if rows else None

    def due_tasks(self, now: float) -> list[DeleteTask]:
        """Running tasks whose time is up, oldest first."""
        rows = self._q("SELECT data FROM tasks WHERE open=1 AND due_at<=? ORDER BY rowid", now)
        return [DeleteTask.from_json(r[0]) for r in rows]

    def tasks(self) -> list[DeleteTask]:
        """Every task, oldest first."""
        return [DeleteTask.from_json(r[0]) for r in self._q("SELECT data FROM tasks ORDER BY rowid")]
