"""Bad input never changes a number silently, and never ends a build in an error it did not
cause: quotes in vars and paths, and files with no usable event at all.

Each case builds a small hand-made file with the documented command (``dbt build`` with
``ai_adoption_source_path``) and checks what a user would look at.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from conftest import QUICK_BUILD_EXCLUDES, DbtRunner, assert_build_ran_everything

STAGING = "main_ai_adoption_staging"
MARTS = "main_ai_adoption"
INTERMEDIATE = "main_ai_adoption_intermediate"

QUOTED_CSV = """\
event_id,occurred_at,loaded_at,user_id,feature,event_name,session_id,output_id
q1,2026-10-05 09:00:00,2026-10-05 09:05:00,u'1,o'brien_notes,user's draft,s1,o'1
q2,2026-10-05 09:00:30,2026-10-05 09:05:00,u'1,o'brien_notes,output_viewed,s1,o'1
"""

HEADER_ONLY_CSV = "event_id,occurred_at,loaded_at,user_id,feature,event_name\n"

#: Dates that broken clocks and export defaults write, and one day on the floor.
IMPLAUSIBLE_CSV = """\
event_id,occurred_at,loaded_at,user_id,feature,event_name
y1,0001-01-01 00:00:00,2026-10-05 09:05:00,u1,email_draft,feature_opened
y2,1900-01-01,2026-10-05 09:05:00,u1,email_draft,feature_opened
y3,2000-01-01 00:00:00,2026-10-05 09:05:00,u1,email_draft,feature_opened
"""


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_quotes_in_the_event_map_and_the_path_are_data(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    folder = tmp_path / "team's exports"
    folder.mkdir()
    source = folder / "events.csv"
    source.write_text(QUOTED_CSV, encoding="utf-8")
    run = dbt_runner(
        tmp_path,
        source,
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_event_map": {"user's draft": "output_generated"}},
    )
    events = _rows(
        run.db,
        f"select event_id, event_name, action, user_id from {STAGING}.stg_ai_events__events "
        "order by event_id",
    )
    assert events == [
        ("q1", "user's draft", "output_generated", "u'1"),
        ("q2", "output_viewed", "output_viewed", "u'1"),
    ]
    assert _rows(run.db, f"select output_id, is_viewed from {MARTS}.fct_ai_outputs") == [
        ("o'1", True)
    ]


def test_a_mistyped_event_map_target_fails_naming_it(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    source = tmp_path / "events.csv"
    source.write_text(QUOTED_CSV, encoding="utf-8")
    run = dbt_runner(
        tmp_path,
        source,
        extra_args=QUICK_BUILD_EXCLUDES,
        extra_vars={"ai_adoption_event_map": {"user's draft": "output_generatd"}},
        check=False,
    )
    assert run.returncode != 0, "a build with an unknown action in the event map passed"
    assert "maps 'user's draft' to 'output_generatd', which is no canonical action" in run.output
    assert "output_generated" in run.output.split("The canonical actions are:")[1]


def test_a_header_only_file_builds_empty_marts(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    source = tmp_path / "events.csv"
    source.write_text(HEADER_ONLY_CSV, encoding="utf-8")
    run = dbt_runner(tmp_path, source)
    assert_build_ran_everything(tmp_path)
    assert "no usable events: 0 rows read, 0 rejected" in run.output
    for mart in ("fct_ai_outputs", "fct_ai_sessions", "fct_ai_feature_diagnosis"):
        assert _rows(run.db, f"select count(*) from {MARTS}.{mart}") == [(0,)], mart


def test_a_file_of_rejected_rows_builds_and_says_why(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    """occurred_at as epoch milliseconds in an integer column: every row is rejected with a
    reason, the build passes, the warning names the reason, the quality mart counts them."""
    millis = [1_759_654_800_000 + i * 1000 for i in range(5)]
    table = pa.table(
        {
            "event_id": [f"e{i}" for i in range(5)],
            "occurred_at": pa.array(millis, type=pa.int64()),
            "user_id": ["u1"] * 5,
            "feature": ["email_draft"] * 5,
            "event_name": ["feature_opened"] * 5,
        }
    )
    source = tmp_path / "events.parquet"
    pq.write_table(table, source)
    run = dbt_runner(tmp_path, source)
    assert_build_ran_everything(tmp_path)
    assert "no usable events: 5 rows read, 5 rejected (top reasons: unparseable_occurred_at 5)" in (
        run.output
    )
    assert _rows(
        run.db,
        f"select sum(rows_received), sum(rows_rejected), sum(rejected_unparseable_occurred_at) "
        f"from {MARTS}.fct_ai_event_quality_daily",
    ) == [(5, 5, 5)]
    assert _rows(run.db, f"select count(*) from {MARTS}.fct_ai_sessions") == [(0,)]


SECRET = "my confidential draft about Project Falcon"
PRIVATE_PROPERTIES = json.dumps({"prompt": SECRET, "prompt_chars": 40})
_QUOTED = '"' + PRIVATE_PROPERTIES.replace('"', '""') + '"'
PRIVATE_PROPERTIES_CSV = (
    "event_id,occurred_at,loaded_at,user_id,feature,event_name,properties\n"
    f"s1,2026-10-05 09:00:00,2026-10-05 09:05:00,,email_draft,prompt_submitted,{_QUOTED}\n"
    f"s2,2026-10-05 09:00:10,2026-10-05 09:05:00,u1,email_draft,prompt_submitted,{_QUOTED}\n"
)


def test_no_table_keeps_properties_outside_the_contract(
    tmp_path: Path, dbt_runner: DbtRunner
) -> None:
    """A prompt a team put into `properties` reaches no table, for a good or a rejected row;
    the contract's keys are kept."""
    source = tmp_path / "events.csv"
    source.write_text(PRIVATE_PROPERTIES_CSV, encoding="utf-8")
    run = dbt_runner(tmp_path, source, extra_args=QUICK_BUILD_EXCLUDES)
    with duckdb.connect(str(run.db), read_only=True) as con:
        columns = con.execute(
            """
            select columns.table_schema, columns.table_name, columns.column_name
            from information_schema.columns as columns
            inner join information_schema.tables as tables
                on columns.table_schema = tables.table_schema
                and columns.table_name = tables.table_name
            where tables.table_type = 'BASE TABLE' and columns.data_type = 'VARCHAR'
            """
        ).fetchall()
        assert len(columns) > 50
        leaks = [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" like ?',
                [f"%{SECRET}%"],
            ).fetchone()
            != (0,)
        ]
        rejected = con.execute(
            f"select event_id, rejection_reason, prompt_chars, properties_chars "
            f"from {STAGING}.stg_ai_events__rejected_events"
        ).fetchall()
    assert leaks == []
    assert rejected == [
        (
            "s1",
            "missing_user_id",
            "40",
            len(
                PRIVATE_PROPERTIES_CSV.splitlines()[1]
                .split(",", 6)[6]
                .strip('"')
                .replace('""', '"')
            ),
        )
    ]


def test_implausible_dates_are_rejected(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    source = tmp_path / "events.csv"
    source.write_text(IMPLAUSIBLE_CSV, encoding="utf-8")
    run = dbt_runner(tmp_path, source, extra_args=QUICK_BUILD_EXCLUDES)
    rejected = _rows(
        run.db,
        f"select event_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events "
        "order by event_id",
    )
    assert rejected == [("y1", "implausible_occurred_at"), ("y2", "implausible_occurred_at")]
    assert _rows(run.db, f"select event_id from {STAGING}.stg_ai_events__events") == [("y3",)]


#: Placeholder ids, a row dated in the future, numbers that would overflow a sum, and a
#: feature name with blanks around it, beside ordinary rows of other users.
ONE_ROW_MOVES_CSV = """\
event_id,occurred_at,loaded_at,user_id,feature,event_name,session_id,output_id,output_tokens
p1,2026-10-05 09:00:00,2026-10-05 10:00:00,u1,email_draft,output_generated,,undefined,
p2,2026-10-05 09:00:00,2026-10-05 10:00:00,u2,email_draft,output_generated,,undefined,
p3,2026-10-05 09:00:00,2026-10-05 10:00:00,u3,email_draft,output_generated,,UNDEFINED,
n1,2026-10-05 09:00:00,2026-10-05 10:00:00,u4,email_draft,feature_opened,null,,
n2,2026-10-06 09:00:00,2026-10-06 10:00:00,u4,email_draft,feature_opened,null,,
n3,2026-10-07 09:00:00,2026-10-07 10:00:00,u4,email_draft,feature_opened,null,,
g1,2026-10-07 09:01:00,2026-10-07 10:00:00,u5,email_draft,output_generated,s5,o5,120
t1,2026-10-07 09:02:00,2026-10-07 10:00:00,u6,email_draft,output_generated,s6,o6,5000000000000000000
t2,2026-10-07 09:03:00,2026-10-07 10:00:00,u6,email_draft,output_generated,s6,o7,5000000000000000000
w1,2026-10-07 09:04:00,2026-10-07 10:00:00,u7, email_draft ,feature_opened,s7,,
f1,2099-12-31 10:00:00,2099-12-31 10:05:00,u8,email_draft,feature_opened,s8,,
d1,1900-01-01 00:00:00,,u9,email_draft,feature_opened,s9,,
d2,yesterday,,u9,email_draft,feature_opened,s9,,
"""


def test_one_bad_row_moves_no_other_row(tmp_path: Path, dbt_runner: DbtRunner) -> None:
    """Placeholder ids are missing ids (no shared output or session), a row dated in 2099 is
    rejected and leaves the data horizon where the other rows put it, tokens that would
    overflow a sum are rejected without stopping the build, and blanks around a feature
    name are read away and counted."""
    source = tmp_path / "events.csv"
    source.write_text(ONE_ROW_MOVES_CSV, encoding="utf-8")
    run = dbt_runner(tmp_path, source, extra_args=QUICK_BUILD_EXCLUDES)
    rejected = _rows(
        run.db,
        f"select event_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events "
        "order by event_id",
    )
    assert rejected == [
        ("d1", "implausible_occurred_at"),
        ("d2", "unparseable_occurred_at"),
        ("f1", "future_occurred_at"),
        ("p1", "missing_output_id"),
        ("p2", "missing_output_id"),
        ("p3", "missing_output_id"),
        ("t1", "implausible_output_tokens"),
        ("t2", "implausible_output_tokens"),
    ]
    assert _rows(run.db, f"select output_id from {MARTS}.fct_ai_outputs") == [("o5",)]
    # three opens a day apart without a real session_id: three sessions, not one
    assert _rows(
        run.db,
        f"select count(*), count(session_id) from {MARTS}.fct_ai_sessions where event_count = 1 "
        "and started_at < timestamp '2026-10-07 09:01:00'",
    ) == [(3, 0)]
    horizon = _rows(run.db, f"select data_as_of from {INTERMEDIATE}.int_ai_data_horizon")
    assert horizon == [(datetime(2026, 10, 7, 9, 4),)]
    assert _rows(
        run.db, f"select distinct feature from {STAGING}.stg_ai_events__events order by 1"
    ) == [("email_draft",)]
    assert _rows(
        run.db,
        f"select sum(placeholder_id_rows), sum(trimmed_value_rows), sum(rows_rejected) "
        f"from {MARTS}.fct_ai_event_quality_daily",
    ) == [(6, 1, 8)]
    # a day dated 1900-01-01 and the rows without a readable time are two rows
    assert _rows(
        run.db,
        f"select count(*), count(distinct source_day_key) from {MARTS}.fct_ai_event_quality_daily "
        "where load_date is null or load_date = date '1900-01-01'",
    ) == [(2, 2)]
