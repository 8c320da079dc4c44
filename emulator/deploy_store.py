"""The SQLite tables of one-click updates: deploy records, their per-resource details, and requests still "creating".

A mixin of ``Store`` (which provides the connection, the lock and ``_q``); every method runs inside
``Store.transaction()``. Ids are integers, as Tencent's ``DeployRecordId`` and detail ``Id`` are; records and details
count from different bases, so a client that sends one where the other belongs gets "does not exist".
"""

from __future__ import annotations

from emulator.records import DeployDetail, DeployRecord
from emulator.tables import Tables

__all__ = ["DEPLOY_SCHEMA", "DEPLOY_TABLES", "DeployTables"]

DEPLOY_SCHEMA = """
CREATE TABLE IF NOT EXISTS deploy_records (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deploy_details (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL, open INTEGER NOT NULL,
    due_at REAL NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deploy_requests (key TEXT PRIMARY KEY, calls INTEGER NOT NULL);
"""
DEPLOY_TABLES = ("deploy_records", "deploy_details", "deploy_requests")
_RECORD_BASE = 10000
_DETAIL_BASE = 700000


class DeployTables(Tables):
    """Deploy records, details and creating requests; mixed into ``Store``."""

    def _next_id(self, table: str, base: int) -> int:
        return int(self._q(f"SELECT COALESCE(MAX(id), ?) + 1 FROM {table}", base)[0][0])  # noqa: S608 - fixed names

    # -- records -----------------------------------------------------------------------------------------------
    def new_deploy_record_id(self) -> int:
        """The id the next deploy record gets."""
        return self._next_id("deploy_records", _RECORD_BASE)

    def put_deploy_record(self, record: DeployRecord) -> None:
        """Insert or replace a deploy record."""
        self._q("INSERT OR REPLACE INTO deploy_records(id, data) VALUES(?, ?)", record.id, record.to_json())

    def get_deploy_record(self, record_id: int) -> DeployRecord | None:
        """One deploy record, or ``None``."""
        data = self._json_by_id("deploy_records", record_id)
        return DeployRecord.from_json(data) if data else None

    def deploy_records(self) -> list[DeployRecord]:
        """Every deploy record, newest first."""
        return [DeployRecord.from_json(r[0]) for r in self._q("SELECT data FROM deploy_records ORDER BY id DESC")]

    # -- details -----------------------------------------------------------------------------------------------
    def new_deploy_detail_id(self) -> int:
        """The id the next deploy detail gets."""
        return self._next_id("deploy_details", _DETAIL_BASE)

    def put_deploy_detail(self, detail: DeployDetail) -> None:
        """Insert or replace a deploy detail (open while its status is undecided)."""
        row = (detail.id, detail.record_id, detail.status is None, detail.due_at, detail.to_json())
        self._put_timed("deploy_details", "record_id", *row)

    def get_deploy_detail(self, detail_id: int) -> DeployDetail | None:
        """One deploy detail, or ``None``."""
        data = self._json_by_id("deploy_details", detail_id)
        return DeployDetail.from_json(data) if data else None

    def deploy_details(self, record_id: int) -> list[DeployDetail]:
        """A record's details in creation order."""
        rows = self._q("SELECT data FROM deploy_details WHERE record_id=? ORDER BY id", record_id)
        return [DeployDetail.from_json(r[0]) for r in rows]

    def due_deploy_details(self, now: float) -> list[DeployDetail]:
        """Undecided details whose deploy time is up, oldest first."""
        rows = self._q("SELECT data FROM deploy_details WHERE open=1 AND due_at<=? ORDER BY id", now)
        return [DeployDetail.from_json(r[0]) for r in rows]

    # -- requests answered with DeployRecordId 0 ----------------------------------------------------------------
    def deploy_request_calls(self, key: str) -> int:
        """How many times an UpdateCertificateInstance request has been answered "still creating"."""
        rows = self._q("SELECT calls FROM deploy_requests WHERE key=?", key)
        return int(rows[0][0]) if rows else 0

    def set_deploy_request_calls(self, key: str, calls: int) -> None:
        """Remember how many "still creating" answers a request has had."""
        self._q(
            "INSERT INTO deploy_requests(key, calls) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET calls=excluded.calls",
            key,
            calls,
        )

    def forget_deploy_request(self, key: str) -> None:
        """Drop a request's count once its record exists."""
        self._q("DELETE FROM deploy_requests WHERE key=?", key)
