"""Citations read right: fixed strings for APA, MLA and Chicago, and BibTeX, RIS and CSL-JSON
read back by the tools reference managers use."""

import json
from pathlib import Path

import bibtexparser
import citeproc
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient

from app.citations import CitedSource, Style, apa, chicago, headline_case, mla
from helpers import SOURCE_ID, assert_problem

FIGURE = "final-removal-orders-2017-12"
STATEMENT = (
    "More than 1,900 Cambodian nationals residing in the US were subject to a final order of "
    "removal as of December 2017, according to Brendan Raedy, a spokesman for US Immigration "
    "and Customs Enforcement (Khmer Times, February 2018)."
)
PERMALINK = f"http://testserver/v1/figures/{FIGURE}"


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
    source = CitedSource(
        id="x-2019",
        title="Deportees return home",
        publisher="Phnom Penh Post",
        author="Ben Sokhean",
        published="2019-03-04",
        url="https://example.org/a",
        language="en",
    )
    assert apa(source) == (
        "Sokhean, B. (2019, March 4). Deportees return home. Phnom Penh Post. https://example.org/a"
    )
    assert mla(source) == (
        "Sokhean, Ben. “Deportees Return Home.” Phnom Penh Post, "
        "4 Mar. 2019, https://example.org/a."
    )
    assert chicago(source) == (
        "Sokhean, Ben. 2019. “Deportees Return Home.” Phnom Penh Post, "
        "March 4, 2019. https://example.org/a."
    )


def test_headline_case_keeps_acronyms_and_lowers_minor_words() -> None:
    assert (
        headline_case("Cambodia committed to repatriation of US deportees")
        == "Cambodia Committed to Repatriation of US Deportees"
    )
    assert headline_case("the end of the war") == "The End of the War"


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
    from app.citations import bibtex

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
