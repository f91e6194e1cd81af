"""Read the curated `data/` folder and check it whole, without a database.

Layout: `sources/<id>.toml` (metadata) beside `sources/<id>.txt` (the exact stored text),
`measures.toml` (`[[measure]]` blocks), `figures/*.toml` (`[[figure]]` blocks, each figure as
first curated: its revision 1, dated by the file's `curated` day), `corrections.toml`
(`[[correction]]` blocks, optional: every change to a figure since, in order, each a revision
with its reason and its day), `organisations.toml`
(`[[organisation]]` blocks, optional: each organisation's one name and the others it goes by)
and `derived.toml` (`[[derived]]` blocks, optional).
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from app.rules import Around, derived_findings, figure_rules
from app.schemas.fields import Incoming, Line, Slug, Text
from app.schemas.inputs import DerivedCreate, FigureCreate, MeasureCreate, SourceCreate

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the data, named by file and item so a curator can find it."""

    file: str
    item: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.item}" if self.item else self.file
        return f"{where}: {self.message}"


class Organisation(Incoming):
    """An organisation figures are attributed to: the one name they give it, and the others
    sources call it by (which `depstats check` refuses, naming this one)."""

    name: Line = Field(min_length=1)
    also_called: list[Line] = Field(default_factory=list)
    note: Text | None = None


class Correction(Incoming):
    """One change to a figure after it was first curated: the fields it sets, and why."""

    figure: Slug
    date: date  # the day it was made: its revision's date in every database
    reason: Text = Field(min_length=1)
    set: dict[str, Any] = Field(min_length=1)


@dataclass
class Dataset:
    sources: dict[str, SourceCreate] = field(default_factory=dict)
    measures: dict[str, MeasureCreate] = field(default_factory=dict)
    figures: dict[str, FigureCreate] = field(default_factory=dict)
    derived: dict[str, DerivedCreate] = field(default_factory=dict)
    # Every source file's text by its file name's id, valid or not, so that figures are still
    # checked against a text whose metadata failed (a curator mid-edit sees every quote moved).
    texts: dict[str, str] = field(default_factory=dict)
    # Ids of blocks that are there but failed validation: reported once, never as missing.
    broken: set[str] = field(default_factory=set)
    # A figures file that is not valid TOML: its figures are unknown, so a figure that seems
    # missing may be in it; the file is reported once, each reference to it not again.
    unread_figures: bool = False
    # Where each item was read from, as "sources/x.toml", for messages and revision reasons.
    files: dict[tuple[str, str], str] = field(default_factory=dict)
    # A corrected figure's states in order: as first curated (reason None: revision 1), then
    # after each correction, with its reason. `figures` holds the last.
    history: dict[str, list[tuple[str | None, FigureCreate]]] = field(default_factory=dict)
    # The day of each revision data/ holds for a figure, in order: its file's `curated` day,
    # then each correction's. A load dates those revisions so, not by the clock: the same data
    # tells the same history, and cites the same revision dates, in every database.
    dated: dict[str, list[date | None]] = field(default_factory=dict)
    # Every name a listed organisation goes by -> its one name (None: no list is kept).
    organisations: dict[str, str] | None = None


class DataError(Exception):
    """The data folder cannot be used; `findings` says why, item by item."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


def read_dataset(data_dir: Path) -> Dataset:
    """Parse and check every file under `data_dir`; raise DataError listing all findings."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError([Finding(str(data_dir), None, "no such folder")])
    findings: list[Finding] = []
    dataset = Dataset()

    def rel(path: Path) -> str:
        return path.relative_to(data_dir).as_posix()

    for path in sorted((data_dir / "sources").glob("*.toml")):
        table = _read_toml(path, rel(path), findings)
        if table is None:
            continue
        text_path = path.with_suffix(".txt")
        if not text_path.is_file():
            findings.append(Finding(rel(path), None, f"its text {rel(text_path)} is missing"))
            continue
        # newline="" keeps the text exactly as stored: offsets count its every code point.
        with text_path.open(encoding="utf-8", newline="") as handle:
            table["text"] = dataset.texts[path.stem] = handle.read()
        source = _validate(SourceCreate, table, rel(path), "source", findings)
        if source is not None:
            if source.id != path.stem:
                findings.append(
                    Finding(
                        rel(path),
                        f"source {source.id!r}",
                        f"id must match the file name {path.stem!r}",
                    )
                )
            _add(dataset, "source", dataset.sources, source, rel(path), findings)

    measures_path = data_dir / "measures.toml"
    if measures_path.is_file():
        table = _read_toml(measures_path, rel(measures_path), findings) or {}
        for block in _blocks(table, "measure", rel(measures_path), findings):
            measure = _validate(MeasureCreate, block, rel(measures_path), "measure", findings)
            if measure is not None:
                _add(dataset, "measure", dataset.measures, measure, rel(measures_path), findings)
    else:
        findings.append(Finding("measures.toml", None, "missing"))

    blocks: dict[str, dict[str, Any]] = {}
    for path in sorted((data_dir / "figures").glob("*.toml")):
        table = _read_toml(path, rel(path), findings)
        if table is None:
            dataset.unread_figures = True
            continue
        curated = table.pop("curated", None)
        if curated is not None and not _a_day(curated):
            findings.append(Finding(rel(path), None, "curated must be a day: curated = 2026-11-26"))
            curated = None
        for block in _blocks(table, "figure", rel(path), findings):
            figure = _validate(FigureCreate, block, rel(path), "figure", findings)
            if figure is not None:
                _add(dataset, "figure", dataset.figures, figure, rel(path), findings)
                blocks.setdefault(figure.id, block)
                dataset.dated.setdefault(figure.id, [curated])
            elif isinstance(block, dict) and isinstance(block.get("id"), str):
                dataset.broken.add(block["id"])

    corrections_path = data_dir / "corrections.toml"
    if corrections_path.is_file():
        table = _read_toml(corrections_path, rel(corrections_path), findings) or {}
        corrections = _blocks(table, "correction", rel(corrections_path), findings)
        findings += _correct(dataset, blocks, corrections, rel(corrections_path))

    organisations_path = data_dir / "organisations.toml"
    if organisations_path.is_file():
        table = _read_toml(organisations_path, rel(organisations_path), findings) or {}
        dataset.organisations = {}
        for block in _blocks(table, "organisation", rel(organisations_path), findings):
            known = _validate(
                Organisation, block, rel(organisations_path), "organisation", findings
            )
            for name in [known.name, *known.also_called] if known else []:
                dataset.organisations.setdefault(name, known.name)  # type: ignore[union-attr]

    derived_path = data_dir / "derived.toml"
    if derived_path.is_file():
        table = _read_toml(derived_path, rel(derived_path), findings) or {}
        for block in _blocks(table, "derived", rel(derived_path), findings):
            item = _validate(DerivedCreate, block, rel(derived_path), "derived", findings)
            if item is not None:
                _add(dataset, "derived", dataset.derived, item, rel(derived_path), findings)

    findings += check_references(dataset)
    if findings:
        raise DataError(findings)
    return dataset


class _Anything:
    """Holds every id: with a figures file unread, any figure may be in it."""

    def __contains__(self, _: object) -> bool:
        return True


_ANY = _Anything()


def check_references(dataset: Dataset) -> list[Finding]:
    """The checks that span files (`app.rules`, as the write API applies them)."""
    findings: list[Finding] = []

    def targets(figure_id: str, kind: str) -> list[str]:
        figure = dataset.figures.get(figure_id)
        return [r.figure for r in figure.relations if r.type == kind] if figure else []

    for figure in dataset.figures.values():
        measure = dataset.measures.get(figure.measure)
        source = dataset.sources.get(figure.source)
        text = dataset.texts.get(figure.source)
        around = Around(
            measure_kind=measure.kind if measure else None,
            source=None if text is None else (text, source.published if source else None),
            figure=dataset.figures.get,
            targets=targets,
            unreported=_ANY if dataset.unread_figures else dataset.broken,
            measure_event=measure.event if measure else None,
            organisations=dataset.organisations,
            publisher=source.publisher if source else None,
        )
        findings += [
            Finding(dataset.files[("figure", figure.id)], f"figure {figure.id!r}", b.message)
            for b in figure_rules(figure, around)
        ]
    for item in dataset.derived.values():
        # An unread figures file may hold any input: its own finding says so.
        unreported = dataset.broken | (set(item.inputs) if dataset.unread_figures else set())
        findings += [
            Finding(dataset.files[("derived", item.id)], f"derived {item.id!r}", m)
            for m in derived_findings(item, dataset.figures, unreported)
        ]
    return findings


def _correct(
    dataset: Dataset, blocks: dict[str, dict[str, Any]], corrections: list[Any], file: str
) -> list[Finding]:
    """Apply each correction, in order, to its figure's block as it stands so far."""
    findings: list[Finding] = []
    for number, block in enumerate(corrections, 1):
        where = f"correction {number}"
        try:
            correction = Correction.model_validate(block)
        except ValidationError as exc:
            findings += [Finding(file, where, _message(e)) for e in exc.errors()]
            continue
        where = f"{where} (figure {correction.figure!r})"
        current = blocks.get(correction.figure)
        if current is None:
            if correction.figure not in dataset.broken and not dataset.unread_figures:
                findings.append(Finding(file, where, "no such figure in figures/"))
            continue
        if "id" in correction.set:
            findings.append(Finding(file, where, "a figure's id is never corrected"))
            continue
        corrected = {**current, **correction.set}
        try:
            figure = FigureCreate.model_validate(corrected)
        except ValidationError as exc:
            findings += [Finding(file, where, _message(e)) for e in exc.errors()]
            continue
        if figure == dataset.figures[figure.id]:
            findings.append(Finding(file, where, "changes nothing"))
            continue
        blocks[figure.id] = corrected
        states = dataset.history.setdefault(figure.id, [(None, dataset.figures[figure.id])])
        states.append((correction.reason, figure))
        dataset.dated.setdefault(figure.id, [None]).append(correction.date)
        dataset.figures[figure.id] = figure
    return findings


def _a_day(value: Any) -> bool:
    """A TOML date (2026-11-26), not a date-time or a string."""
    return isinstance(value, date) and type(value).__name__ == "date"


def _message(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def _read_toml(path: Path, name: str, findings: list[Finding]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        findings.append(Finding(name, None, f"not valid TOML: {exc}"))
        return None


def _blocks(table: dict[str, Any], key: str, name: str, findings: list[Finding]) -> list[Any]:
    unknown = sorted(set(table) - {key})
    if unknown:
        findings.append(
            Finding(name, None, f"unknown top-level keys {unknown}; expected only [[{key}]] blocks")
        )
    blocks = table.get(key, [])
    return blocks if isinstance(blocks, list) else []


def _validate(
    model: type[M], block: Any, file: str, kind: str, findings: list[Finding]
) -> M | None:
    try:
        return model.model_validate(block)
    except ValidationError as exc:
        item_id = block.get("id") if isinstance(block, dict) else None
        findings += [Finding(file, f"{kind} {item_id!r}", _message(e)) for e in exc.errors()]
        return None


def _add(
    dataset: Dataset, kind: str, into: dict[str, Any], item: Any, file: str, findings: list[Finding]
) -> None:
    if item.id in into:
        first = dataset.files[(kind, item.id)]
        findings.append(Finding(file, f"{kind} {item.id!r}", f"id repeats (first in {first})"))
        return
    into[item.id] = item
    dataset.files[(kind, item.id)] = file
