"""Read the curated `data/` folder and check it whole, without a database.

Layout: `sources/<id>.toml` (metadata) beside `sources/<id>.txt` (the exact stored text),
`measures.toml` (`[[measure]]` blocks), `figures/*.toml` (`[[figure]]` blocks) and
`derived.toml` (`[[derived]]` blocks, optional).
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.rules import Around, derived_findings, figure_rules
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
    # Where each item was read from, as "sources/x.toml", for messages and revision reasons.
    files: dict[tuple[str, str], str] = field(default_factory=dict)


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

    for path in sorted((data_dir / "figures").glob("*.toml")):
        table = _read_toml(path, rel(path), findings) or {}
        for block in _blocks(table, "figure", rel(path), findings):
            figure = _validate(FigureCreate, block, rel(path), "figure", findings)
            if figure is not None:
                _add(dataset, "figure", dataset.figures, figure, rel(path), findings)
            elif isinstance(block, dict) and isinstance(block.get("id"), str):
                dataset.broken.add(block["id"])

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
            unreported=dataset.broken,
        )
        findings += [
            Finding(dataset.files[("figure", figure.id)], f"figure {figure.id!r}", b.message)
            for b in figure_rules(figure, around)
        ]
    for item in dataset.derived.values():
        findings += [
            Finding(dataset.files[("derived", item.id)], f"derived {item.id!r}", m)
            for m in derived_findings(item, dataset.figures, dataset.broken)
        ]
    return findings


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
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            findings.append(
                Finding(
                    file, f"{kind} {item_id!r}", f"{location}: {message}" if location else message
                )
            )
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
