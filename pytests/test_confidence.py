"""The interval macros of the diagnosis give the published values.

Each macro is rendered by dbt and evaluated by DuckDB in one ``dbt show --inline`` query,
then held against values from the literature (rounded to four places there):

* normal quantiles: the standard table (1.6449, 1.9600, 2.5758);
* Wilson score intervals at 95 %: Newcombe (1998), Statistics in Medicine 17, 857-872,
  table I, method 3 (81/263, 15/148, 0/20, 1/29);
* Newcombe's hybrid score interval of a difference at 95 %: Newcombe (1998), Statistics in
  Medicine 17, 873-890, method 10 (56/70 - 48/80, 9/10 - 3/10);
* the Poisson score interval at 95 % for 10 events in one unit, worked out by hand:
  (10 + z^2/2 -+ z sqrt(10 + z^2/4)) = 11.92073 -+ 6.48874.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import run_dbt, shown_rows

TOLERANCE = 5e-5  # the published values have four decimals

#: name -> (SQL of the value, published value)
CASES: dict[str, tuple[str, float]] = {}


def _case(name: str, sql: str, expected: float) -> None:
    CASES[name] = (sql, expected)


for level, z in ((0.9, 1.6449), (0.95, 1.9600), (0.99, 2.5758)):
    _case(f"z_{round(level * 100)}", f"{{{{ ai_adoption_z_score({level}) }}}}", z)

for k, n, low, high in ((81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
                        (1, 29, 0.0061, 0.1718)):  # fmt: skip
    interval = f"ai_adoption_wilson_interval('{k}.0 / {n}', '{n}', ai_adoption_z_score(0.95))"
    _case(f"wilson_{k}_{n}_lower", f"{{{{ {interval}.lower }}}}", low)
    _case(f"wilson_{k}_{n}_upper", f"{{{{ {interval}.upper }}}}", high)

for k1, n1, k2, n2, low, high in ((56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)):
    interval = (
        f"ai_adoption_difference_interval('{k1}.0 / {n1}', '{n1}', '{k2}.0 / {n2}', '{n2}', "
        "ai_adoption_z_score(0.95))"
    )
    _case(f"difference_{k1}_{n1}_{k2}_{n2}_lower", f"{{{{ {interval}.lower }}}}", low)
    _case(f"difference_{k1}_{n1}_{k2}_{n2}_upper", f"{{{{ {interval}.upper }}}}", high)

POISSON = "ai_adoption_poisson_interval('10.0', '1', 1, ai_adoption_z_score(0.95))"
_case("poisson_10_lower", f"{{{{ {POISSON}.lower }}}}", 11.920729 - 6.488743)
_case("poisson_10_upper", f"{{{{ {POISSON}.upper }}}}", 11.920729 + 6.488743)
# per 100 units: 10 events in 20 units is 50 per 100, its bounds 100 / 20 times the above
PER_100 = "ai_adoption_poisson_interval('50.0', '20', 100, ai_adoption_z_score(0.95))"
_case("poisson_per_100_lower", f"{{{{ {PER_100}.lower }}}}", (11.920729 - 6.488743) * 5)
# generations per accepted output, 263 generations and 81 accepted: the Wilson bounds inverted
INVERSE = "ai_adoption_inverse_wilson_interval('263.0 / 81', '263', ai_adoption_z_score(0.95))"
_case("inverse_lower", f"{{{{ {INVERSE}.lower }}}}", 1 / 0.36621)
_case("inverse_upper", f"{{{{ {INVERSE}.upper }}}}", 1 / 0.25529)


def show(tmp_path: Path, sql: str, check: bool = True, **dbt_vars: Any) -> tuple[int, str]:
    run = run_dbt(
        tmp_path,
        tmp_path / "none.parquet",
        command="show",
        extra_args=("--inline", sql, "--output", "json", "--log-format", "json"),
        extra_vars=dbt_vars,
        check=check,
    )
    return run.returncode, run.output


def test_intervals_match_published_values(tmp_path: Path) -> None:
    sql = "select " + ", ".join(
        f"{expression} as {name}" for name, (expression, _) in CASES.items()
    )
    _, output = show(tmp_path, sql)
    [row] = shown_rows(output)
    wrong = {
        name: (row[name], expected)
        for name, (_, expected) in CASES.items()
        if row[name] is None or abs(float(row[name]) - expected) > TOLERANCE
    }
    assert wrong == {}, wrong


@pytest.mark.parametrize("level", [1.5, "high"])
def test_a_confidence_level_out_of_range_is_refused(tmp_path: Path, level: Any) -> None:
    code, output = show(
        tmp_path, "select {{ ai_adoption_z_score() }} as z", check=False,
        ai_adoption_confidence_level=level,
    )  # fmt: skip
    assert code != 0
    assert "var ai_adoption_confidence_level must be a number from 0.5 to 0.999" in output
