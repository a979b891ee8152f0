"""The marts as a BI tool sees them: SQLAlchemy with duckdb-engine, reflected by the inspector.

Tools such as Superset list a database's schemas and tables through SQLAlchemy's inspector,
read each table's columns and types from it, and then send plain SQL. This test does the
same against the warehouse built by the session fixture, and holds what it sees against
the contracts declared in the dbt manifest (models/marts/*/_*__models.yml) and against
straight SQL through a plain DuckDB connection.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine, MetaData, Table, cast, create_engine, func, inspect, select, table
from sqlalchemy import types as sqltypes

from conftest import REPO, Warehouse

MARTS_FOLDER = "models/marts/"

#: Every mart a BI tool may read; each must carry an enforced contract and, on the
#: generated sample, hold rows.
EXPECTED_MARTS = frozenset(
    {
        "fct_ai_outputs",
        "fct_ai_sessions",
        "fct_ai_feature_daily",
        "fct_ai_feature_model_daily",
        "fct_ai_usage_signals",
        "fct_ai_failure_shapes",
        "fct_ai_feature_diagnosis",
        "fct_ai_event_quality_daily",
        "dim_ai_features",
        "dim_ai_users",
        "fct_ai_feature_reach",
        "fct_ai_account_reach",
        "dim_ai_user_adoption",
        "fct_ai_feature_effect",
    }
)
#: Marts that read the optional product activity, which the generated sample lacks: there
#: they must be empty (their rows are checked in test_reach.py and test_effect.py).
ACTIVITY_MARTS = frozenset(
    {
        "fct_ai_feature_reach",
        "fct_ai_account_reach",
        "dim_ai_user_adoption",
        "fct_ai_feature_effect",
    }
)


@dataclass(frozen=True)
class TypeRule:
    """What a contract data type must reflect as: a SQLAlchemy type, minus narrower or wider kin."""

    expected: type[sqltypes.TypeEngine[Any]]
    excluded: tuple[type[sqltypes.TypeEngine[Any]], ...] = ()


#: Contract data_type (as written in the YAML, lower case) -> the SQLAlchemy type the
#: inspector must report for it.
CONTRACT_TYPES: dict[str, TypeRule] = {
    "varchar": TypeRule(sqltypes.String),
    "bigint": TypeRule(sqltypes.BigInteger),
    "integer": TypeRule(sqltypes.Integer, excluded=(sqltypes.BigInteger, sqltypes.SmallInteger)),
    "double precision": TypeRule(sqltypes.Float, excluded=(sqltypes.REAL,)),
    "boolean": TypeRule(sqltypes.Boolean),
    "date": TypeRule(sqltypes.Date),
    "timestamp": TypeRule(sqltypes.DateTime),
}


@dataclass(frozen=True)
class Contract:
    """A contracted mart as the manifest declares it."""

    name: str
    schema: str
    columns: tuple[tuple[str, str], ...]  # (column name, data_type), in declared order


@pytest.fixture(scope="module")
def bi_database(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the warehouse file for the SQLAlchemy engine.

    duckdb-engine opens files with its own settings, and DuckDB refuses a second connection
    to one file with different settings in the same process; the plain connections of the
    other tests stay on the original, the engine gets this byte-identical copy.
    """
    folder = tmp_path_factory.mktemp("bi_client")
    copy = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse.db, copy)
    wal = warehouse.db.with_name(warehouse.db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


@pytest.fixture(scope="module")
def engine(bi_database: Path) -> Iterator[Engine]:
    bi_engine = create_engine(f"duckdb:///{bi_database}", connect_args={"read_only": True})
    yield bi_engine
    bi_engine.dispose()


@pytest.fixture(scope="module")
def plain(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain read-only DuckDB connection to the warehouse, as the other tests open it."""
    connection = duckdb.connect(str(warehouse.db), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def contracts(warehouse: Warehouse) -> dict[str, Contract]:
    """The contracted marts, read from the manifest the warehouse build wrote."""
    manifest_path = warehouse.db.parent / "target" / "manifest.json"
    if not manifest_path.exists():
        pytest.fail(f"the warehouse build left no manifest at {manifest_path}", pytrace=False)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    found: dict[str, Contract] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["original_file_path"].startswith(
            MARTS_FOLDER
        ):
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            continue
        columns = tuple(
            (column["name"], (column.get("data_type") or "").strip().lower())
            for column in node["columns"].values()
        )
        found[node["name"]] = Contract(
            name=node["alias"] or node["name"], schema=node["schema"], columns=columns
        )
    return found


def _contract(contracts: dict[str, Contract], mart: str) -> Contract:
    if mart not in contracts:
        pytest.fail(f"{mart} has no enforced contract in the manifest", pytrace=False)
    return contracts[mart]


def test_every_mart_has_a_contract(contracts: dict[str, Contract]) -> None:
    missing = sorted(EXPECTED_MARTS - contracts.keys())
    unexpected = sorted(contracts.keys() - EXPECTED_MARTS)
    assert not missing, f"marts without an enforced contract in {MARTS_FOLDER}: {missing}"
    assert not unexpected, f"contracted marts this test does not know yet: {unexpected}"
    mart_yaml = "".join(
        path.read_text(encoding="utf-8") for path in (REPO / MARTS_FOLDER).glob("*/_*__models.yml")
    )
    for name in contracts:
        assert f"name: {name}\n" in mart_yaml, f"{name} is not declared in a marts folder's YAML"


def test_inspector_lists_the_marts(engine: Engine, contracts: dict[str, Contract]) -> None:
    inspector = inspect(engine)
    schemas = {contract.schema for contract in contracts.values()}
    listed_schemas = {name.split(".")[-1] for name in inspector.get_schema_names()}
    assert schemas <= listed_schemas, f"schemas {sorted(schemas - listed_schemas)} not listed"
    for schema in schemas:
        # a BI tool lists tables and views alike: the outputs and sessions are views
        tables = set(inspector.get_table_names(schema=schema))
        tables |= set(inspector.get_view_names(schema=schema))
        wanted = {c.name for c in contracts.values() if c.schema == schema}
        assert wanted <= tables, f"tables missing from {schema}: {sorted(wanted - tables)}"


@pytest.mark.parametrize("mart", sorted(EXPECTED_MARTS))
def test_reflected_columns_match_the_contract(
    mart: str, engine: Engine, contracts: dict[str, Contract]
) -> None:
    contract = _contract(contracts, mart)
    reflected = inspect(engine).get_columns(contract.name, schema=contract.schema)
    names = [column["name"] for column in reflected]
    assert names == [name for name, _ in contract.columns], (
        f"{mart}: columns seen by SQLAlchemy differ from the contract (names or order)"
    )
    mismatches = []
    for column, (name, data_type) in zip(reflected, contract.columns, strict=True):
        rule = CONTRACT_TYPES.get(data_type)
        assert rule is not None, (
            f"{mart}.{name}: contract data_type {data_type!r} has no entry in CONTRACT_TYPES"
        )
        seen = column["type"]
        fits = isinstance(seen, rule.expected) and not isinstance(seen, rule.excluded)
        if isinstance(seen, sqltypes.DateTime) and seen.timezone:
            fits = False  # the contract's timestamps are naive UTC, not timestamptz
        if not fits:
            mismatches.append(f"{name}: contract {data_type}, reflected {seen!r}")
    assert not mismatches, f"{mart}: " + "; ".join(mismatches)


@pytest.mark.parametrize("mart", sorted(EXPECTED_MARTS))
def test_row_counts_agree_and_are_not_empty(
    mart: str,
    engine: Engine,
    plain: duckdb.DuckDBPyConnection,
    contracts: dict[str, Contract],
) -> None:
    contract = _contract(contracts, mart)
    with engine.connect() as connection:
        through_sqlalchemy = connection.execute(
            select(func.count()).select_from(table(contract.name, schema=contract.schema))
        ).scalar_one()
    row = plain.execute(f'select count(*) from "{contract.schema}"."{contract.name}"').fetchone()
    assert row is not None
    through_duckdb = row[0]
    print(f"{mart}: {through_sqlalchemy} rows")
    assert through_sqlalchemy == through_duckdb, (
        f"{mart}: SQLAlchemy counts {through_sqlalchemy} rows, DuckDB {through_duckdb}"
    )
    if mart in ACTIVITY_MARTS:
        assert through_sqlalchemy == 0, f"{mart} has rows without a product activity source"
    else:
        assert through_sqlalchemy > 0, f"{mart} is empty on the generated sample"


@pytest.mark.filterwarnings("ignore:duckdb-engine doesn't yet support reflection on indices")
def test_typical_bi_query(
    engine: Engine, plain: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]
) -> None:
    """Acceptance by feature as a dashboard asks for it: sum the parts, then divide.

    The ratio is cast to Double: SQLAlchemy's plain Float renders as FLOAT, which DuckDB
    reads as a 4-byte REAL and rounds in the seventh digit.
    """
    daily_contract = contracts["fct_ai_feature_daily"]
    daily = Table(
        daily_contract.name, MetaData(), schema=daily_contract.schema, autoload_with=engine
    )
    accepted = func.sum(daily.c.outputs_accepted)
    generated = func.sum(daily.c.outputs_generated)
    query = (
        select(
            daily.c.feature,
            accepted.label("accepted"),
            generated.label("generated"),
            (cast(accepted, sqltypes.Double) / func.nullif(generated, 0)).label("acceptance_rate"),
        )
        .group_by(daily.c.feature)
        .order_by(daily.c.feature)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    assert rows, "the BI query returned no rows"

    # Independently, straight from the output grain.
    outputs = contracts["fct_ai_outputs"]
    expected = {
        feature: (accepted_count, generated_count)
        for feature, accepted_count, generated_count in plain.execute(
            f"""
            select feature, count(*) filter (where is_accepted), count(*)
            from "{outputs.schema}"."{outputs.name}"
            group by feature
            """
        ).fetchall()
    }
    assert {row.feature for row in rows} == set(expected), "features differ between the marts"
    for row in rows:
        want_accepted, want_generated = expected[row.feature]
        assert (row.accepted, row.generated) == (want_accepted, want_generated), row.feature
        assert row.acceptance_rate == pytest.approx(want_accepted / want_generated, abs=1e-12)
        print(
            f"{row.feature}: acceptance {row.acceptance_rate:.3f} ({row.accepted}/{row.generated})"
        )
