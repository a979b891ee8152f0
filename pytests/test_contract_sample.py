"""The input contract on hand-written files: examples/events_sample.csv (every rejection kind,
a duplicate, an orphan, an unmapped name, two users' sessions), a file with only the five
required columns, and a file lacking a required column.

Expected rejection reasons are the ones worked out by hand in the sample's
``expected_rejection_reason`` column (a column the package ignores).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from conftest import QUICK_BUILD_EXCLUDES, REPO, DbtRunner
from reference import build_reference, read_csv_rows

SAMPLE = REPO / "examples" / "events_sample.csv"
STAGING = "main_ai_adoption_staging"
MARTS = "main_ai_adoption"

REQUIRED_ONLY_CSV = """\
event_id,occurred_at,user_id,feature,event_name
r1,2026-10-05 09:00:00,u1,email_draft,feature_opened
r2,2026-10-05 09:00:30,u1,email_draft,prompt_submitted
r3,2026-10-05 09:00:40,u1,email_draft,output_generated
r4,2026-10-05 10:00:00,u1,email_draft,feature_opened
"""

NO_USER_ID_CSV = """\
event_id,occurred_at,feature,event_name
n1,2026-10-05 09:00:00,email_draft,feature_opened
"""


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner) -> Path:
    root = tmp_path_factory.mktemp("sample")
    return dbt_runner(root, SAMPLE.resolve(), extra_args=QUICK_BUILD_EXCLUDES).db


@pytest.fixture(scope="module")
def con(sample_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(sample_db), read_only=True)
    yield connection
    connection.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0] or 0)


# ---- the sample file itself -------------------------------------------------------------------


def _write_source(
    tmp_path_factory: pytest.TempPathFactory, name: str, text: str
) -> tuple[Path, Path]:
    """A fresh folder holding ``events.csv`` with ``text``: (folder, file)."""
    root = tmp_path_factory.mktemp(name)
    source = root / "events.csv"
    source.write_text(text, encoding="utf-8")
    return root, source


def test_sample_covers_every_case() -> None:
    """The file keeps what the brief of the sample asks for (guards edits to it)."""
    rows = _sample_rows()
    assert 40 <= len(rows) <= 70
    reasons = Counter(
        r["expected_rejection_reason"] for r in rows if r["expected_rejection_reason"]
    )
    for kind in (
        "missing_event_id",
        "missing_occurred_at",
        "missing_user_id",
        "missing_feature",
        "missing_event_name",
        "unparseable_occurred_at",
        "unparseable_loaded_at",
        "unparseable_prompt_chars",
        "future_occurred_at",
        "edit_distance_out_of_range",
        "rating_out_of_range",
        "missing_output_id",
        "unparseable_rating",
        "unparseable_output_chars",
        "unparseable_cost_usd",
        "negative_output_tokens",
        "implausible_occurred_at",
        "malformed_properties",
        "miscased_properties_key",
        "future_loaded_at",
        "implausible_output_tokens",
        "repeated_properties_key",
    ):
        assert reasons[kind] >= 1, kind
    good_ids = Counter(r["event_id"] for r in rows if not r["expected_rejection_reason"])
    assert [i for i, n in good_ids.items() if n > 1] == ["ev_007"]
    assert len({r["user_id"] for r in rows if not r["expected_rejection_reason"]}) == 2


def test_reference_agrees_with_the_hand_worked_reasons() -> None:
    """The Python reference applied to the sample gives the reasons worked out by hand."""
    rows = read_csv_rows(SAMPLE)
    checked = build_reference(rows).checked
    got = [(r.get("event_id"), c.reason or "") for r, c in zip(rows, checked, strict=True)]
    expected = [(r.get("event_id"), r.get("expected_rejection_reason") or "") for r in rows]
    assert got == expected


# ---- built on the sample ----------------------------------------------------------------------


def test_nothing_is_lost(con: duckdb.DuckDBPyConnection) -> None:
    rows_in_file = len(_sample_rows())
    clean = _count(con, f"select count(*) from {STAGING}.stg_ai_events__events")
    rejected = _count(con, f"select count(*) from {STAGING}.stg_ai_events__rejected_events")
    duplicates = _count(con, f"select sum(duplicates) from {MARTS}.fct_ai_event_quality_daily")
    received = _count(con, f"select sum(rows_received) from {MARTS}.fct_ai_event_quality_daily")
    assert clean + duplicates + rejected == rows_in_file == received
    expected_bad = sum(1 for r in _sample_rows() if r["expected_rejection_reason"])
    assert rejected == expected_bad


def test_each_bad_row_gets_its_hand_worked_reason(con: duckdb.DuckDBPyConnection) -> None:
    """Rows with an event_id match on raw text; rows without one are counted per reason."""
    rejected = con.execute(
        f"""
        select event_id, event_name, occurred_at, rejection_reason
        from {STAGING}.stg_ai_events__rejected_events
        """
    ).fetchall()
    got_keyed = {
        (event_id, event_name, occurred_at): reason
        for event_id, event_name, occurred_at, reason in rejected
        if event_id is not None and event_id.strip()
    }
    got_anonymous = Counter(
        reason for event_id, _, _, reason in rejected if event_id is None or not event_id.strip()
    )
    expected_keyed: dict[tuple[str | None, str | None, str | None], str] = {}
    expected_anonymous: Counter[str] = Counter()
    for r in _sample_rows():
        reason = r["expected_rejection_reason"]
        if not reason:
            continue
        if r["event_id"].strip():
            key = (r["event_id"], r["event_name"] or None, r["occurred_at"] or None)
            expected_keyed[key] = reason
        else:
            expected_anonymous[reason] += 1
    assert got_keyed == expected_keyed
    assert got_anonymous == expected_anonymous


def test_quality_counts_per_reason(con: duckdb.DuckDBPyConnection) -> None:
    expected = Counter(
        r["expected_rejection_reason"] for r in _sample_rows() if r["expected_rejection_reason"]
    )
    for reason, n in expected.items():
        got = _count(con, f"select sum(rejected_{reason}) from {MARTS}.fct_ai_event_quality_daily")
        assert got == n, reason


def test_duplicate_counted_once_and_first_copy_kept(con: duckdb.DuckDBPyConnection) -> None:
    assert _count(con, f"select sum(duplicates) from {MARTS}.fct_ai_event_quality_daily") == 1
    kept = con.execute(
        f"select loaded_at from {STAGING}.stg_ai_events__events where event_id = 'ev_007'"
    ).fetchall()
    assert kept == [(datetime(2026, 10, 5, 10, 0, 0),)]


def test_orphan_kept_and_flagged(con: duckdb.DuckDBPyConnection) -> None:
    flagged = con.execute(
        f"""
        select event_id, output_id from {STAGING}.stg_ai_events__events
        where is_orphan_output_event
        """
    ).fetchall()
    assert flagged == [("ev_024", "o_ghost")]
    orphans = _count(
        con, f"select sum(orphan_output_events) from {MARTS}.fct_ai_event_quality_daily"
    )
    assert orphans == 1
    outputs = {
        row[0] for row in con.execute(f"select output_id from {MARTS}.fct_ai_outputs").fetchall()
    }
    assert "o_ghost" not in outputs


def test_unmapped_name_kept(con: duckdb.DuckDBPyConnection) -> None:
    unmapped = con.execute(
        f"""
        select event_id, event_name, action from {STAGING}.stg_ai_events__events
        where not is_mapped
        """
    ).fetchall()
    assert unmapped == [("ev_014", "ai_panel_resized", None)]
    count = _count(con, f"select sum(unmapped_events) from {MARTS}.fct_ai_event_quality_daily")
    assert count == 1


def test_team_names_and_properties(con: duckdb.DuckDBPyConnection) -> None:
    """summary_* names map to canonical actions; JSON properties fill missing columns."""
    actions = dict(
        con.execute(
            f"""
            select event_id, action from {STAGING}.stg_ai_events__events
            where event_id in ('ev_016', 'ev_017', 'ev_019', 'ev_023')
            """
        ).fetchall()
    )
    assert actions == {
        "ev_016": "prompt_submitted",
        "ev_017": "output_generated",
        "ev_019": "output_regenerated",
        "ev_023": "output_inserted",
    }
    edit = con.execute(
        f"""
        select edit_distance, correction_type, output_chars
        from {STAGING}.stg_ai_events__events where event_id in ('ev_022', 'ev_004')
        order by event_id
        """
    ).fetchall()
    assert edit == [(None, None, 640), (0.3, "facts", None)]


def test_timestamps_with_offset_become_utc(con: duckdb.DuckDBPyConnection) -> None:
    occurred = con.execute(
        f"select occurred_at from {STAGING}.stg_ai_events__events where event_id = 'ev_029'"
    ).fetchall()
    assert occurred == [(datetime(2026, 10, 8, 16, 2, 0),)]


def test_sessions_and_outputs_of_the_sample(con: duckdb.DuckDBPyConnection) -> None:
    """Worked out by hand: five sessions (one derived by the gap rule for ana, one
    single-open session for ben), four outputs of which the sent and the pasted one are
    accepted and the copied-out one is not."""
    sessions = con.execute(
        f"""
        select user_id, feature, session_id, started_at, event_count
        from {MARTS}.fct_ai_sessions
        order by started_at
        """
    ).fetchall()
    assert sessions == [
        ("u_ana", "email_draft", "s_ana_1", datetime(2026, 10, 5, 9, 0, 0), 8),
        ("u_ana", "email_draft", None, datetime(2026, 10, 6, 14, 0, 0), 5),
        ("u_ben", "account_summary", "s_ben_1", datetime(2026, 10, 7, 11, 0, 0), 10),
        ("u_ben", "ticket_reply", "s_ben_2", datetime(2026, 10, 8, 16, 0, 0), 5),
        ("u_ben", "data_insights", None, datetime(2026, 10, 9, 10, 0, 0), 1),
    ]
    outputs = dict(
        con.execute(f"select output_id, is_accepted from {MARTS}.fct_ai_outputs").fetchall()
    )
    assert outputs == {"o_ana_1": True, "o_ana_2": False, "o_ben_1": True, "o_ben_2": False}
    copied = dict(
        con.execute(f"select output_id, is_copied_out from {MARTS}.fct_ai_outputs").fetchall()
    )
    assert copied["o_ana_2"] is True


# ---- other shapes of input --------------------------------------------------------------------


def test_required_columns_only_builds(
    tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner
) -> None:
    root, source = _write_source(tmp_path_factory, "required_only", REQUIRED_ONLY_CSV)
    db = dbt_runner(root, source, extra_args=QUICK_BUILD_EXCLUDES).db
    con = duckdb.connect(str(db), read_only=True)
    try:
        events = con.execute(
            f"""
            select event_id, occurred_at = loaded_at, session_id, account_id, output_id,
                   job_key, entry_point, prompt_chars, edit_distance, rating
            from {STAGING}.stg_ai_events__events order by event_id
            """
        ).fetchall()
        assert events == [
            ("r1", True, None, None, None, "email_draft", None, None, None, None),
            ("r2", True, None, None, None, "email_draft", None, None, None, None),
            ("r4", True, None, None, None, "email_draft", None, None, None, None),
        ]
        # output_generated needs an output_id, which this file cannot carry
        rejected = con.execute(
            f"select event_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events"
        ).fetchall()
        assert rejected == [("r3", "missing_output_id")]
        sessions = con.execute(
            f"""
            select started_at, is_derived_session from {MARTS}.fct_ai_sessions
            order by started_at
            """
        ).fetchall()
        assert sessions == [
            (datetime(2026, 10, 5, 9, 0, 0), True),
            (datetime(2026, 10, 5, 10, 0, 0), True),
        ]
    finally:
        con.close()


def test_missing_required_column_fails_naming_it(
    tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner
) -> None:
    root, source = _write_source(tmp_path_factory, "no_user_id", NO_USER_ID_CSV)
    run = dbt_runner(root, source, extra_args=QUICK_BUILD_EXCLUDES, check=False)
    assert run.returncode != 0, f"dbt build succeeded without user_id:\n{run.tail()}"
    # the message must name the missing column (not merely list the required ones)
    named = re.search(r"\b(lack|lacks|missing)\b[^.]*?\buser_id\b", run.output, re.IGNORECASE)
    assert named is not None, f"no error naming user_id in:\n{run.tail()}"


# ---- malformed JSON and the data horizon ------------------------------------------------------

MALFORMED_PROPERTIES_CSV = """\
event_id,occurred_at,loaded_at,user_id,feature,event_name,session_id,properties
m1,2026-10-01 00:00:00,2026-10-01 01:00:00,u1,email_draft,feature_opened,s1,"{""client"": ""web""}"
m2,2026-10-01 00:00:10,2026-10-01 01:00:00,u1,email_draft,prompt_submitted,s1,{client: web
m3,2026-10-01 00:00:20,2026-10-01 01:00:00,u1,email_draft,prompt_submitted,s1,
"""

#: s1 starts 10-01 00:00; its window ends 10-15 00:00; the last event of the data (p4,
#: unmapped but kept) is at 10-15 00:00:01, so s1 is settled, and s2 (same job, 10-14)
#: makes it returned.
LAST_EVENT_UNMAPPED_CSV = """\
event_id,occurred_at,loaded_at,user_id,feature,event_name,session_id,job_key
p1,2026-10-01 00:00:00,2026-10-01 01:00:00,u1,email_draft,feature_opened,s1,j
p2,2026-10-01 00:00:10,2026-10-01 01:00:00,u1,email_draft,prompt_submitted,s1,j
p3,2026-10-14 23:00:00,2026-10-15 01:00:00,u1,email_draft,feature_opened,s2,j
p4,2026-10-15 00:00:01,2026-10-15 01:00:00,u1,email_draft,ai_debug_ping,s2,j
"""


def test_malformed_properties_row_does_not_abort_the_build(
    tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner
) -> None:
    root, source = _write_source(tmp_path_factory, "malformed_properties", MALFORMED_PROPERTIES_CSV)
    run = dbt_runner(root, source, extra_args=QUICK_BUILD_EXCLUDES, check=False)
    assert run.returncode == 0, f"one malformed properties value stopped the build:\n{run.tail()}"
    con = duckdb.connect(str(run.db), read_only=True)
    try:
        clean = _count(con, f"select count(*) from {STAGING}.stg_ai_events__events")
        rejected = _count(con, f"select count(*) from {STAGING}.stg_ai_events__rejected_events")
        duplicates = _count(con, f"select sum(duplicates) from {MARTS}.fct_ai_event_quality_daily")
        assert clean + duplicates + rejected == 3
        assert clean == 2
        reasons = con.execute(
            f"select event_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events"
        ).fetchall()
        assert reasons == [("m2", "malformed_properties")]
    finally:
        con.close()


def test_return_window_settles_on_the_last_event_of_the_data(
    tmp_path_factory: pytest.TempPathFactory, dbt_runner: DbtRunner
) -> None:
    root, source = _write_source(tmp_path_factory, "last_event_unmapped", LAST_EVENT_UNMAPPED_CSV)
    reference = build_reference(read_csv_rows(source))
    settled = {
        s.session_id: (s.is_return_eligible, s.is_returned) for s in reference.sessions.values()
    }
    assert settled == {"s1": (True, True), "s2": (False, False)}  # the reference agrees by hand
    db = dbt_runner(root, source, extra_args=QUICK_BUILD_EXCLUDES).db
    con = duckdb.connect(str(db), read_only=True)
    try:
        daily = con.execute(
            f"""
            select activity_date, return_eligible_sessions, returned_sessions
            from {MARTS}.fct_ai_feature_daily order by activity_date
            """
        ).fetchall()
        assert daily == [
            (date(2026, 10, 1), 1, 1),
            (date(2026, 10, 14), 0, 0),
        ]
    finally:
        con.close()
