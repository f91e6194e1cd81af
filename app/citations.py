"""Citations of a source, and of a figure in it, in seven styles; no author or day is invented.

A figure is cited twice: its source (the article), and its record in this dataset (the
dataset as author and publisher, the figure's id, its revision and that revision's date, its
permalink). No access date unless one is given, so that a citation is a function of the data.

APA 7, MLA 9 and Chicago 18th (author-date) are written as citeproc-js writes them with the
official CSL styles (tests/test_citeproc.py holds them to its output), as text or as HTML with
`<i>`; BibTeX, RIS and CSL-JSON are for reference managers and are checked by real parsers in
the tests. Keys are stable: a source's id, and `deportation-stats:` and the figure's id.
"""

from enum import StrEnum

from app import bibliography, csl
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


_MLA_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
               "Nov.", "Dec."]  # fmt: skip


def _period(text: str) -> str:
    """End with exactly one full stop (a title may bring its own ? or !)."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _author_apa(author: str) -> str:
    """ "Ben Sokhean" -> "Sokhean, B."; "Mary Jane Watson" -> "Watson, M. J."; "AFP" -> "AFP."."""
    parts = author.split()
    if len(parts) < 2:
        return _period(author)
    initials = " ".join(f"{p[0]}." for p in parts[:-1])
    return f"{parts[-1]}, {initials}"


def apa(source: CitedSource, html: bool = False) -> str:
    """APA 7, a newspaper article: the title takes an absent author's place."""
    date = parse_partial_date(source.published)
    when = str(date.year)
    if date.month:
        when += f", {month_name(date.month)}" + (f" {date.day}" if date.day else "")
    title = _period(csl.smart(source.title))
    lead = (
        f"{_author_apa(source.author)} ({when}). {title}"
        if source.author
        else (f"{title} ({when}).")
    )
    url = f" {source.url}" if source.url else ""
    return csl.entry(f"{lead} {csl.italic(source.publisher)}.{url}", html)


def mla(source: CitedSource, html: bool = False) -> str:
    """MLA 9; with no author the entry starts with the title."""
    date = parse_partial_date(source.published)
    when = _mla_date(date.year, date.month, date.day)
    lead = f"{_period(author_inverted(source.author))} " if source.author else ""
    title = f"{csl.quoted(_period(csl.title_case(source.title)))}”"
    tail = ", ".join([csl.italic(source.publisher), when] + ([source.url] if source.url else []))
    return csl.entry(f"{lead}{title} {tail}.", html)


def chicago(source: CitedSource, html: bool = False) -> str:
    """Chicago 18th, author-date reference list: an unsigned article's newspaper takes the
    author's place; the date after the title omits the year the entry already gives."""
    date = parse_partial_date(source.published)
    title = f"{csl.quoted(_period(csl.title_case(source.title)))}”"
    newspaper = csl.italic(source.publisher)
    day = " ".join(
        [month_name(date.month)] + ([str(date.day)] if date.day else []) if date.month else []
    )
    if source.author:
        lead, after = (
            _period(author_inverted(source.author)),
            ", ".join(filter(None, [newspaper, day])),
        )
    else:
        lead, after = f"{newspaper}.", day
    parts = [f"{lead} {date.year}.", title] + ([f"{after}."] if after else [])
    if source.url:
        parts.append(f"{source.url}.")
    return csl.entry(" ".join(parts), html)


def apa_record(figure: CitedFigure, html: bool = False) -> str:
    """APA 7, a data set: the dataset as author and publisher, the revision as its version."""
    year, _, _ = revised(figure)
    title = csl.italic(figure.title)
    return csl.entry(
        f"{DATASET}. ({year}). {title} (Version {figure.revision}) [Dataset]. {DATASET}. "
        f"{figure.permalink}",
        html,
    )


def mla_record(figure: CitedFigure, html: bool = False) -> str:
    """MLA 9, a data set: author, title, version, publisher, date, location."""
    year, month, day = revised(figure)
    title = f"{csl.quoted(_period(csl.title_case(figure.title)))}”"
    return csl.entry(
        f"{DATASET}. {title} Version {figure.revision}, {DATASET}, "
        f"{_mla_date(year, month, day)}, {figure.permalink}.",
        html,
    )


def chicago_record(figure: CitedFigure, html: bool = False) -> str:
    """Chicago 18th author-date, a data set."""
    year, month, day = revised(figure)
    title = f"{csl.quoted(_period(csl.title_case(figure.title)))}”"
    publisher = DATASET[:1].upper() + DATASET[1:]  # the style capitalises the sentence's start
    return csl.entry(
        f"{DATASET}. {year}. {title} Version {figure.revision}. {publisher}, "
        f"{month_name(month)} {day}. {figure.permalink}.",
        html,
    )


def _long_date(year: int, month: int, day: int) -> str:
    return f"{month_name(month)} {day}, {year}"


def _iso(day: str | None) -> tuple[int, int, int]:
    year, month, date = (int(part) for part in str(day).split("-"))
    return year, month, date


def _mla_date(year: int, month: int | None, day: int | None) -> str:
    """ "14 Mar. 2018", "Dec. 2017", "2019"."""
    return " ".join(
        ([str(day)] if day else []) + ([_MLA_MONTHS[month - 1]] if month else []) + [str(year)]
    )


def text(
    source: CitedSource, figure: CitedFigure | None = None, accessed: str | None = None
) -> str:
    """A figure's ready sentence and where it comes from (the source, then the figure's record,
    each as Chicago gives it); or a source's Chicago reference. Plain text only."""
    if figure is None:
        return chicago(source) + "\n"
    seen = f" Accessed {_long_date(*_iso(accessed))}." if accessed else ""
    return (
        f"{figure.statement}\nSource: {chicago(source)}\n"
        f"Figure: {chicago_record(figure)}{seen}\nLicence: {LICENCE}\n"
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


PROSE = frozenset(_PROSE)  # the styles that have an HTML form (?format=html)


def cite(
    style: Style,
    source: CitedSource,
    figure: CitedFigure | None = None,
    accessed: str | None = None,
    html: bool = False,
) -> str:
    """A source's citation; a figure's is two, the source's and its record's. APA, MLA and
    Chicago match citeproc-js with the official styles, which give no access date for an
    article or a data set with a URL: `accessed` shows only in `text` and the exports."""
    if style is Style.TEXT:
        return text(source, figure, accessed)
    if style in EXPORTS:
        if figure is not None:
            return EXPORTS[style]([(source, figure)], accessed)
        return SOURCE_EXPORTS[style](source)
    of_source, of_record = _PROSE[style]
    if figure is None:
        return of_source(source, html) + "\n"
    return f"{of_source(source, html)}\n{of_record(figure, html)}\n"
