"""Citations for reference managers: BibTeX, RIS and CSL-JSON entries for a source and for a
figure's record in this dataset, and the export of several figures at once, each key once.

A source's key is its id; a figure's record's is `deportation-stats:` and the figure's id,
stable as ids are. No access date unless one is given (ISO, YYYY-MM-DD).
"""

import json
import re
from dataclasses import dataclass

from app.dates import parse_partial_date


@dataclass(frozen=True)
class CitedSource:
    id: str
    title: str
    publisher: str
    author: str | None
    published: str  # ISO 8601 at its precision
    url: str | None
    language: str


@dataclass(frozen=True)
class CitedFigure:
    id: str
    statement: str
    permalink: str  # where the figure is served
    title: str  # what the record is called: the measure, when, and the number
    revision: int
    revised: str  # the revision's date, YYYY-MM-DD


DATASET = "deportation-stats"
LICENCE = "CC BY 4.0"


def record_key(figure: CitedFigure) -> str:
    """The figure's record's key in BibTeX, RIS and CSL-JSON: stable, as its id is."""
    return f"{DATASET}:{figure.id}"


# biblatex's `language` takes babel's names, not ISO codes; a code not listed stays a code.
_BIBLATEX_LANGUAGES = {"en": "english", "fr": "french", "de": "german", "es": "spanish",
                       "pt": "portuguese", "it": "italian", "nl": "dutch"}  # fmt: skip
_BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                  "dec"]  # fmt: skip


def author_inverted(author: str) -> str:
    """ "Ben Sokhean" -> "Sokhean, Ben" (MLA, Chicago)."""
    parts = author.split()
    return author if len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


# Each character LaTeX reads as a command, as BibTeX must write it; one pass, so that no
# replacement is escaped again.
_BIBTEX_ESCAPES = {c: f"\\{c}" for c in "&%$#_{}"} | {
    "\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"
}  # fmt: skip
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_ESCAPES))


def _bibtex_text(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], text)


def _bibtex_title(title: str) -> str:
    # Braces keep capitals (proper nouns, "US") when a style lowercases the title.
    return " ".join(
        f"{{{w}}}" if any(c.isupper() for c in w) else w for w in _bibtex_text(title).split(" ")
    )


def _bibtex_entry(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def _bibtex_source(source: CitedSource) -> str:
    date = parse_partial_date(source.published)
    fields = [("title", f"{{{_bibtex_title(source.title)}}}")]
    if source.author:
        fields.append(("author", f"{{{_bibtex_text(source.author)}}}"))
    fields += [("journal", f"{{{_bibtex_text(source.publisher)}}}"), ("year", f"{{{date.year}}}")]
    if date.month:
        fields.append(("month", _BIBTEX_MONTHS[date.month - 1]))
    if date.day:
        fields.append(("day", f"{{{date.day}}}"))
    language = _BIBLATEX_LANGUAGES.get(source.language, source.language)
    fields.append(("language", f"{{{language}}}"))
    if source.url:
        fields.append(("url", f"{{{source.url}}}"))
    return _bibtex_entry("article", source.id, fields)


def _bibtex_record(figure: CitedFigure, source: CitedSource, accessed: str | None) -> str:
    year, month, day = revised(figure)
    fields = [
        ("title", f"{{{_bibtex_text(figure.title)}}}"),
        ("author", f"{{{{{DATASET}}}}}"),  # braced twice: one name, not "Stats, Deportation"
        ("publisher", f"{{{DATASET}}}"),
        ("year", f"{{{year}}}"),
        ("month", _BIBTEX_MONTHS[month - 1]),
        ("day", f"{{{day}}}"),
        ("version", f"{{revision {figure.revision}}}"),
        ("url", f"{{{figure.permalink}}}"),
    ]
    if accessed:
        fields.append(("urldate", f"{{{accessed}}}"))
    fields += [
        ("note", f"{{{_bibtex_text(record_note(figure))}}}"),
        ("related", f"{{{source.id}}}"),
    ]
    return _bibtex_entry("misc", record_key(figure), fields)


def _ris_source(source: CitedSource) -> str:
    date = parse_partial_date(source.published)
    lines = [("TY", "NEWS"), ("ID", source.id), ("TI", source.title)]
    if source.author:
        lines.append(("AU", author_inverted(source.author)))
    lines += [
        ("T2", source.publisher),
        ("PB", source.publisher),
        ("PY", str(date.year)),
        ("DA", _ris_date(date.year, date.month, date.day)),
        ("LA", source.language),
    ]
    if source.url:
        lines.append(("UR", source.url))
    return _ris_lines(lines)


def _ris_record(figure: CitedFigure, source: CitedSource, accessed: str | None) -> str:
    year, month, day = revised(figure)
    lines = [
        ("TY", "DATA"),
        ("ID", record_key(figure)),
        ("TI", figure.title),
        ("AU", DATASET),
        ("PB", DATASET),
        ("PY", str(year)),
        ("DA", _ris_date(year, month, day)),
        ("ET", f"revision {figure.revision}"),
        ("UR", figure.permalink),
    ]
    if accessed:
        lines.append(("Y2", accessed.replace("-", "/") + "/"))
    lines.append(("N1", f"{record_note(figure)} Source: {source.id}."))
    return _ris_lines(lines)


def _ris_lines(lines: list[tuple[str, str]]) -> str:
    return "".join(f"{tag}  - {value}\n" for tag, value in [*lines, ("ER", "")])


def _ris_date(year: int, month: int | None, day: int | None) -> str:
    """RIS dates are YYYY/MM/DD/ with unknown parts left empty: "2018/02//"."""
    return f"{year}/{f'{month:02d}' if month else ''}/{f'{day:02d}' if day else ''}/"


def _csl_source(source: CitedSource) -> dict[str, object]:
    date = parse_partial_date(source.published)
    parts = [p for p in (date.year, date.month, date.day) if p]
    item: dict[str, object] = {
        "id": source.id,
        "type": "article-newspaper",
        "title": source.title,
        "container-title": source.publisher,
        "publisher": source.publisher,
        "issued": {"date-parts": [parts]},
        "language": source.language,
    }
    if source.author:
        parts_of_name = source.author.split()
        item["author"] = [{"family": parts_of_name[-1], "given": " ".join(parts_of_name[:-1])}]
    if source.url:
        item["URL"] = source.url
    return item


def _csl_record(
    figure: CitedFigure, source: CitedSource, accessed: str | None
) -> dict[str, object]:
    item: dict[str, object] = {
        "id": record_key(figure),
        "type": "dataset",
        "title": figure.title,
        "author": [{"literal": DATASET}],
        "publisher": DATASET,
        "issued": {"date-parts": [list(revised(figure))]},
        "version": str(figure.revision),
        "URL": figure.permalink,
        "note": f"{record_note(figure)} Source: {source.id}.",
    }
    if accessed:
        item["accessed"] = {"date-parts": [[int(p) for p in accessed.split("-")]]}
    return item


def revised(figure: CitedFigure) -> tuple[int, int, int]:
    year, month, day = (int(part) for part in figure.revised.split("-"))
    return year, month, day


def record_note(figure: CitedFigure) -> str:
    return f"{figure.statement} {LICENCE}."


Cited = list[tuple[CitedSource, CitedFigure]]


def _distinct(cited: Cited) -> tuple[list[tuple[CitedSource, CitedFigure]], list[CitedSource]]:
    """Each figure once, in the order given; each source once, in the order first cited."""
    figures = list({figure.id: (source, figure) for source, figure in cited}.values())
    sources = list({source.id: source for source, _ in cited}.values())
    return figures, sources


def bibtex(cited: Cited, accessed: str | None = None) -> str:
    """Each figure's record, then each distinct source: BibTeX keys never repeat."""
    figures, sources = _distinct(cited)
    entries = [_bibtex_record(f, s, accessed) for s, f in figures]
    return "\n".join(entries + [_bibtex_source(s) for s in sources])


def ris(cited: Cited, accessed: str | None = None) -> str:
    figures, sources = _distinct(cited)
    entries = [_ris_record(f, s, accessed) for s, f in figures]
    return "".join(entries + [_ris_source(s) for s in sources])


def csl_json(cited: Cited, accessed: str | None = None) -> str:
    figures, sources = _distinct(cited)
    items = [_csl_record(f, s, accessed) for s, f in figures] + [_csl_source(s) for s in sources]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def bibtex_source(source: CitedSource) -> str:
    return _bibtex_source(source)


def ris_source(source: CitedSource) -> str:
    return _ris_source(source)


def csl_json_source(source: CitedSource) -> str:
    return json.dumps([_csl_source(source)], ensure_ascii=False, indent=2) + "\n"
