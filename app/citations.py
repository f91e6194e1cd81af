"""Citations of a source, and of a figure in it, in seven styles; no author or day is invented.

A figure is cited twice: its source (the article), and its record in this dataset (the
dataset as author and publisher, the figure's id, its revision and that revision's date, its
permalink). No access date unless one is given, so that a citation is a function of the data.

APA 7, MLA 9 and Chicago 17 (author-date) are plain text (no italics markup); BibTeX, RIS and
CSL-JSON are for reference managers and are checked by real parsers in the tests. Their keys
are stable: a source's id, and `deportation-stats:` and the figure's id for its record.
"""

from enum import StrEnum

from app import bibliography
from app.bibliography import (
    DATASET,
    LICENCE,
    CitedFigure,
    CitedSource,
    author_inverted,
    revised,
)
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


# MLA and Chicago capitalise titles headline style: these stay lower case inside a title.
_MINOR = {"a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at", "by",
          "in", "of", "off", "on", "per", "to", "up", "via", "with", "from", "into", "onto",
          "over", "than", "upon"}  # fmt: skip
_MLA_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
               "Nov.", "Dec."]  # fmt: skip


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
    lead = f"{_period(author_inverted(source.author))} " if source.author else ""
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
            f"{_period(author_inverted(source.author))} {date.year}. {title} "
            f"{source.publisher}, {when}.{url}"
        )
    return f"{title} {date.year}. {source.publisher}, {when}.{url}"


def _long_date(year: int, month: int, day: int) -> str:
    return f"{month_name(month)} {day}, {year}"


def apa_record(figure: CitedFigure, accessed: str | None = None) -> str:
    """APA 7, a data set: the dataset as author, the revision as its version."""
    year, month, day = revised(figure)
    retrieved = f"Retrieved {_long_date(*_iso(accessed))}, from " if accessed else ""
    return (
        f"{DATASET}. ({year}, {month_name(month)} {day}). {figure.title} "
        f"(Revision {figure.revision}) [Data set]. {retrieved}{figure.permalink}"
    )


def mla_record(figure: CitedFigure, accessed: str | None = None) -> str:
    """MLA 9, a data set: author, title, version, publisher, date, location."""
    year, month, day = revised(figure)
    tail = f" Accessed {_mla_date(*_iso(accessed))}." if accessed else ""
    return (
        f"{DATASET}. {_period(figure.title)} Revision {figure.revision}, {DATASET}, "
        f"{_mla_date(year, month, day)}, {figure.permalink}.{tail}"
    )


def chicago_record(figure: CitedFigure, accessed: str | None = None) -> str:
    """Chicago author-date, a data set."""
    year, month, day = revised(figure)
    tail = f" Accessed {_long_date(*_iso(accessed))}." if accessed else ""
    return (
        f"{DATASET}. {year}. “{_period(figure.title)}” Revision {figure.revision}, "
        f"{_long_date(year, month, day)}. {figure.permalink}.{tail}"
    )


def _iso(day: str | None) -> tuple[int, int, int]:
    year, month, date = (int(part) for part in str(day).split("-"))
    return year, month, date


def _mla_date(year: int, month: int, day: int) -> str:
    return f"{day} {_MLA_MONTHS[month - 1]} {year}"


def text(
    source: CitedSource, figure: CitedFigure | None = None, accessed: str | None = None
) -> str:
    """A figure's ready sentence and where it comes from; or a source's Chicago reference."""
    reference = chicago(source)
    if figure is None:
        return reference + "\n"
    return (
        f"{figure.statement}\nSource: {reference}\n"
        f"Figure: {chicago_record(figure, accessed)} ({LICENCE})\n"
    )


EXPORTS = {
    Style.BIBTEX: bibliography.bibtex,
    Style.RIS: bibliography.ris,
    Style.CSL_JSON: bibliography.csl_json,
}
SOURCE_EXPORTS = {
    Style.BIBTEX: bibliography.bibtex_source,
    Style.RIS: bibliography.ris_source,
    Style.CSL_JSON: bibliography.csl_json_source,
}

_PROSE = {
    Style.APA: (apa, apa_record),
    Style.MLA: (mla, mla_record),
    Style.CHICAGO: (chicago, chicago_record),
}


def cite(
    style: Style,
    source: CitedSource,
    figure: CitedFigure | None = None,
    accessed: str | None = None,
) -> str:
    """A source's citation; a figure's is two, the source's and its record's."""
    if style is Style.TEXT:
        return text(source, figure, accessed)
    if style in EXPORTS:
        if figure is not None:
            return EXPORTS[style]([(source, figure)], accessed)
        return SOURCE_EXPORTS[style](source)
    of_source, of_record = _PROSE[style]
    if figure is None:
        return of_source(source) + "\n"
    return f"{of_source(source)}\n{of_record(figure, accessed)}\n"
