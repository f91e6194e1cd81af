"""What the `depstats` commands share: settings read or a clear exit, failures, loading a
data folder, a database made ready to serve."""

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings, get_settings
from app.curation import DataError, read_dataset
from app.db import create_db_engine
from app.models import Figure, Source
from app.services.loader import LoadRefused, LoadReport, load_dataset

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="The data folder to use (default: DEPSTATS_DATA_DIR, i.e. the checkout's data/).",
        file_okay=False,
    ),
]


def settings_or_exit() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "DEPSTATS_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"  {name}: {error['msg'].removeprefix('Value error, ')}")
        typer.echo("configuration error:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


def failure(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def load_folder(
    engine: Engine,
    data_dir: Path,
    *,
    reason: str | None = None,
    overwrite: bool = False,
    retract_missing: bool = False,
) -> LoadReport:
    try:
        dataset = read_dataset(data_dir)
    except DataError as exc:
        raise failure(
            f"{data_dir} has {len(exc.findings)} problem(s), nothing loaded:\n{exc}"
        ) from None
    with Session(engine) as session, session.begin():
        try:
            return load_dataset(
                session,
                dataset,
                reason=reason,
                overwrite=overwrite,
                retract_missing=retract_missing,
            )
        except LoadRefused as exc:
            raise failure(exc.detail) from None


def prepare(settings: Settings) -> None:
    """Upgrade the database to head and, if it holds nothing yet, load the data folder."""
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        with Session(engine) as session:
            empty = not session.scalar(
                select(func.count()).select_from(Source)
            ) and not session.scalar(select(func.count()).select_from(Figure))
        if empty:
            report = load_folder(engine, settings.data_dir)
            typer.echo(f"empty database: loaded {settings.data_dir}: {report}")
    finally:
        engine.dispose()
