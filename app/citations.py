"""Citations of a source, and of a figure in it, in seven styles; no author or day is invented.

APA 7, MLA 9 and Chicago 17 (author-date) are plain text (no italics markup); BibTeX, RIS and
CSL-JSON are for reference managers and are checked by real parsers in the tests.
"""

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from app.dates import parse_partial_date
from app.statements import month_name


class Style(StrEnum):
    TEXT = "text"
    APA = "apa"
    MLA = "mla"
    CHICAGO = "chicago"
    BIBTEX = "bibtex"
    RIS = "ris"
    CSL_JSON = "csl-json"


MEDIA_TYPES = {
    Style.TEXT: "text/plain; charset=utf-8",
    Style.APA: "text/plain; charset=utf-8",
    Style.MLA: "text/plain; charset=utf-8",
    Style.CHICAGO: "text/plain; charset=utf-8",
    Style.BIBTEX: "application/x-bibtex; charset=utf-8",
    Style.RIS: "application/x-research-info-systems; charset=utf-8",
    Style.CSL_JSON: "application/vnd.citationstyles.csl+json",
}


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


# MLA and Chicago capitalise titles headline style: these stay lower case inside a title.
_MINOR = {"a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at", "by",
          "in", "of", "off", "on", "per", "to", "up", "via", "with", "from", "into", "onto",
          "over", "than", "upon"}  # fmt: skip
_MLA_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
               "Nov.", "Dec."]  # fmt: skip
_BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                  "dec"]  # fmt: skip


def headline_case(title: str) -> str:
    """ "Cambodia committed to repatriation of US deportees" ->
    "Cambodia Committed to Repatriation of US Deportees"."""
    words = title.split(" ")
    out = []
    for i, word in enumerate(words):
        edge = i in (0, len(words) - 1)
        if word.lower() in _MINOR and not edge:
            out.append(word)  # kept as written: "OR" may be Oregon
        elif word.islower():  # all lower case: not "iPhone", "eBay" or "macOS", which stay
            out.append(word[:1].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _period(text: str) -> str:
    """End with exactly one full stop (a title may bring its own ? or !)."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _author_inverted(author: str) -> str:
    """ "Ben Sokhean" -> "Sokhean, Ben" (MLA, Chicago)."""
    parts = author.split()
    return author if len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


def _author_apa(author: str) -> str:
    """ "Ben Sokhean" -> "Sokhean, B." (APA)."""
    parts = author.split()
    if len(parts) < 2:  # a group author ends with its own full stop: "AFP."
        return _period(author)
    initials = " ".join(f"{p[0]}." for p in parts[:-1])
    return f"{parts[-1]}, {initials}"


def apa(source: CitedSource) -> str:
    """APA 7, newspaper article; with no author the title moves to the author position."""
    date = parse_partial_date(source.published)
    when = str(date.year)
    if date.month:
        when += f", {month_name(date.month)}"
        if date.day:
            when += f" {date.day}"
    url = f" {source.url}" if source.url else ""
    if source.author:
        return (
            f"{_author_apa(source.author)} ({when}). {_period(source.title)} "
            f"{source.publisher}.{url}"
        )
    return f"{_period(source.title)} ({when}). {source.publisher}.{url}"


def mla(source: CitedSource) -> str:
    """MLA 9; with no author the entry starts with the title."""
    date = parse_partial_date(source.published)
    when = str(date.year)
    if date.month:
        when = f"{_MLA_MONTHS[date.month - 1]} {date.year}"
        if date.day:
            when = f"{date.day} {when}"
    title = f"“{_period(headline_case(source.title))}”"
    tail = f"{source.publisher}, {when}" + (f", {source.url}" if source.url else "")
    lead = f"{_period(_author_inverted(source.author))} " if source.author else ""
    return f"{lead}{title} {_period(tail)}"


def chicago(source: CitedSource) -> str:
    """Chicago 17, author-date reference list; with no author the title leads."""
    date = parse_partial_date(source.published)
    when = str(date.year)
    if date.month:
        when = f"{month_name(date.month)} {date.year}"
        if date.day:
            when = f"{month_name(date.month)} {date.day}, {date.year}"
    title = f"“{_period(headline_case(source.title))}”"
    url = f" {source.url}." if source.url else ""
    if source.author:
        return (
            f"{_period(_author_inverted(source.author))} {date.year}. {title} "
            f"{source.publisher}, {when}.{url}"
        )
    return f"{title} {date.year}. {source.publisher}, {when}.{url}"


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


def bibtex(source: CitedSource, figure: CitedFigure | None = None) -> str:
    date = parse_partial_date(source.published)
    fields = [("title", f"{{{_bibtex_title(source.title)}}}")]
    if source.author:
        fields.append(("author", f"{{{_bibtex_text(source.author)}}}"))
    fields += [("journal", f"{{{_bibtex_text(source.publisher)}}}"), ("year", f"{{{date.year}}}")]
    if date.month:
        fields.append(("month", _BIBTEX_MONTHS[date.month - 1]))
    if date.day:
        fields.append(("day", f"{{{date.day}}}"))
    fields.append(("language", f"{{{source.language}}}"))
    if source.url:
        fields.append(("url", f"{{{source.url}}}"))
    if figure:
        fields.append(("note", f"{{{_bibtex_text(_figure_note(figure))}}}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@article{{{source.id},\n{body}\n}}\n"


def ris(source: CitedSource, figure: CitedFigure | None = None) -> str:
    date = parse_partial_date(source.published)
    lines = [("TY", "NEWS"), ("ID", source.id), ("TI", source.title)]
    if source.author:
        lines.append(("AU", _author_inverted(source.author)))
    lines += [
        ("T2", source.publisher),
        ("PB", source.publisher),
        ("PY", str(date.year)),
        ("DA", _ris_date(date.year, date.month, date.day)),
        ("LA", source.language),
    ]
    if source.url:
        lines.append(("UR", source.url))
    if figure:
        lines.append(("N1", _figure_note(figure)))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\n" for tag, value in lines)


def _ris_date(year: int, month: int | None, day: int | None) -> str:
    """RIS dates are YYYY/MM/DD/ with unknown parts left empty: "2018/02//"."""
    return f"{year}/{f'{month:02d}' if month else ''}/{f'{day:02d}' if day else ''}/"


def csl_json(source: CitedSource, figure: CitedFigure | None = None) -> str:
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
    if figure:
        item["note"] = _figure_note(figure)
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


def _figure_note(figure: CitedFigure) -> str:
    return f"{figure.statement} Figure {figure.id}, deportation-stats: {figure.permalink}"


def text(source: CitedSource, figure: CitedFigure | None = None) -> str:
    """A figure's ready sentence and where it comes from; or a source's Chicago reference."""
    reference = chicago(source)
    if figure is None:
        return reference + "\n"
    return (
        f"{figure.statement}\nSource: {reference}\nFigure {figure.id}, deportation-stats "
        f"(CC BY 4.0): {figure.permalink}\n"
    )


def cite(style: Style, source: CitedSource, figure: CitedFigure | None = None) -> str:
    match style:
        case Style.TEXT:
            return text(source, figure)
        case Style.APA:
            return apa(source) + "\n"
        case Style.MLA:
            return mla(source) + "\n"
        case Style.CHICAGO:
            return chicago(source) + "\n"
        case Style.BIBTEX:
            return bibtex(source, figure)
        case Style.RIS:
            return ris(source, figure)
        case Style.CSL_JSON:
            return csl_json(source, figure)
