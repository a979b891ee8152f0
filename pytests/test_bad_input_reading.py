"""Bad input in how the source and the vars are read: files of one glob that disagree on a
column's type, a nested ``properties`` column, CSV lines of the wrong length or another text
encoding, vars written as text or out of range, a short hash key, markup in var values that
the docs site inlines, and control characters in names the summary prints.

Each case uses a small hand-made file and the documented command (``dbt build`` with
``ai_adoption_source_path``), and checks what a user would see.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ai_adoption.summary import FeatureSummary, HeadlineRatios, format_table
from conftest import QUICK_BUILD_EXCLUDES, DbtRunner, shown_rows

STAGING = "main_ai_adoption_staging"
#: The staging models and what they read: enough to see each source row's fate.
STAGING_BUILD = (
    "--select",
    "+stg_ai_events__events",
    "+stg_ai_events__rejected_events",
    *QUICK_BUILD_EXCLUDES,
)
#: 2^53 + 1: the smallest positive integer a double cannot hold.
BEYOND_DOUBLE = 9_007_199_254_740_993
OCCURRED = ["2026-10-05 09:00:00", "2026-10-05 09:01:00"]

SHORT_LINE_CSV = """\
event_id,occurred_at,user_id,feature,event_name
c1,2026-10-05 09:00:00,u1,chat,feature_opened
c2,2026-10-05 09:00:10,u1,chat
c3,2026-10-05 09:00:20,u1,chat,feature_opened,surplus
"""

ACCENTED_CSV = """\
event_id,occurred_at,user_id,feature,event_name
e1,2026-10-05 09:00:00,u1,résumé_draft,feature_opened
"""

MINIMAL_CSV = """\
event_id,occurred_at,user_id,feature,event_name
m1,2026-10-05 09:00:00,u1,chat,feature_opened
"""

#: A value that would end the docs page's script element and start one of its own.
MARKUP = "</script><script>document.title='taken'</script>"


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _timestamps() -> pa.Array:
    return pa.array(OCCURRED).cast(pa.timestamp("us"))


def _write_csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    source = tmp_path / "events.csv"
    source.write_bytes(text.encode(encoding))
    return source


def test_a_glob_whose_files_disagree_on_a_type_keeps_every_id_exact(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """One file writes ids as BIGINT, the next as DOUBLE (as pandas does for a column with
    gaps): each id is read as written, and a double that cannot be an exact id is none."""
    folder = tmp_path / "exports"
    folder.mkdir()
    pq.write_table(
        pa.table(
            {
                "event_id": pa.array([BEYOND_DOUBLE, 101], pa.int64()),
                "occurred_at": _timestamps(),
                "user_id": pa.array([101, BEYOND_DOUBLE], pa.int64()),
                "feature": ["chat", "chat"],
                "event_name": ["feature_opened", "feature_opened"],
            }
        ),
        folder / "part-1.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "event_id": pa.array([102.0, float(BEYOND_DOUBLE - 1)], pa.float64()),
                "occurred_at": _timestamps(),
                "user_id": pa.array([101.0, 103.0], pa.float64()),
                "feature": ["chat", "chat"],
                "event_name": ["feature_opened", "feature_opened"],
            }
        ),
        folder / "part-2.parquet",
    )
    run = dbt_runner(tmp_path, folder / "*.parquet", extra_args=STAGING_BUILD)
    clean = _rows(
        run.db, f"select event_id, user_id from {STAGING}.stg_ai_events__events order by 1"
    )
    assert clean == [
        ("101", "9007199254740993"),
        ("102", "101"),
        ("9007199254740993", "101"),
    ]
    # 2^53 as a double may be 2^53 + 1 rounded: it is no id, and its row says so
    assert _rows(
        run.db,
        f"select event_id, user_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events",
    ) == [(None, "103", "missing_event_id")]


def test_several_sources_read_an_id_stored_as_a_double_as_the_integer_it_holds(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """Two sources that agree on a DOUBLE user_id: the id is 101 in both, not 101.0."""
    sources = []
    for name in ("web", "app"):
        folder = tmp_path / name
        folder.mkdir()
        pq.write_table(
            pa.table(
                {
                    "event_id": [f"{name}1", f"{name}2"],
                    "occurred_at": _timestamps(),
                    "user_id": pa.array([101.0, 101.5], pa.float64()),
                    "feature": ["chat", "chat"],
                    "event_name": ["feature_opened", "feature_opened"],
                }
            ),
            folder / "events.parquet",
        )
        sources.append({"name": name, "path": str(folder / "*.parquet")})
    run = dbt_runner(
        tmp_path / "build",
        "",
        extra_args=STAGING_BUILD,
        extra_vars={"ai_adoption_sources": sources, "ai_adoption_source_path": None},
    )
    assert _rows(
        run.db, f"select event_id, user_id from {STAGING}.stg_ai_events__events order by 1"
    ) == [("app1", "101"), ("web1", "101")]
    assert _rows(
        run.db,
        "select event_id, rejection_reason "
        f"from {STAGING}.stg_ai_events__rejected_events order by 1",
    ) == [("app2", "missing_user_id"), ("web2", "missing_user_id")]


def test_a_struct_properties_column_is_read_as_its_object(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    properties = pa.array(
        [{"session_id": "s1", "output_chars": 120}, {"session_id": "s2", "output_chars": None}]
    )
    source = tmp_path / "events.parquet"
    pq.write_table(
        pa.table(
            {
                "event_id": ["p1", "p2"],
                "occurred_at": _timestamps(),
                "user_id": ["u1", "u1"],
                "feature": ["chat", "chat"],
                "event_name": ["feature_opened", "feature_opened"],
                "properties": properties,
            }
        ),
        source,
    )
    run = dbt_runner(tmp_path, source, extra_args=STAGING_BUILD)
    assert _rows(
        run.db,
        "select event_id, session_id, output_chars "
        f"from {STAGING}.stg_ai_events__events order by 1",
    ) == [("p1", "s1", 120), ("p2", "s2", None)]
    assert _rows(run.db, f"select count(*) from {STAGING}.stg_ai_events__rejected_events") == [(0,)]


def test_a_csv_line_with_a_field_too_few_or_too_many_is_named(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    source = _write_csv(tmp_path, SHORT_LINE_CSV)
    run = dbt_runner(tmp_path, source, extra_args=STAGING_BUILD, check=False)
    assert run.returncode != 0
    assert "line 3 of" in run.output and "has 4 field(s) where its header has 5" in run.output
    assert "line 4 of" in run.output and "has 6 field(s) where its header has 5" in run.output
    assert "lack the required column(s)" not in run.output


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_csv_in_another_encoding_reads_with_its_var(
    tmp_path: Path, dbt_runner: DbtRunner, encoding: str
) -> None:
    source = _write_csv(tmp_path, ACCENTED_CSV, encoding)
    run = dbt_runner(
        tmp_path,
        source,
        extra_args=STAGING_BUILD,
        extra_vars={"ai_adoption_source_encoding": encoding},
    )
    assert _rows(run.db, f"select event_id, feature from {STAGING}.stg_ai_events__events") == [
        ("e1", "résumé_draft")
    ]


def test_a_passthrough_column_named_by_a_reserved_word_is_refused_by_name(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    source = _write_csv(tmp_path, MINIMAL_CSV)
    run = dbt_runner(
        tmp_path,
        source,
        command="compile",
        extra_args=("--select", "base_ai_events__events_checked"),
        extra_vars={"ai_adoption_passthrough_columns": ["plan_tier", "group"]},
        check=False,
    )
    assert run.returncode != 0
    assert "var ai_adoption_passthrough_columns: 'group' is a reserved word of SQL" in run.output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ai_adoption_session_gap_minutes", "thirty", "must be a whole number from 1 to 1440"),
        ("ai_adoption_session_gap_minutes", 0, "must be a whole number from 1 to 1440"),
        ("ai_adoption_return_window_days", 7.5, "must be a whole number from 1 to 366"),
        ("ai_adoption_heavy_edit_threshold", "1.5", "must be a number from 0 to 1"),
        ("ai_adoption_hash_user_ids", "yes", "must be true or false"),
    ],
)
def test_a_var_of_the_wrong_type_or_range_stops_the_run_naming_it(
    tmp_path: Path, dbt_runner: DbtRunner, name: str, value: object, message: str
) -> None:
    source = _write_csv(tmp_path, MINIMAL_CSV)
    run = dbt_runner(
        tmp_path,
        source,
        command="run",
        extra_args=("--select", "base_ai_events__raw_events"),
        extra_vars={name: value},
        check=False,
    )
    assert run.returncode != 0
    assert f"var {name} {message}; got '{value}'" in run.output


def test_numeric_vars_written_as_text_are_read_as_numbers(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """What env_var() gives: "0.95" is the confidence level 0.95 (z = 1.95996, the published
    two-sided quantile), " 4 " the whole number 4, not text repeated by the arithmetic."""
    source = _write_csv(tmp_path, MINIMAL_CSV)
    run = dbt_runner(
        tmp_path,
        source,
        command="show",
        extra_args=(
            "--inline",
            "select {{ ai_adoption_z_score() }} as z, {{ ai_adoption_effect_weeks() * 7 }} as days",
            "--output",
            "json",
            "--log-format",
            "json",
        ),
        extra_vars={"ai_adoption_confidence_level": "0.95", "ai_adoption_effect_weeks": " 4 "},
    )
    [row] = shown_rows(run.output)
    assert float(row["z"]) == pytest.approx(1.959964, abs=1e-5)
    assert int(row["days"]) == 28


def test_a_short_hash_key_is_refused(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    source = _write_csv(tmp_path, MINIMAL_CSV)
    run = dbt_runner(
        tmp_path,
        source,
        command="run",
        extra_args=("--select", "base_ai_events__raw_events"),
        extra_vars={"ai_adoption_hash_user_ids": True},
        extra_env={"AI_ADOPTION_HASH_KEY": "x" * 15},
        check=False,
    )
    assert run.returncode != 0
    assert "AI_ADOPTION_HASH_KEY has 15 characters" in run.output
    assert "needs a key of at least 16" in run.output


def test_markup_in_var_values_stays_out_of_the_docs_page(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """dbt inlines the compiled SQL into a script element of the static docs page: an
    event-map key or a catalogue feature must not end that element."""
    source = _write_csv(tmp_path, MINIMAL_CSV)
    dbt_runner(
        tmp_path,
        source,
        command="docs generate",
        extra_args=("--static",),
        extra_vars={
            "ai_adoption_event_map": {MARKUP: "output_generated"},
            "ai_adoption_features": {MARKUP: {"kind": "chat", "risk": "low"}},
        },
    )
    page = (tmp_path / "target" / "static_index.html").read_text(encoding="utf-8")
    assert "document.title=''taken''" in page, "the compiled SQL holding the values is not inlined"
    assert "</script><script>document.title" not in page
    assert "<script>document.title" not in page


def test_the_summary_shows_control_characters_as_escapes() -> None:
    name = "chat\x1b]0;taken\x07\x1b[2J\u202e"
    table = format_table(
        [
            FeatureSummary(
                feature=name,
                sessions=1,
                outputs_generated=0,
                outputs_accepted=0,
                ratios=HeadlineRatios(None, None, None, None, None),
            )
        ]
    )
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    assert "chat\\x1b]0;taken\\x07\\x1b[2J\\u202e" in table


def test_a_session_gap_written_as_text_is_read_as_minutes(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """env_var() hands a var over as text: "30" is thirty minutes, so three opens three
    hours apart are three sessions (text repeated sixty times would join them into one)."""
    source = _write_csv(
        tmp_path,
        "event_id,occurred_at,user_id,feature,event_name\n"
        "g1,2026-10-05 09:00:00,u1,chat,feature_opened\n"
        "g2,2026-10-05 12:00:00,u1,chat,feature_opened\n"
        "g3,2026-10-05 15:00:00,u1,chat,feature_opened\n",
    )
    run = dbt_runner(
        tmp_path,
        source,
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_session_gap_minutes": "30"},
    )
    assert _rows(run.db, "select count(*) from main_ai_adoption.fct_ai_sessions") == [(3,)]
