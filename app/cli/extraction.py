"""`depstats extract` and `depstats score-extraction`: proposing figures from a text."""

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from app.cli.common import DataOption, failure, settings_or_exit


class ExtractFormat(StrEnum):
    TOML = "toml"
    JSON = "json"


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
    from app.extract import KnownMeasure, extract, to_toml
    from app.schemas.candidates import CandidateRead

    try:
        with file.open(encoding="utf-8", newline="") as handle:  # offsets as data/ counts them
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise failure(f"{file}: cannot read it as UTF-8 text: {exc}") from None
    sibling = file.with_suffix(".toml")
    if sibling.is_file():
        try:
            meta = tomllib.loads(sibling.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise failure(f"{sibling}: {exc}") from None
        # Strings only: a TOML date (published = 2018-02-01, unquoted) is not data/'s format.
        published = published or _string(meta.get("published"), sibling, "published")
        publisher = publisher or _string(meta.get("publisher"), sibling, "publisher")
        source = source or _string(meta.get("id"), sibling, "id")
    if not published:
        raise failure(f"{file}: say when it was published: --published YYYY[-MM[-DD]]")
    try:
        when = parse_partial_date(published)
    except ValueError as exc:
        raise failure(f"--published: {exc}") from None
    measures: list[KnownMeasure] = []
    measures_path = (data or settings_or_exit().data_dir) / "measures.toml"
    if measures_path.is_file():
        try:
            table = tomllib.loads(measures_path.read_text(encoding="utf-8"))
            measures = [
                KnownMeasure.of(m["id"], m["kind"], m["subject"], m["predicate"])
                for m in table.get("measure", [])
            ]
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
            raise failure(
                f"{measures_path}: cannot read the measures' ids, kinds and words ({exc!r}): "
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
    raise failure(f'{path}: `{name}` must be a string, such as "2018-02"; it is {value!r}')


def score_extraction(
    folder: Annotated[
        Path,
        typer.Argument(help="A labelled set: <name>.txt texts beside <name>.toml labels."),
    ] = Path("tests/extraction"),
) -> None:
    """Score the extractor on a labelled set: precision, recall and the right qualifier, for
    the body and for the headline apart."""
    from app.scoring import read_labelled, score

    if not folder.is_dir():
        raise failure(f"{folder}: no such folder")
    try:
        labelled = read_labelled(folder)
    except ValueError as error:
        raise failure(str(error)) from None
    results = score(labelled)
    for part, result in results.items():
        for kind, items in (
            ("missed", result.missed),
            ("not a labelled claim", result.extra),
            ("wrong qualifier", result.wrong_qualifier),
        ):
            for item in items:
                typer.echo(f"{kind} ({part}): {item}")
    typer.echo(f"{len(labelled)} texts")
    for part, result in results.items():
        precision = f"{result.precision:.1%}" if result.candidates else "-"
        typer.echo(
            f"{part}: {result.claims} labelled claims, {result.candidates} candidates\n"
            f"  precision {precision} ({result.found}/{result.candidates})\n"
            f"  recall {result.recall:.1%} ({result.found}/{result.claims})\n"
            f"  right qualifier {result.qualifier_share:.1%} "
            f"({result.right_qualifier}/{result.claims})"
        )
