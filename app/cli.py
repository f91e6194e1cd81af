"""The `depstats` command: serve, check, load, export, extract, score-extraction; token create,
list and revoke; db upgrade, render and copy."""

import copy
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import uvicorn
import uvicorn.config
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings, get_settings
from app.curation import DataError, read_dataset
from app.db import create_db_engine
from app.errors import Conflict, NotFound
from app.models import Figure, Source
from app.services import tokens
from app.services.copy import copy_database
from app.services.loader import LoadRefused, LoadReport, load_dataset
from app.tables import TABLES, all_rows, datapackage, source_rows
from app.tabular import csv_lines

cli = typer.Typer(
    help="deportation-stats: figures traced to the exact words of their source.",
    no_args_is_help=True,
    add_completion=False,
)
db_cli = typer.Typer(help="Database schema commands.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="The data folder to use (default: DEPSTATS_DATA_DIR, i.e. the checkout's data/).",
        file_okay=False,
    ),
]


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "DEPSTATS_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"  {name}: {error['msg'].removeprefix('Value error, ')}")
        typer.echo("configuration error:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _load(
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
        raise _fail(
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
            raise _fail(exc.detail) from None


@cli.command()
def check(data: DataOption = None) -> None:
    """Validate a data folder without a database; exit 1 naming each file and figure at fault."""
    data_dir = data or _settings().data_dir
    try:
        dataset = read_dataset(data_dir)
    except DataError as exc:
        raise _fail(f"{data_dir}: {len(exc.findings)} problem(s):\n{exc}") from None
    typer.echo(
        f"{data_dir}: ok: {len(dataset.sources)} source(s), {len(dataset.measures)} "
        f"measure(s), {len(dataset.figures)} figure(s), {len(dataset.derived)} derived"
    )


@cli.command()
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
        raise _fail("--overwrite needs a --reason")
    settings = _settings()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        report = _load(
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


@cli.command()
def export(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write the package into.", file_okay=False)
    ],
) -> None:
    """Write the whole dataset as a Frictionless Data Package: a CSV per table and
    datapackage.json, for offline use."""
    settings = _settings()
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


class TokenScope(StrEnum):
    WRITE = "write"
    ADMIN = "admin"


token_cli = typer.Typer(help="API tokens for the write routes.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what uses it; shown in revision history.")],
    scope: Annotated[
        TokenScope,
        typer.Option(help="write: create, correct and retract figures; admin: also add sources."),
    ] = TokenScope.WRITE,
) -> None:
    """Make a token and print its secret, once: only its SHA-256 digest is kept."""
    with _session() as session:
        try:
            _, secret = tokens.create_token(session, name=name, scope=scope.value)
        except Conflict as exc:
            raise _fail(exc.detail) from None
    typer.echo(secret)
    typer.echo(f"token {name!r} ({scope}) created; the secret above is not shown again", err=True)


@token_cli.command("list")
def token_list() -> None:
    """Names, scopes, when made and last used, and whether revoked; never a secret."""
    with _session() as session:
        found = tokens.list_tokens(session)
        typer.echo(f"{'name':<24} {'scope':<6} {'created':<20} {'last used':<20} revoked")
        for token in found:
            typer.echo(
                f"{token.name:<24} {token.scope:<6} {_when(token.created_at):<20} "
                f"{_when(token.last_used_at):<20} {_when(token.revoked_at)}"
            )


@token_cli.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token; the next request that uses it is refused."""
    with _session() as session:
        try:
            newly = tokens.revoke_token(session, name)
        except NotFound as exc:
            raise _fail(exc.detail) from None
    typer.echo(f"token {name!r} revoked" if newly else f"token {name!r} was revoked already")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


@contextmanager
def _session() -> Iterator[Session]:
    """A migrated database and one committed transaction."""
    settings = _settings()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


@db_cli.command("copy")
def db_copy(
    source: Annotated[
        str, typer.Option("--from", help="URL of the database to copy, e.g. sqlite:///depstats.db.")
    ],
    target: Annotated[
        str | None,
        typer.Option(
            "--to", help="URL of an empty database to fill (default: DEPSTATS_DATABASE_URL)."
        ),
    ] = None,
) -> None:
    """Copy every source, figure, revision and token digest into another database (SQLite
    into PostgreSQL): the target is migrated to head first and must hold no data."""
    settings = _settings()
    target_settings = settings.model_copy(update={"database_url": target or settings.database_url})
    source_settings = settings.model_copy(update={"database_url": source})
    if source_settings.database_url == target_settings.database_url:
        raise _fail("--from and --to name the same database")
    from_engine = create_db_engine(source_settings)
    to_engine = create_db_engine(target_settings)
    try:
        if migrate.current_revision(from_engine) != migrate.head_revision(settings):
            raise _fail("the source is not at the newest schema: run depstats db upgrade on it")
        migrate.upgrade(to_engine, target_settings)
        try:
            copied = copy_database(from_engine, to_engine)
        except Conflict as exc:
            raise _fail(exc.detail) from None
    finally:
        from_engine.dispose()
        to_engine.dispose()
    typer.echo("copied: " + ", ".join(f"{n} {table}" for table, n in copied.items()))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create the database if need be and migrate it to the newest schema."""
    settings = _settings()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        typer.echo(f"database at {migrate.current_revision(engine)} (head)")
    finally:
        engine.dispose()


@db_cli.command("render")
def db_render() -> None:
    """Make every figure's stored representations again. The API keeps them current itself;
    this is for after rows were changed with SQL behind its back."""
    settings = _settings()
    engine = create_db_engine(settings)
    try:
        migrate.upgrade(engine, settings)
        done = migrate.refresh_renders(engine, force=True)
    finally:
        engine.dispose()
    typer.echo(f"rendered {done} figure(s)")


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
            report = _load(engine, settings.data_dir)
            typer.echo(f"empty database: loaded {settings.data_dir}: {report}")
    finally:
        engine.dispose()


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for all.")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option(
            help="Port to listen on; 0 takes a free one (its number is printed at start).",
            min=0,
            max=65535,
        ),
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="API processes to run; each keeps its own pool "
            "of DEPSTATS_DB_POOL_SIZE connections.",
            min=1,
        ),
    ] = 1,
) -> None:
    """Create and migrate the database, load data/ if it is empty, and serve the API."""
    settings = _settings()
    prepare(settings)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        # Only these proxies may say, in X-Forwarded-For, who the client is (rate limits are
        # per client); by default none may, so a forged header changes nothing.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        # uvicorn's httptools protocol, with deadlines for slow clients and a cap on
        # request headers (app/server.py).
        http="app.server:GuardedHttpToolsProtocol",
        # Our own access log carries the request id and duration; uvicorn's would repeat it.
        access_log=False,
        log_config=_log_config(settings.log_format),
    )


def _log_config(log_format: str) -> dict[str, Any]:
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "text":
        # Every message escaped (app/logs.py): a client's path or header never breaks a line.
        config["formatters"]["default"]["()"] = "app.logs.TextFormatter"
    config["formatters"]["access_line"] = {"()": "app.logs.TextFormatter", "fmt": "%(message)s"}
    config["handlers"]["access_line"] = {
        "class": "logging.StreamHandler",
        "formatter": "access_line",
        "stream": "ext://sys.stdout",
    }
    for name in ("depstats.access", "depstats.server"):
        config["loggers"][name] = {"handlers": ["access_line"], "level": "INFO", "propagate": False}
    # The app's other loggers (errors, the cache) through the same escaping formatter,
    # rather than Python's last-resort handler, which writes messages as they are.
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


class ExtractFormat(StrEnum):
    TOML = "toml"
    JSON = "json"


@cli.command()
def extract(
    file: Annotated[
        Path, typer.Argument(help="A UTF-8 text file: an article or report.", dir_okay=False)
    ],
    published: Annotated[
        str | None,
        typer.Option(
            help="When the text was published, at its precision: YYYY, YYYY-MM or YYYY-MM-DD. "
            "Read from the source's TOML when FILE is a stored source text."
        ),
    ] = None,
    publisher: Annotated[
        str | None,
        typer.Option(help="Who published it: the voice of figures no one else is said to state."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="The source id the candidates belong to.")
    ] = None,
    output: Annotated[
        ExtractFormat, typer.Option("--format", help="toml: data/figures blocks; json: an array.")
    ] = ExtractFormat.TOML,
    data: DataOption = None,
) -> None:
    """Propose candidate figures from a text, for a person to review: never loaded by itself.

    When FILE is `data/sources/<id>.txt`, its `<id>.toml` gives the defaults for --published,
    --publisher and --source. Offsets count code points in the file's text exactly as read."""
    from app.dates import parse_partial_date  # only this command needs them
    from app.extract import KNOWN_MEASURES, extract, to_toml
    from app.schemas import CandidateRead

    try:
        with file.open(encoding="utf-8", newline="") as handle:  # offsets as data/ counts them
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{file}: cannot read it as UTF-8 text: {exc}") from None
    sibling = file.with_suffix(".toml")
    if sibling.is_file():
        try:
            meta = tomllib.loads(sibling.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise _fail(f"{sibling}: {exc}") from None
        # Strings only: a TOML date (published = 2018-02-01, unquoted) is not data/'s format.
        published = published or _string(meta.get("published"), sibling, "published")
        publisher = publisher or _string(meta.get("publisher"), sibling, "publisher")
        source = source or _string(meta.get("id"), sibling, "id")
    if not published:
        raise _fail(f"{file}: say when it was published: --published YYYY[-MM[-DD]]")
    try:
        when = parse_partial_date(published)
    except ValueError as exc:
        raise _fail(f"--published: {exc}") from None
    measures = KNOWN_MEASURES
    measures_path = (data or _settings().data_dir) / "measures.toml"
    if measures_path.is_file():
        try:
            table = tomllib.loads(measures_path.read_text(encoding="utf-8"))
            measures = {m["id"]: m["kind"] for m in table.get("measure", [])}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise _fail(
                f"{measures_path}: cannot read the measures' ids and kinds ({exc!r}): "
                "run `depstats check`"
            ) from None
    found = extract(text, when, publisher=publisher, source=source, measures=measures)
    if output is ExtractFormat.JSON:
        candidates = [
            CandidateRead.model_validate(c.as_dict()).model_dump(mode="json")
            for c in found.candidates
        ]
        typer.echo(orjson.dumps(candidates, option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo(
        to_toml(
            found,
            heading=f"Candidates from {file} (published {when}) by `depstats extract`.\n"
            "Review every block: keep, correct or delete it; then run `depstats check`.",
        ),
        nl=False,
    )


def _string(value: object, path: Path, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _fail(f'{path}: `{name}` must be a string, such as "2018-02"; it is {value!r}')


@cli.command("score-extraction")
def score_extraction(
    folder: Annotated[
        Path,
        typer.Argument(help="A labelled set: <name>.txt texts beside <name>.toml labels."),
    ] = Path("tests/extraction"),
) -> None:
    """Score the extractor on a labelled set: precision, recall and the right qualifier."""
    from app.scoring import read_labelled, score

    if not folder.is_dir():
        raise _fail(f"{folder}: no such folder")
    labelled = read_labelled(folder)
    result = score(labelled)
    for kind, items in (
        ("missed", result.missed),
        ("not a labelled claim", result.extra),
        ("wrong qualifier", result.wrong_qualifier),
    ):
        for item in items:
            typer.echo(f"{kind}: {item}")
    typer.echo(
        f"{len(labelled)} texts, {result.claims} labelled claims, {result.candidates} candidates\n"
        f"precision {result.precision:.1%} ({result.found}/{result.candidates})\n"
        f"recall {result.recall:.1%} ({result.found}/{result.claims})\n"
        f"right qualifier {result.qualifier_share:.1%} ({result.right_qualifier}/{result.claims})"
    )


def main() -> None:
    cli()
