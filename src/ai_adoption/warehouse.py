"""Reading a built DuckDB warehouse: rows by column name, and the value conversions they need.

Both the text summary and the HTML report read the marts through these helpers, so a row's
values are named by the query's column aliases rather than by their position, and a ratio
means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fetch_dicts(
    connection: Any, sql: str, params: Sequence[Any] | None = None
) -> list[dict[str, Any]]:
    """Every row of ``sql`` as a dict keyed by the column names of the result."""
    cursor = connection.execute(sql, params) if params is not None else connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_one(connection: Any, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any]:
    """The single row of an aggregate query; fails when the query gives another count."""
    rows = fetch_dicts(connection, sql, params)
    if len(rows) != 1:
        raise ValueError(f"expected one row, got {len(rows)}")
    return rows[0]


def ratio(numerator: Any, denominator: Any) -> float | None:
    """``numerator / denominator`` as a float; None when the denominator is zero or null."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def optional_float(value: Any) -> float | None:
    """A nullable numeric column as a float, keeping null as None."""
    return None if value is None else float(value)


def optional_int(value: Any) -> int | None:
    """A nullable count column as an int, keeping null as None."""
    return None if value is None else int(value)
