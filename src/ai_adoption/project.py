"""The dbt project beside this package: where it is, and the seeds the Python side reads.

The generator takes the canonical actions and what each one means from the actions seed,
so that the meaning of an action is written in the seed alone.
"""

from __future__ import annotations

import csv
from pathlib import Path


class ProjectError(RuntimeError):
    """The dbt project, or one of its seeds, cannot be found."""


def find_repo() -> Path:
    """The dbt project: the checkout this package is installed from, or the working dir."""
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise ProjectError("no dbt_project.yml found: run from the ai_adoption checkout")


def read_seed(name: str) -> list[dict[str, str]]:
    """The rows of ``seeds/<name>.csv``, each a mapping of column to text, in file order."""
    path = find_repo() / "seeds" / f"{name}.csv"
    if not path.is_file():
        raise ProjectError(f"{path} is missing: the checkout is incomplete")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
