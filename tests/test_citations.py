"""Citations read right: fixed strings for APA, MLA and Chicago, and BibTeX, RIS and CSL-JSON
read back by the tools reference managers use."""

import json
from dataclasses import replace
from pathlib import Path

import bibtexparser
import citeproc
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient

from app import citations
from app.citations import (
    CitedFigure,
    CitedSource,
    Style,
    apa,
    bibtex,
    chicago,
    headline_case,
    mla,
    ris,
)
from helpers import SOURCE_ID, assert_problem

FIGURE = "final-removal-orders-2017-12"
STATEMENT = (
    "More than 1,900 Cambodian nationals residing in the US were subject to a final order of "
    "removal as of December 2017, according to Brendan Raedy, a spokesman for US Immigration "
    "and Customs Enforcement (Khmer Times, February 2018)."
)
PERMALINK = f"http://testserver/v1/figures/{FIGURE}"

SIGNED = CitedSource(
    id="x-2019",
    title="Deportees return home",
    publisher="Phnom Penh Post",
    author="Ben Sokhean",
    published="2019-03-04",
    url="https://example.org/a",
    language="en",
)
CITED_FIGURE = CitedFigure(
    id="f-1",
    statement="About 1,900 Cambodians faced removal — as of December 2017.",
    permalink="https://example.org/v1/figures/f-1",
)
NOTE = (
    "About 1,900 Cambodians faced removal — as of December 2017. "
    "Figure f-1, deportation-stats: https://example.org/v1/figures/f-1"
)


def cite(client: TestClient, style: str, path: str = f"/v1/figures/{FIGURE}"):
    response = client.get(f"{path}/citation", params={"style": style})
    assert response.status_code == 200, response.text
    return response


# --- The three prose styles, for a source with no named author ---------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "apa",
            "Cambodia committed to repatriation of US deportees. (2018, February). Khmer Times.\n",
        ),
        ("mla", "“Cambodia Committed to Repatriation of US Deportees.” Khmer Times, Feb. 2018.\n"),
        (
            "chicago",
            "“Cambodia Committed to Repatriation of US Deportees.” 2018. Khmer Times, "
            "February 2018.\n",
        ),
    ],
)
def test_prose_styles_lead_with_the_title_and_invent_no_author_or_day(
    client: TestClient, style: str, expected: str
) -> None:
    for path in (f"/v1/figures/{FIGURE}", f"/v1/sources/{SOURCE_ID}"):
        response = cite(client, style, path)
        assert response.text == expected
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_the_text_style_gives_the_sentence_the_source_and_the_permalink(client: TestClient) -> None:
    assert cite(client, "text").text == (
        f"{STATEMENT}\nSource: “Cambodia Committed to Repatriation of US Deportees.” 2018. "
        f"Khmer Times, February 2018.\nFigure {FIGURE}, deportation-stats (CC BY 4.0): "
        f"{PERMALINK}\n"
    )


def test_a_named_author_a_day_and_a_url_appear_when_a_source_has_them() -> None:
    assert apa(SIGNED) == (
        "Sokhean, B. (2019, March 4). Deportees return home. Phnom Penh Post. https://example.org/a"
    )
    assert mla(SIGNED) == (
        "Sokhean, Ben. “Deportees Return Home.” Phnom Penh Post, "
        "4 Mar. 2019, https://example.org/a."
    )
    assert chicago(SIGNED) == (
        "Sokhean, Ben. 2019. “Deportees Return Home.” Phnom Penh Post, "
        "March 4, 2019. https://example.org/a."
    )


def test_a_middle_name_is_kept_whole_or_as_an_initial() -> None:
    source = replace(SIGNED, author="Mary Ann Smith", url=None)
    assert apa(source) == "Smith, M. A. (2019, March 4). Deportees return home. Phnom Penh Post."
    assert mla(source) == "Smith, Mary Ann. “Deportees Return Home.” Phnom Penh Post, 4 Mar. 2019."
    assert chicago(source) == (
        "Smith, Mary Ann. 2019. “Deportees Return Home.” Phnom Penh Post, March 4, 2019."
    )


def test_a_one_word_byline_is_not_inverted() -> None:
    source = replace(SIGNED, author="AFP", url=None)
    # APA 7: a group author ends with a full stop, as an initial does.
    assert apa(source) == "AFP. (2019, March 4). Deportees return home. Phnom Penh Post."
    assert mla(source) == "AFP. “Deportees Return Home.” Phnom Penh Post, 4 Mar. 2019."
    assert chicago(source) == "AFP. 2019. “Deportees Return Home.” Phnom Penh Post, March 4, 2019."


def test_a_year_alone_is_the_whole_date() -> None:
    source = replace(SIGNED, published="2019", url=None)
    assert apa(source) == "Sokhean, B. (2019). Deportees return home. Phnom Penh Post."
    assert mla(source) == "Sokhean, Ben. “Deportees Return Home.” Phnom Penh Post, 2019."
    assert chicago(source) == "Sokhean, Ben. 2019. “Deportees Return Home.” Phnom Penh Post, 2019."
    assert rispy.loads(ris(source))[0]["date"] == "2019///"
    fields = {f.key for f in bibtexparser.parse_string(bibtex(source)).entries[0].fields}
    assert "month" not in fields and "day" not in fields


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("Will deportees return?", "Will Deportees Return?"),
        ("Home at last!", "Home at Last!"),
        ("Back to the U.S.", "Back to the U.S."),
    ],
)
def test_a_title_ending_in_its_own_punctuation_gets_no_second_full_stop(
    title: str, headline: str
) -> None:
    source = replace(SIGNED, title=title, author=None, url=None)
    assert apa(source) == f"{title} (2019, March 4). Phnom Penh Post."
    assert mla(source) == f"“{headline}” Phnom Penh Post, 4 Mar. 2019."
    assert chicago(source) == f"“{headline}” 2019. Phnom Penh Post, March 4, 2019."


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Cambodia committed to repatriation of US deportees",
            "Cambodia Committed to Repatriation of US Deportees",
        ),
        ("the end of the war", "The End of the War"),
        ("what deportees come home to", "What Deportees Come Home To"),
        ("Deportees  return  home", "Deportees  Return  Home"),
        ("the iPhone era", "The iPhone Era"),  # a brand keeps its own capitals
        ("eBay sales of mRNA kits", "eBay Sales of mRNA Kits"),
        ("macOS and miRNA", "macOS and miRNA"),
    ],
)
def test_headline_case_keeps_acronyms_and_lowers_minor_words_inside_only(
    title: str, expected: str
) -> None:
    assert headline_case(title) == expected


# --- Machine styles, read back by real parsers -----------------------------------------


def test_bibtex_parses_back_with_every_field_intact(client: TestClient) -> None:
    response = cite(client, "bibtex")
    assert response.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    library = bibtexparser.parse_string(response.text)
    assert library.failed_blocks == []
    [entry] = library.entries
    fields = {field.key: field.value for field in entry.fields}
    assert (entry.entry_type, entry.key) == ("article", SOURCE_ID)
    assert fields == {
        "title": "{Cambodia} committed to repatriation of {US} deportees",
        "journal": "Khmer Times",
        "year": "2018",
        "month": "feb",
        "language": "en",
        "note": f"{STATEMENT} Figure {FIGURE}, deportation-stats: {PERMALINK}",
    }
    assert "author" not in fields and "day" not in fields


def test_bibtex_escapes_its_special_characters() -> None:
    source = CitedSource(
        id="x-2019",
        title="50% & more_than #1",
        publisher="A & B",
        author=None,
        published="2019",
        url=None,
        language="en",
    )
    library = bibtexparser.parse_string(bibtex(source))
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["title"] == r"50\% \& more\_than \#1"
    assert fields["journal"] == r"A \& B"


@pytest.mark.parametrize(
    ("character", "command"), [("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")]
)
def test_bibtex_writes_tilde_and_caret_as_text_commands(character: str, command: str) -> None:
    source = replace(SIGNED, title=f"up {character}20", publisher=f"a {character} b")
    fields = {f.key: f.value for f in bibtexparser.parse_string(bibtex(source)).entries[0].fields}
    assert fields["title"] == f"up {command}20"
    assert fields["journal"] == f"a {command} b"


@pytest.mark.parametrize(
    "title",
    [
        "Cambodia committed to repatriation of US deportees",
        "Removals up ~20% & rising for US_deportees",
        "Deportees  return  home",
        r"AC\DC {tour} cancelled",  # a backslash and braces, not commands
    ],
)
def test_a_latex_aware_reader_gets_the_bibtex_title_back_word_for_word(title: str) -> None:
    library = bibtexparser.parse_string(
        bibtex(replace(SIGNED, title=title)), append_middleware=[LatexDecodingMiddleware()]
    )
    assert library.entries[0].fields_dict["title"].value == title


def test_bibtex_has_the_author_day_url_and_figure_note_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    assert citations.cite(Style.BIBTEX, source, CITED_FIGURE) == (
        "@article{x-2019,\n"
        "  title = {{Deportees} return home},\n"
        "  author = {Mary Ann Smith},\n"
        "  journal = {Phnom Penh Post},\n"
        "  year = {2019},\n"
        "  month = mar,\n"
        "  day = {4},\n"
        "  language = {en},\n"
        "  url = {https://example.org/a},\n"
        f"  note = {{{NOTE}}}\n"
        "}\n"
    )


def test_ris_has_the_author_day_url_and_figure_note_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    text = citations.cite(Style.RIS, source, CITED_FIGURE)
    assert text == (
        "TY  - NEWS\n"
        "ID  - x-2019\n"
        "TI  - Deportees return home\n"
        "AU  - Smith, Mary Ann\n"
        "T2  - Phnom Penh Post\n"
        "PB  - Phnom Penh Post\n"
        "PY  - 2019\n"
        "DA  - 2019/03/04/\n"
        "LA  - en\n"
        "UR  - https://example.org/a\n"
        f"N1  - {NOTE}\n"
        "ER  - \n"
    )
    [entry] = rispy.loads(text)
    assert entry["authors"] == ["Smith, Mary Ann"] and entry["urls"] == ["https://example.org/a"]


def test_csl_json_has_the_author_day_url_and_figure_note_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    text = citations.cite(Style.CSL_JSON, source, CITED_FIGURE)
    assert json.loads(text) == [
        {
            "id": "x-2019",
            "type": "article-newspaper",
            "title": "Deportees return home",
            "container-title": "Phnom Penh Post",
            "publisher": "Phnom Penh Post",
            "issued": {"date-parts": [[2019, 3, 4]]},
            "language": "en",
            "author": [{"family": "Smith", "given": "Mary Ann"}],
            "URL": "https://example.org/a",
            "note": NOTE,
        }
    ]
    # Readable as it stands: indented two spaces, and UTF-8 rather than \u escapes.
    assert text.startswith('[\n  {\n    "id": "x-2019",\n')
    assert "removal — as of" in text


def test_ris_parses_back_with_every_field_intact(client: TestClient) -> None:
    response = cite(client, "ris")
    assert response.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    [entry] = rispy.loads(response.text)
    assert entry == {
        "type_of_reference": "NEWS",
        "id": SOURCE_ID,
        "title": "Cambodia committed to repatriation of US deportees",
        "secondary_title": "Khmer Times",
        "publisher": "Khmer Times",
        "year": "2018",
        "date": "2018/02//",
        "language": "en",
        "notes": [f"{STATEMENT} Figure {FIGURE}, deportation-stats: {PERMALINK}"],
    }


def test_csl_json_renders_in_a_real_csl_processor(client: TestClient) -> None:
    response = cite(client, "csl-json")
    assert response.headers["content-type"] == "application/vnd.citationstyles.csl+json"
    items = json.loads(response.text)
    assert "author" not in items[0]
    assert items[0]["issued"] == {"date-parts": [[2018, 2]]}
    # citeproc-py renders it with the Harvard style it ships, offline.
    shipped = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
    style = CitationStylesStyle(str(shipped), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(SOURCE_ID)]))
    [rendered] = [str(entry) for entry in bibliography.bibliography()]
    # Cite Them Right leads an unsigned newspaper article with the paper's name; no person
    # and no day appear.
    assert rendered == (
        "Khmer Times (2018) “Cambodia committed to repatriation of US "
        "deportees”, Khmer Times, February."
    )


def test_the_source_citation_has_no_figure_note(client: TestClient) -> None:
    entry = rispy.loads(cite(client, "ris", f"/v1/sources/{SOURCE_ID}").text)[0]
    assert "notes" not in entry
    assert cite(client, "text", f"/v1/sources/{SOURCE_ID}").text == (
        "“Cambodia Committed to Repatriation of US Deportees.” 2018. Khmer Times, February 2018.\n"
    )


def test_an_unknown_style_is_a_422_listing_the_styles(client: TestClient) -> None:
    body = assert_problem(client.get(f"/v1/figures/{FIGURE}/citation?style=harvard"), 422)
    detail = body["errors"][0]["detail"]
    assert body["errors"][0]["pointer"] == "#/style"
    for style in Style:
        assert f"'{style.value}'" in detail


@pytest.mark.parametrize("path", [f"/v1/figures/{FIGURE}", f"/v1/sources/{SOURCE_ID}"])
@pytest.mark.parametrize(
    ("style", "accept", "status"),
    [
        ("apa", "text/csv", 406),
        ("apa", "application/json", 406),
        ("bibtex", "text/plain", 406),
        ("apa", "text/plain", 200),
        ("apa", "text/*", 200),
        ("bibtex", "application/x-bibtex", 200),
        ("csl-json", "application/vnd.citationstyles.csl+json", 200),
        ("ris", "*/*", 200),
    ],
)
def test_a_citation_answers_406_to_an_accept_it_cannot_give(
    client: TestClient, path: str, style: str, accept: str, status: int
) -> None:
    response = client.get(f"{path}/citation", params={"style": style}, headers={"Accept": accept})
    if status == 406:
        problem = assert_problem(response, 406)
        assert "ask with Accept:" in problem["detail"]
    else:
        assert response.status_code == 200, response.text
