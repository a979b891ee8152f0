"""The project's structure rules, checked on dbt's manifest (after `dbt parse`).

- layering: a base model (`base_`) reads sources and other base models; a staging model
  (`stg_`) reads base models and sources, never another staging model; intermediate
  models, marts and the semantic models never read a source;
- an intermediate model (`int_`) reads no mart (`fct_`, `dim_`): the layers run one way;
- every model has a primary key tested: `unique` and `not_null` on the same column, or
  is one of the row-level models listed in ROW_LEVEL, which hold one row per source row
  and have no key a source row carries;
- every model has at least one data test;
- every model an exposure reads is `access: public`;
- no rejoin: a model does not read both a node and that node's child when the child has
  no other reader (the child would be a step to fold in, or the read a shortcut), unless
  the child is one of the run-state models in RUN_STATE, which keep rows between runs and
  so cannot be folded into their reader;
- no fanout: no model feeds more than FANOUT_LIMIT leaf models (models nobody reads),
  where a BI tool would better read one wider model;
- every model and unit test name fits PostgreSQL's 63-character identifiers (a unit test
  runs in a relation named after it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import duckdb_invocation, execute_dbt

#: One row per source row, whatever its content: two identical rows are two rows. They
#: are tested for what they promise instead (every source row reconciled, one row per
#: rejected row, the kept copy unique by event_id in stg_ai_events__events).
ROW_LEVEL = frozenset(
    {
        "base_ai_events__raw_events",
        "base_ai_events__events_checked",
        "stg_ai_events__rejected_events",
    }
)


#: The most leaf models one model may feed (dbt-project-evaluator's default threshold).
FANOUT_LIMIT = 3


@dataclass(frozen=True)
class Model:
    unique_id: str
    name: str
    parents: tuple[str, ...]
    access: str


@dataclass(frozen=True)
class Project:
    models: dict[str, Model]
    tests: list[dict[str, Any]]
    exposures: list[dict[str, Any]]
    unit_tests: list[str]

    def kind(self, unique_id: str) -> str:
        """source, base, staging, or downstream (anything past staging)."""
        if unique_id.startswith("source."):
            return "source"
        name = self.models[unique_id].name
        if name.startswith("base_"):
            return "base"
        if name.startswith("stg_"):
            return "staging"
        return "downstream"

    def name(self, unique_id: str) -> str:
        """The node's name: the last part of its unique id (model, seed or source)."""
        return unique_id.rsplit(".", 1)[-1]

    def children(self) -> dict[str, set[str]]:
        """Each node's model children, by unique id."""
        readers: dict[str, set[str]] = {}
        for model, parent in self.model_parents(seeds=True):
            readers.setdefault(parent, set()).add(model.unique_id)
        return readers

    def model_parents(self, seeds: bool = False) -> Iterator[tuple[Model, str]]:
        kinds = ("model.", "source.", "seed.") if seeds else ("model.", "source.")
        for model in self.models.values():
            for parent in model.parents:
                if parent.startswith(kinds):
                    yield model, parent


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    workdir = tmp_path_factory.mktemp("project-rules")
    args, env = duckdb_invocation(workdir, workdir / "none.parquet", "parse")
    execute_dbt(args, env, workdir, db=workdir, check=True)
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {
        key: Model(
            unique_id=key,
            name=node["name"],
            parents=tuple(node["depends_on"]["nodes"]),
            access=str(node.get("access")),
        )
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
    }
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    return Project(
        models=models,
        tests=tests,
        exposures=list(manifest["exposures"].values()),
        unit_tests=[node["name"] for node in manifest.get("unit_tests", {}).values()],
    )


def test_the_project_has_models_tests_and_exposures(project: Project) -> None:
    """The rules below mean nothing on an empty manifest."""
    assert len(project.models) > 15
    assert len(project.tests) > 100
    assert project.exposures


def edges_into(project: Project, reader: str, allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (model, parent) edges where a model of kind ``reader`` reads a parent whose kind
    is not in ``allowed``."""
    return [
        (model.name, parent)
        for model, parent in project.model_parents()
        if project.kind(model.unique_id) == reader and project.kind(parent) not in allowed
    ]


def test_base_models_read_only_sources_and_base_models(project: Project) -> None:
    assert edges_into(project, "base", ("source", "base")) == []


def test_staging_models_read_no_other_staging_model(project: Project) -> None:
    assert edges_into(project, "staging", ("source", "base")) == []


def test_models_past_staging_read_no_source(project: Project) -> None:
    assert edges_into(project, "downstream", ("base", "staging", "downstream")) == []


def test_intermediate_models_read_no_mart(project: Project) -> None:
    inverted = sorted(
        (model.name, project.name(parent))
        for model, parent in project.model_parents()
        if model.name.startswith("int_") and project.name(parent).startswith(("fct_", "dim_"))
    )
    assert inverted == []


def _tested_columns(project: Project, test_name: str) -> set[tuple[str, str]]:
    return {
        (str(test["attached_node"]), str(test["column_name"]).lower())
        for test in project.tests
        if (test.get("test_metadata") or {}).get("name") == test_name and test.get("column_name")
    }


def test_every_model_has_a_tested_primary_key(project: Project) -> None:
    keyed = _tested_columns(project, "unique") & _tested_columns(project, "not_null")
    with_key = {model for model, _ in keyed}
    missing = sorted(
        model.name
        for key, model in project.models.items()
        if key not in with_key and model.name not in ROW_LEVEL
    )
    assert missing == [], f"models without unique + not_null on one column: {missing}"


def test_the_row_level_exemptions_are_real_models(project: Project) -> None:
    """A renamed model must not leave a stale exemption behind."""
    assert {model.name for model in project.models.values()} >= ROW_LEVEL


def test_every_model_has_a_data_test(project: Project) -> None:
    tested = {parent for test in project.tests for parent in test["depends_on"]["nodes"]}
    untested = sorted(model.name for key, model in project.models.items() if key not in tested)
    assert untested == []


def test_exposures_read_only_public_models(project: Project) -> None:
    wrong = sorted(
        (exposure["name"], project.models[parent].name, project.models[parent].access)
        for exposure in project.exposures
        for parent in exposure["depends_on"]["nodes"]
        if parent in project.models and project.models[parent].access != "public"
    )
    assert wrong == []


def test_the_rules_catch_a_staging_model_reading_staging(project: Project) -> None:
    """The layering check itself: a made-up edge between two staging models is found."""
    staging = [m for m in project.models.values() if project.kind(m.unique_id) == "staging"]
    assert len(staging) >= 2
    reader, read = staging[0], staging[1]
    broken = Project(
        models={
            **project.models,
            reader.unique_id: Model(
                reader.unique_id, reader.name, (*reader.parents, read.unique_id), reader.access
            ),
        },
        tests=project.tests,
        exposures=project.exposures,
        unit_tests=project.unit_tests,
    )
    with pytest.raises(AssertionError):
        test_staging_models_read_no_other_staging_model(broken)


#: PostgreSQL cuts identifiers at 63 bytes; dbt refuses longer relation names.
MAX_NAME = 63


def test_names_fit_postgres_identifiers(project: Project) -> None:
    assert len(project.unit_tests) > 20
    names = [model.name for model in project.models.values()] + project.unit_tests
    too_long = sorted(name for name in names if len(name) > MAX_NAME)
    assert too_long == []


#: Incremental models that hold what the next run starts from: the sessions manifest is
#: merged with each batch, so its one reader (the sessionizing model) reads it beside the
#: ledger it was built from, and it cannot be one of that reader's CTEs.
RUN_STATE = frozenset({"int_ai_sessions_manifest"})


def rejoins(project: Project) -> set[tuple[str, str, str]]:
    """(node, child, reader) where ``reader`` reads ``node`` and ``child``, and ``child``
    is a child of ``node`` read by ``reader`` alone (run-state children aside)."""
    children = project.children()
    found = set()
    for reader in project.models.values():
        parents = set(reader.parents)
        for child in parents:
            if children.get(child) != {reader.unique_id} or child not in project.models:
                continue
            if project.name(child) in RUN_STATE:
                continue
            for node in set(project.models[child].parents) & parents:
                found.add((project.name(node), project.name(child), reader.name))
    return found


def test_no_model_rejoins_an_upstream_concept(project: Project) -> None:
    assert rejoins(project) == set()


def fanouts(project: Project) -> dict[str, list[str]]:
    """The models that feed more than FANOUT_LIMIT leaf models, with those leaves."""
    children = project.children()
    found = {}
    for parent, readers in children.items():
        leaves = sorted(project.name(r) for r in readers if not children.get(r))
        if parent in project.models and len(leaves) > FANOUT_LIMIT:
            found[project.name(parent)] = leaves
    return found


def test_no_model_fans_out_to_many_leaves(project: Project) -> None:
    assert fanouts(project) == {}


def test_the_dag_rules_catch_a_rejoin_and_a_fanout(project: Project) -> None:
    """The checks themselves: a made-up reader of a staging model and its only child is a
    rejoin, and four made-up leaves under one model are a fanout."""
    ledger = next(m for m in project.models.values() if m.name == "stg_ai_events__events")
    fakes = {
        f"model.fake.leaf_{number}": Model(f"model.fake.leaf_{number}", f"leaf_{number}", (), "")
        for number in range(FANOUT_LIMIT + 1)
    }
    middle = Model("model.fake.middle", "middle", (ledger.unique_id,), "")
    reader = Model("model.fake.reader", "reader", (ledger.unique_id, middle.unique_id), "")
    leaves = {key: Model(key, fake.name, (ledger.unique_id,), "") for key, fake in fakes.items()}
    broken = Project(
        models={**project.models, **leaves, middle.unique_id: middle, reader.unique_id: reader},
        tests=project.tests,
        exposures=project.exposures,
        unit_tests=project.unit_tests,
    )
    assert ("stg_ai_events__events", "middle", "reader") in rejoins(broken)
    assert "stg_ai_events__events" in fanouts(broken)
