"""The row shapes the emulator's SQLite tables share: a JSON record by id, and a "timed" row that is open until its
outcome is decided (deletion tasks, deploy details), with the parent it belongs to and when it is due."""

from __future__ import annotations

from typing import Any

__all__ = ["Tables"]


class Tables:
    """Helpers over ``_q`` (which ``Store`` provides) for the shared row shapes; table and column names are fixed
    strings of the emulator, never request data."""

    def _q(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # provided by Store

    def _put_timed(
        self, table: str, parent_column: str, row_id: object, parent: object, open_: bool, due_at: float, data: str
    ) -> None:
        self._q(
            f"INSERT OR REPLACE INTO {table}(id, {parent_column}, open, due_at, data) VALUES(?, ?, ?, ?, ?)",  # noqa: S608
            row_id,
            parent,
            int(open_),
            due_at,
            data,
        )

    def _json_by_id(self, table: str, row_id: object) -> str | None:
        rows = self._q(f"SELECT data FROM {table} WHERE id=?", row_id)  # noqa: S608 - fixed names
        return str(rows[0][0]) if rows else None
