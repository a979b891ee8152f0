"""Write the marts of a built DuckDB warehouse as one self-contained HTML report.

The page holds, for the whole data horizon: the load counts, one chart of the weekly
acceptance, edit depth, handoff and return per feature, and one card per feature with its
headline metrics, its six-stage funnel and the diagnosis of its latest judged period.

This module is the entry point: ``write_report`` reads the marts with
``ai_adoption.report_data`` and renders the page with ``ai_adoption.report_render``; the
public names of both stay importable from here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ai_adoption.report_data import (
    REQUIRED_MARTS,
    ReportData,
    ReportError,
    load_report_data,
    marts_schema,
)
from ai_adoption.report_render import render_report

__all__ = [
    "DEFAULT_OUT",
    "REQUIRED_MARTS",
    "ReportData",
    "ReportError",
    "load_report_data",
    "marts_schema",
    "render_report",
    "write_report",
]

logger = logging.getLogger("ai_adoption.report")

DEFAULT_OUT = Path("target/report/ai_adoption_report.html")


def _size_text(size: int) -> str:
    """A file size as the log line shows it: megabytes from one million bytes, else kB."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000:.0f} kB"


def write_report(database: Path, out: Path) -> Path:
    """Read the marts of ``database`` and write the report to ``out``; returns ``out``."""
    data = load_report_data(database)
    page = render_report(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    size = out.stat().st_size
    logger.info(
        "wrote %s (%s, %d bytes): %d feature card(s), %d chart(s)",
        out,
        _size_text(size),
        size,
        len(data.features),
        page.count('class="plotly-graph-div"'),
    )
    return out
