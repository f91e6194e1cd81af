"""`depstats check`, `load` and `export`: the curated data folder and the dataset as files."""

from pathlib import Path
from typing import Annotated

import orjson
import typer
from sqlalchemy.orm import Session

from app import migrate
from app.cli import baking
from app.cli.common import DataOption, failure, load_folder, settings_or_exit
from app.curation import DataError, read_dataset
from app.db import create_db_engine
from app.forked import usable_cpus
from app.tables import TABLES, all_rows, datapackage, source_rows
from app.tabular import csv_lines


def check(data: DataOption = None) -> None:
    """Validate a data folder without a database; exit 1 naming each file and figure at fault."""
    data_dir = data or settings_or_exit().data_dir
    try:
        dataset = read_dataset(data_dir)
    except DataError as exc:
        raise failure(f"{data_dir}: {len(exc.findings)} problem(s):\n{exc}") from None
    typer.echo(
        f"{data_dir}: ok: {len(dataset.sources)} source(s), {len(dataset.measures)} "
        f"measure(s), {len(dataset.figures)} figure(s), {len(dataset.derived)} derived"
    )


def load(
    data: DataOption = None,
    reason: Annotated[
        str | None, typer.Option(help="Why: kept in every revision this load makes.")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="Replace figures changed through the API since the last load (needs --reason)."
        ),
    ] = False,
    retract_missing: Annotated[
        bool, typer.Option(help="Retract published figures that are not in the data folder.")
    ] = False,
) -> None:
    """Check the data folder and load it: twice changes nothing; every change is a revision."""
    if overwrite and not reason:
        raise failure("--overwrite needs a --reason")
    settings = settings_or_exit()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        report = load_folder(
            engine,
            data or settings.data_dir,
            reason=reason,
            overwrite=overwrite,
            retract_missing=retract_missing,
        )
    finally:
        engine.dispose()
    typer.echo(f"loaded: {report}")
    for line in report.created + report.updated + report.retracted:
        typer.echo(f"  {line}")


def export(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the package into.", file_okay=False)
    ],
    static: Annotated[
        bool,
        typer.Option(
            "--static",
            help="Instead, bake every public GET answer into DIR, for `depstats front` (nginx) "
            "or a static host; only what changed is written again.",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=1,
            help="With --static: processes asking the app at once (default: one per CPU).",
        ),
    ] = usable_cpus(),
) -> None:
    """Write the whole dataset as a Frictionless Data Package: a CSV per table and
    datapackage.json, for offline use; or, with --static, the read API as files."""
    if static:
        baking.export_static(directory, jobs)
        return
    settings = settings_or_exit()
    engine = create_db_engine(settings)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with Session(engine) as session, session.begin():
            counts = {}
            for name, table in TABLES.items():
                with (directory / f"{name}.csv").open("wb") as handle:
                    lines = csv_lines(table.model, all_rows(session, name))
                    counts[name] = sum(handle.write(line) > 0 for line in lines) - 1
            sources = list(source_rows(session))
        descriptor = datapackage(lambda name: f"{name}.csv", sources)  # type: ignore[arg-type]
        (directory / "datapackage.json").write_bytes(
            orjson.dumps(descriptor, option=orjson.OPT_INDENT_2) + b"\n"
        )
    finally:
        engine.dispose()
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    typer.echo(f"wrote {directory}/datapackage.json and a CSV per table: {summary}")
