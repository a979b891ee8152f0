"""Property-based: random event streams with random corruption keep every invariant.

Hypothesis draws streams of events (types, encodings, time zones, duplicates, key case in
``properties``, lost events), each written to a CSV file and built with ``dbt build`` (every
data test and unit test runs). For every stream:

* every source row is in exactly one place: clean, a duplicate, or rejected;
* each row's reason (or none) is the one the Python reference gives (pytests/reference.py);
* every clean number equals the reference's exact reading of the value given, and every
  clean timestamp the instant given;
* the build passes, so every range test (each share within 0 and 1) holds.

Each row carries a unique label in ``session_id`` so that it can be found wherever it lands.
A failing example is shrunk and printed by Hypothesis.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import assert_build_ran_everything, run_dbt
from reference import build_reference, parse_number

STAGING = "main_ai_adoption_staging"
#: Builds per run: each is a full `dbt build` of about half a minute.
EXAMPLES = 2
COLUMNS = (
    "event_id",
    "occurred_at",
    "loaded_at",
    "user_id",
    "feature",
    "event_name",
    "session_id",
    "output_id",
    "prompt_chars",
    "rating",
    "cost_usd",
    "properties",
)
NUMBERS = ("prompt_chars", "rating", "cost_usd")

ACTIONS = ("feature_opened", "prompt_submitted", "output_generated", "output_viewed",
           "output_accepted", "output_copied", "feedback_given", "made_up_name")  # fmt: skip
GOOD_TIMES = ("2026-10-05 09:00:00", "2026-10-05 09:00:30.250", "2026-10-05T09:01:00Z",
              "2026-10-05 11:02:00+02:00", "2026-10-06 08:00:00-05:00")  # fmt: skip
BAD_TIMES = ("2026-10-05 09:00:00 Europe/Berlin", "1759654800", "05/10/2026", "1900-01-01",
             "0001-01-01 00:00:00", "2026-02-30 10:00:00", "2030-01-01 00:00:00", "soon",
             " ")  # fmt: skip
INTEGERS = ("0", "1", "-1", "42", "42.0", "0.6", "-0.6", "1.4", "1.5", "0x10", "1e3", "-5",
            "NaN", " 7 ", "")  # fmt: skip
DOUBLES = ("0.01", "1.5", "-0.01", "NaN", "inf", "-Infinity", "1e-3", "abc", "")

texts = st.sampled_from
GOOD_COUNTS = ("0", "42", "42.0", " 7 ", "")
GOOD_RATINGS = ("1", "0", "-1", "1.0", "")
GOOD_DOUBLES = ("0.01", "1e-3", "")


def rows_strategy(
    times: tuple[str, ...],
    counts: tuple[str, ...] = INTEGERS,
    ratings: tuple[str, ...] = INTEGERS,
    doubles: tuple[str, ...] = DOUBLES,
    corrupt: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """A row with occurred_at from ``times`` and numbers from the given values; with
    ``corrupt``, ids and properties may be missing or broken too."""
    properties = [st.just(""), st.fixed_dictionaries(
        {"latency_ms": texts((5, "9")), "prompt": texts(("secret", "x"))}
    ).map(json.dumps)]  # fmt: skip
    if corrupt:
        properties.append(
            texts(('{"Output_Chars": 640}', "[1, 2]", "42", '{"broken": ', '{"latency_ms": -3}'))
        )
    maybe = ("",) if corrupt else ()
    return st.fixed_dictionaries(
        {
            "event_id": texts(tuple(f"e{i}" for i in range(12)) + maybe),
            "occurred_at": texts(times),
            "loaded_at": st.one_of(
                st.just(""),
                texts(GOOD_TIMES),
                texts(("later", "2026-10-07")) if corrupt else st.just(""),
            ),  # fmt: skip
            "user_id": texts(("u1", "u'2", "u3", *maybe)),
            "feature": texts(("email_draft", "chat_assist", *maybe)),
            "event_name": texts(ACTIONS),
            "output_id": texts(("o1", "o2")),
            "prompt_chars": texts(counts),
            "rating": texts(ratings),
            "cost_usd": texts(doubles),
            "properties": st.one_of(*properties),
        }
    )


#: A stream: good rows (clean, or duplicates of each other), rows with bad timestamps
#: (rejected), and rows corrupted at random anywhere; then some rows delivered again, some
#: lost. Even the simplest example thus mixes clean and rejected rows.
stream_strategy = st.tuples(
    st.lists(rows_strategy(GOOD_TIMES[:3], GOOD_COUNTS, GOOD_RATINGS, GOOD_DOUBLES, corrupt=False),
             min_size=3, max_size=12),
    st.lists(rows_strategy(BAD_TIMES), min_size=2, max_size=10),
    st.lists(rows_strategy(GOOD_TIMES + BAD_TIMES), min_size=0, max_size=20),
    st.lists(st.integers(min_value=0, max_value=41), max_size=6),  # redelivered rows
    st.lists(st.integers(min_value=0, max_value=41), max_size=6),  # lost rows
)  # fmt: skip


Rows = list[dict[str, Any]]
Stream = tuple[Rows, Rows, Rows, list[int], list[int]]


def _rows_of(stream: Stream) -> list[dict[str, str]]:
    good, bad, random, again, lost = stream
    base = good + bad + random
    rows = [dict(row) for index, row in enumerate(base) if index not in set(lost)]
    rows += [dict(base[i]) for i in again if i < len(base)]
    for label, row in enumerate(rows):
        row["session_id"] = f"row{label:03d}"
    return rows


def _write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _reference_row(row: dict[str, str]) -> dict[str, Any]:
    """The row as the CSV reader hands it over: empty cells are nulls."""
    return {key: (value if value != "" else None) for key, value in row.items()}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: each step would be another build; the failing stream is printed whole
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=stream_strategy)
def test_random_corruption_keeps_every_invariant(tmp_path_factory: Any, stream: Stream) -> None:
    rows = _rows_of(stream)
    workdir = tmp_path_factory.mktemp("stream")
    source = workdir / "events.csv"
    _write(rows, source)
    run_dbt(workdir, source)
    assert_build_ran_everything(workdir)

    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        clean = dict(
            con.execute(
                f"select session_id, struct_pack(prompt_chars, rating, cost_usd, occurred_at) "
                f"from {STAGING}.stg_ai_events__events"
            ).fetchall()
        )
        rejected = dict(
            con.execute(
                f"select session_id, rejection_reason from {STAGING}.stg_ai_events__rejected_events"
            ).fetchall()
        )
        duplicates = {
            label
            for (label,) in con.execute(
                f"select session_id from {STAGING}.base_ai_events__events_checked "
                "where is_duplicate"
            ).fetchall()
        }

    # every stream mixes clean and rejected rows; one of only one kind would test little
    assert clean and rejected, (len(clean), len(rejected))
    labels = [row["session_id"] for row in rows]
    places = [(label in clean) + (label in rejected) + (label in duplicates) for label in labels]
    assert places == [1] * len(rows), "every source row in exactly one place"
    assert len(clean) + len(rejected) + len(duplicates) == len(rows)

    reference = build_reference([_reference_row(row) for row in rows])
    # duplicates of good rows, and redelivered copies of a rejected row (same id and reason)
    expected_duplicates = {labels[index] for index in reference.duplicate_rows}
    assert duplicates == expected_duplicates
    for checked in reference.checked:
        row = rows[checked.row_index]
        label = row["session_id"]
        if checked.reason is not None and label not in duplicates:
            assert rejected.get(label) == checked.reason, (row, rejected.get(label))
            continue
        assert label not in rejected, (row, rejected[label])
        if label in duplicates:
            continue
        stored = clean[label]
        for name in NUMBERS:
            kind = "double" if name == "cost_usd" else "integer"
            assert stored[name] == parse_number(row[name] or None, kind), (name, row[name])
        assert checked.event is not None and stored["occurred_at"] == checked.event.occurred_at
