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

from app.dates import parse_partial_date
from app.intervals import Interval, Quantity, combine
from app.qualifiers import Qualifier, display
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
    """The checks that span files: references exist, quotes stand at their spans, bounds agree."""
    findings: list[Finding] = []
    for figure in dataset.figures.values():
        file = dataset.files[("figure", figure.id)]

        def say(message: str, file: str = file, figure: FigureCreate = figure) -> None:
            findings.append(Finding(file, f"figure {figure.id!r}", message))

        measure = dataset.measures.get(figure.measure)
        if measure is None:
            say(f"measure {figure.measure!r} does not exist")
        elif measure.kind == "flow" and figure.period is None:
            say(f"measure {measure.id!r} is a flow: give a `period`, not `as_of`")
        elif measure.kind == "stock" and figure.as_of is None:
            say(f"measure {measure.id!r} is a stock: give `as_of`, not a `period`")
        text = dataset.texts.get(figure.source)
        if text is None:
            say(f"source {figure.source!r} does not exist")
        else:
            for finding in quote_findings(figure, text):
                say(finding)
            source = dataset.sources.get(figure.source)
            late = source and dated_after(figure, source.published)
            if late:
                say(late)
        for relation in figure.relations:
            other = dataset.figures.get(relation.figure)
            if other is None:
                if relation.figure not in dataset.broken:
                    say(f"{relation.type} {relation.figure!r}: no such figure")
            elif relation.figure == figure.id:
                say(f"{relation.type} itself")
            else:
                check = part_exceeds_whole if relation.type == "part_of" else cannot_restate
                problem = check(figure, other)
                if problem:
                    say(problem)
    findings += _loops(dataset)
    for item in dataset.derived.values():
        findings += [
            Finding(dataset.files[("derived", item.id)], f"derived {item.id!r}", m)
            for m in derived_findings(item, dataset.figures, dataset.broken)
        ]
    return findings


def _loops(dataset: Dataset) -> list[Finding]:
    """No figure may be, through others, a part (or a restatement) of itself."""
    found = []
    for kind in ("part_of", "restates"):
        edges = {
            f.id: [r.figure for r in f.relations if r.type == kind]
            for f in dataset.figures.values()
        }
        for start in sorted(edges):
            seen, frontier = set(), list(edges[start])
            while frontier:
                current = frontier.pop()
                if current == start:
                    found.append(
                        Finding(
                            dataset.files[("figure", start)],
                            f"figure {start!r}",
                            f"its {kind} relations loop back to itself",
                        )
                    )
                    break
                if current not in seen:
                    seen.add(current)
                    frontier += edges.get(current, [])
    return found


def derived_findings(
    item: DerivedCreate,
    figures: dict[str, FigureCreate],
    broken: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Its inputs exist and can be combined (no ratio over zero). An input that is there but
    broken has its own finding; this one says nothing more of it."""
    missing = [i for i in item.inputs if i not in figures]
    if missing:
        return [f"input {i!r}: no such figure" for i in missing if i not in broken]
    try:
        combine(item.operation, [quantity_of(figures[i]) for i in item.inputs])
    except ValueError as exc:
        return [str(exc)]
    return []


def quantity_of(figure: FigureCreate) -> Quantity:
    return Quantity.stated(Qualifier(figure.qualifier), figure.value)


def dated_after(figure: FigureCreate, published: str) -> str | None:
    """A source cannot count what happens after it was published."""
    start = figure.period.start if figure.period else figure.as_of
    assert start is not None
    if parse_partial_date(start).first_day() > parse_partial_date(published).last_day():
        return (
            f"its {'period starts' if figure.period else 'date is'} {start}, after its "
            f"source was published ({published})"
        )
    return None


def quote_findings(figure: FigureCreate, text: str) -> list[str]:
    """Whether the quote and value_text stand at their spans in the source's text."""
    q, v = figure.quote_span, figure.value_span
    found: list[str] = []
    if text[q.start : q.end] != figure.quote:
        where = text.find(figure.quote)
        hint = (
            f"; it occurs at {where}..{where + len(figure.quote)}"
            if where >= 0
            else ("; it occurs nowhere in the text")
        )
        found.append(
            f"quote not found at quote_span {q.start}..{q.end} "
            f"(the text there reads {text[q.start : q.end][:60]!r}){hint}"
        )
    if text[v.start : v.end] != figure.value_text:
        found.append(
            f"value_text {figure.value_text!r} not found at value_span "
            f"{v.start}..{v.end} (the text there reads {text[v.start : v.end]!r})"
        )
    return found


def part_exceeds_whole(part: FigureCreate, whole: FigureCreate) -> str | None:
    """A part can never be more than its whole: the part's lower bound must not exceed the
    whole's upper bound (figures with approximate qualifiers give no bounds: not compared)."""
    low, high = quantity_of(part).interval, quantity_of(whole).interval
    if low is None or high is None or _starts_before_end(low, high):
        return None
    assert low.lower is not None
    assert high.upper is not None
    return (
        f"is part_of {whole.id!r} but its lower bound ({float(low.lower):g}) exceeds that "
        f"figure's upper bound ({float(high.upper):g})"
    )


def cannot_restate(restating: FigureCreate, restated: FigureCreate) -> str | None:
    """A restatement must allow the number it restates: "more than 500" allows 572, "fewer than
    500" does not. Figures with approximate qualifiers give no bounds and are not compared."""
    a, b = quantity_of(restating).interval, quantity_of(restated).interval
    if a is None or b is None:
        return None
    if _starts_before_end(a, b) and _starts_before_end(b, a):
        return None
    return (
        f"restates {restated.id!r} but its bounds cannot contain that figure: "
        f"{_words(restating)} does not allow {_words(restated)}"
    )


def _starts_before_end(a: Interval, b: Interval) -> bool:
    """Whether some number is at or above a's lower bound and at or below b's upper bound."""
    if a.lower is None or b.upper is None:
        return True
    return a.lower < b.upper or (a.lower == b.upper and a.lower_closed and b.upper_closed)


def _words(figure: FigureCreate) -> str:
    return display(Qualifier(figure.qualifier), figure.value)


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
