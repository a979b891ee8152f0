"""Command line interface: ``ai-adoption <command> ...``.

Commands are registered with :func:`command`: a registrar receives the
subparsers object, adds its own parser and sets ``handler`` (a function taking
the parsed arguments and returning an exit code) as a default. Adding a
command such as ``summary`` later is one more decorated function.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ai_adoption import __version__
from ai_adoption.bench import (
    DUCKDB,
    ENGINES,
    SPARK_MAX_SCALE,
    BenchConfig,
    BenchError,
    DbtError,
    check_scale,
    run_bench,
)
from ai_adoption.generator import (
    DEFAULT_END_DATE,
    REJECTED_KINDS,
    GeneratorConfig,
    generate,
    write_log,
)
from ai_adoption.report import DEFAULT_OUT, ReportError, write_report
from ai_adoption.summary import (
    feature_diagnoses,
    feature_summaries,
    format_diagnoses,
    format_table,
    quality_line,
)

logger = logging.getLogger("ai_adoption.cli")

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

Handler = Callable[[argparse.Namespace], int]
Registrar = Callable[["Subparsers"], None]

_REGISTRARS: list[Registrar] = []


def command(registrar: Registrar) -> Registrar:
    """Register a function that adds one subcommand to the parser."""
    _REGISTRARS.append(registrar)
    return registrar


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


# ---- generate -------------------------------------------------------------------------------


def _loss_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1: {value}")
    return value


@command
def _register_generate(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic raw AI-feature event log as Parquet",
        description=(
            "Write a deterministic synthetic event log (DIR/part-NNNN.parquet, split in "
            "loaded_at order) and DIR/truth.json with the counts it was built with. The same "
            "seed and arguments always give the same data; asking for the product activity "
            "too leaves the events as they are without it."
        ),
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--events",
        type=_positive_int,
        default=200_000,
        help="target number of good events (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--days", type=_positive_int, default=90, help="days of activity (default: %(default)s)"
    )
    parser.add_argument(
        "--end-date",
        type=_iso_date,
        default=DEFAULT_END_DATE,
        metavar="YYYY-MM-DD",
        help="last day of activity, inclusive (default: %(default)s)",
    )
    parser.add_argument(
        "--parts",
        type=_positive_int,
        default=4,
        help="number of Parquet files (default: %(default)s)",
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="no malformed rows, no duplicates, no unmapped names, no orphans",
    )
    parser.add_argument(
        "--loss",
        type=_loss_rate,
        default=0.0,
        metavar="RATE",
        help=(
            "chance that a client-side event is lost in delivery, 0 <= RATE < 1; generations "
            "and failures always arrive (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--activity-out",
        metavar="DIR",
        help=(
            "also write the product activity of the same run (one row per user and active day, "
            "with users who never use AI) as DIR/part-NNNN.parquet; its counts go to "
            "truth.json under activity (default: no activity)"
        ),
    )
    parser.set_defaults(handler=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    cfg = GeneratorConfig(
        events=args.events,
        seed=args.seed,
        days=args.days,
        end_date=args.end_date,
        clean=args.clean,
        loss_rate=args.loss,
        activity=args.activity_out is not None,
    )
    log = generate(cfg)
    write_log(log, args.out, args.parts, activity_dir=args.activity_out)
    truth = log.truth
    rejected = sum(truth["injected"][k] for k in REJECTED_KINDS)
    lost = f", {truth['lost_events']} lost in delivery" if truth["lost_events"] else ""
    activity = ""
    if "activity" in truth:
        a = truth["activity"]
        activity = (
            f"; {a['rows_total']} activity rows to {args.activity_out}: {a['good_rows']} "
            f"active days of {a['ai_users']} AI users and {a['non_ai_users']} others"
        )
    print(
        f"wrote {truth['rows_total']} rows to {args.out} in {args.parts} part(s): "
        f"{truth['good_events']} good events, {truth['duplicates']} duplicates, "
        f"{rejected} malformed rows{lost}{activity}; {truth['start_date']}..{truth['end_date']}, "
        f"seed {truth['seed']} ({time.perf_counter() - started:.1f}s)"
    )
    return 0


def _add_database_argument(parser: argparse.ArgumentParser) -> None:
    """The built warehouse a reading command opens (summary, report)."""
    parser.add_argument(
        "--database",
        default="target/ai_adoption.duckdb",
        help="DuckDB file built by dbt (default: %(default)s)",
    )


# ---- summary --------------------------------------------------------------------------------


@command
def _register_summary(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "summary",
        help="print the metrics and the diagnosis per feature",
        description=(
            "Read the marts of a built DuckDB warehouse and print the headline metrics per "
            "feature, recomputed from the additive counts over the whole period."
        ),
    )
    _add_database_argument(parser)
    parser.set_defaults(handler=_run_summary)


def _run_summary(args: argparse.Namespace) -> int:
    database = Path(args.database)
    print(format_table(feature_summaries(database)))
    print()
    print(quality_line(database))
    print()
    print(format_diagnoses(feature_diagnoses(database)))
    return 0


# ---- report ---------------------------------------------------------------------------------


@command
def _register_report(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the metrics and the diagnosis as one self-contained HTML page",
        description=(
            "Read the marts of a built DuckDB warehouse and write one HTML file that opens "
            "offline: data horizon and load quality, weekly acceptance, edit depth, handoff "
            "and return per feature, and one card per feature with its six-stage funnel, "
            "its failure shape, the evidence and the focus."
        ),
    )
    _add_database_argument(parser)
    parser.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        metavar="FILE",
        help="HTML file to write; folders are created (default: %(default)s)",
    )
    parser.set_defaults(handler=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    import duckdb

    try:
        write_report(Path(args.database), Path(args.out))
    except ReportError as exc:
        logger.error("report failed: %s", exc)
        return 1
    except duckdb.Error as exc:
        logger.error("report failed: cannot read %s: %s", args.database, exc)
        return 1
    return 0


# ---- bench ----------------------------------------------------------------------------------


def _scale(text: str) -> int:
    try:
        return check_scale(int(text.replace("_", "")))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@command
def _register_bench(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="time the dbt pipeline on DuckDB or Spark at one or more scales",
        description=(
            "Per scale: a one-pass floor query (DuckDB), dbt parse, dbt seed, dbt run "
            "--full-refresh on 99 % of the events, an incremental dbt run adding the last 1 % "
            "(by loaded_at), a full build on everything, dbt ls and dbt test (DuckDB), with "
            "wall times and peak RSS of dbt (with Spark's JVM). 1M events are generated once "
            "(cached in OUT/base-1m); larger scales replicate them with suffixed ids. Prints "
            "one table and a per-model table per scale, and writes OUT/results.md and "
            "OUT/results.json."
        ),
    )
    parser.add_argument(
        "--scales",
        nargs="+",
        type=_scale,
        default=[1_000_000, 10_000_000],
        metavar="N",
        help=(
            "numbers of events; multiples of 1M from 1M on, at most "
            f"{SPARK_MAX_SCALE} on Spark (default: 1000000 10000000)"
        ),
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=DUCKDB,
        help=(
            "duckdb: one DuckDB file per scale; spark: local Spark through dbt-spark's session "
            "method, in OUT/spark-N (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--out",
        default="target/bench",
        metavar="DIR",
        help="data, DuckDB files, dbt target and logs, results (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="seed of the generated events (default: %(default)s)"
    )
    parser.add_argument(
        "--memory-limit",
        default="4GB",
        help=(
            "DuckDB memory_limit of dbt, of the floor query and of the data preparation "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="DuckDB threads of the floor query and dbt --threads (default: %(default)s)",
    )
    parser.set_defaults(handler=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    import duckdb

    cfg = BenchConfig(
        scales=tuple(sorted(set(args.scales))),
        out=Path(args.out),
        seed=args.seed,
        memory_limit=args.memory_limit,
        threads=args.threads,
        engine=args.engine,
    )
    try:
        run_bench(cfg)
    except DbtError as exc:
        print(f"dbt failed: {exc}", file=sys.stderr)
        print(f"---- last {len(exc.tail)} lines of dbt's output ----", file=sys.stderr)
        print("\n".join(exc.tail), file=sys.stderr)
        return 1
    except (BenchError, duckdb.Error) as exc:
        logger.error("bench failed: %s", exc)
        return 1
    return 0


# ---- entry point ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ai-adoption",
        description="Tools around the ai_adoption dbt package.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default: %(default)s)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for registrar in _REGISTRARS:
        registrar(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("ai_adoption").setLevel(getattr(logging, args.log_level))
    handler: Handler = args.handler
    try:
        return handler(args)
    except (OSError, ValueError) as exc:
        logger.error("%s failed: %s", args.command, exc)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
