"""Citations read right: fixed strings for APA, MLA and Chicago, and BibTeX, RIS and CSL-JSON
read back by the tools reference managers use."""

import json
from dataclasses import replace
from datetime import date

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from fastapi.testclient import TestClient

from app import citations, csl
from app.bibliography import CitedFigure, CitedSource, bibtex_source
from app.citations import Style
from helpers import SOURCE_ID, assert_problem

FIGURE = "final-removal-orders-2017-12"
STATEMENT = (
    "More than 1,900 Cambodian nationals residing in the US were subject to a final order of "
    "removal as of December 2017, according to Brendan Raedy, a spokesman for US Immigration "
    "and Customs Enforcement (Khmer Times, February 2018)."
)
PERMALINK = f"http://testserver/figures/{FIGURE}"  # the page: the permalink citations give

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
    title="Cambodians facing removal as of December 2017: about 1,900",
    revision=3,
    revised="2026-11-30",
)
NOTE = "About 1,900 Cambodians faced removal — as of December 2017. CC BY 4.0."
RECORD_KEY = f"deportation-stats:{FIGURE}"


def cite(client: TestClient, style: str, path: str = f"/v1/figures/{FIGURE}"):
    response = client.get(f"{path}/citation", params={"style": style})
    assert response.status_code == 200, response.text
    return response


# --- The prose styles (their every word: tests/test_citeproc.py, against citeproc-js) -------


def test_a_figure_is_cited_twice_the_source_then_its_record(client: TestClient) -> None:
    for style in ("apa", "mla", "chicago"):
        source, record = cite(client, style).text.splitlines()
        assert f"{source}\n" == cite(client, style, f"/v1/sources/{SOURCE_ID}").text
        assert record.startswith("deportation-stats. ") and record.count(PERMALINK) == 1
        assert "Version 1" in record
        assert cite(client, style).headers["content-type"] == "text/plain; charset=utf-8"


def test_the_text_style_gives_the_sentence_the_source_and_the_record(client: TestClient) -> None:
    revised = date.fromisoformat(client.get(f"/v1/figures/{FIGURE}").json()["updated_at"][:10])
    assert cite(client, "text").text == (
        f"{STATEMENT}\nSource: Khmer Times. 2018. “Cambodia Committed to Repatriation of US "
        f"Deportees.” February.\nFigure: deportation-stats. {revised.year}. “Cambodian Nationals "
        "in the US under a Final Order of Removal as of December 2017: More than 1,900.” "
        f"Version 1. Deportation-stats, {revised:%B} {revised.day}. {PERMALINK}.\n"
        "Licence: CC BY 4.0\n"
    )


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
        (
            "re-entry: a follow-up on long-term residents",
            "Re-Entry: A Follow-up on Long-Term Residents",
        ),
        ("a plan for a new start", "A Plan for a New Start"),  # "a" is too short to capitalise
        ("was it worth it? a look back", "Was It Worth It? A Look Back"),
        ("“home” to a place unknown", "“Home” to a Place Unknown"),
        ("", ""),
    ],
)
def test_title_case_is_citeproc_js_s(title: str, expected: str) -> None:
    assert csl.title_case(title) == expected


# --- Machine styles, read back by real parsers -----------------------------------------


def test_bibtex_parses_back_with_every_field_intact(client: TestClient) -> None:
    response = cite(client, "bibtex")
    assert response.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    library = bibtexparser.parse_string(response.text)
    assert library.failed_blocks == []
    record, source = library.entries
    assert (record.entry_type, record.key) == ("misc", RECORD_KEY)
    assert (source.entry_type, source.key) == ("article", SOURCE_ID)
    fields = {field.key: field.value for field in source.fields}
    assert fields == {
        "title": "{Cambodia} committed to repatriation of {US} deportees",
        "journal": "Khmer Times",
        "year": "2018",
        "month": "feb",
        "language": "english",  # biblatex's name for it, not the ISO code
    }
    said = {field.key: field.value for field in record.fields}
    revised = client.get(f"/v1/figures/{FIGURE}").json()["updated_at"][:10]
    assert said["author"] == "{deportation-stats}"
    assert said["version"] == "revision 1"
    assert said["url"] == PERMALINK
    assert said["note"] == f"{STATEMENT} CC BY 4.0."
    assert said["related"] == SOURCE_ID
    assert (said["year"], said["day"]) == (revised[:4], str(int(revised[8:])))
    assert "urldate" not in said


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
    library = bibtexparser.parse_string(bibtex_source(source))
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["title"] == r"50\% \& more\_than \#1"
    assert fields["journal"] == r"A \& B"


@pytest.mark.parametrize(
    ("character", "command"), [("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}")]
)
def test_bibtex_writes_tilde_and_caret_as_text_commands(character: str, command: str) -> None:
    source = replace(SIGNED, title=f"up {character}20", publisher=f"a {character} b")
    fields = {
        f.key: f.value for f in bibtexparser.parse_string(bibtex_source(source)).entries[0].fields
    }
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
        bibtex_source(replace(SIGNED, title=title)), append_middleware=[LatexDecodingMiddleware()]
    )
    assert library.entries[0].fields_dict["title"].value == title


def test_bibtex_has_the_author_day_url_and_the_figure_record_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    assert citations.cite(Style.BIBTEX, source, CITED_FIGURE, "2026-12-01") == (
        "@misc{deportation-stats:f-1,\n"
        "  title = {Cambodians facing removal as of December 2017: about 1,900},\n"
        "  author = {{deportation-stats}},\n"
        "  publisher = {deportation-stats},\n"
        "  year = {2026},\n"
        "  month = nov,\n"
        "  day = {30},\n"
        "  version = {revision 3},\n"
        "  url = {https://example.org/v1/figures/f-1},\n"
        "  urldate = {2026-12-01},\n"
        f"  note = {{{NOTE}}},\n"
        "  related = {x-2019}\n"
        "}\n"
        "\n"
        "@article{x-2019,\n"
        "  title = {{Deportees} return home},\n"
        "  author = {Mary Ann Smith},\n"
        "  journal = {Phnom Penh Post},\n"
        "  year = {2019},\n"
        "  month = mar,\n"
        "  day = {4},\n"
        "  language = {english},\n"
        "  url = {https://example.org/a}\n"
        "}\n"
    )


def test_ris_has_the_author_day_url_and_the_figure_record_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    text = citations.cite(Style.RIS, source, CITED_FIGURE, "2026-12-01")
    assert text == (
        "TY  - DATA\n"
        "ID  - deportation-stats:f-1\n"
        "TI  - Cambodians facing removal as of December 2017: about 1,900\n"
        "AU  - deportation-stats\n"
        "PB  - deportation-stats\n"
        "PY  - 2026\n"
        "DA  - 2026/11/30/\n"
        "ET  - revision 3\n"
        "UR  - https://example.org/v1/figures/f-1\n"
        "Y2  - 2026/12/01/\n"
        f"N1  - {NOTE} Source: x-2019.\n"
        "ER  - \n"
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
        "ER  - \n"
    )
    record, entry = rispy.loads(text)
    assert entry["authors"] == ["Smith, Mary Ann"] and entry["urls"] == ["https://example.org/a"]
    assert (record["type_of_reference"], record["id"]) == ("DATA", "deportation-stats:f-1")
    assert record["access_date"] == "2026/12/01/"


def test_csl_json_has_the_author_day_url_and_the_figure_record_when_there_are_some() -> None:
    source = replace(SIGNED, author="Mary Ann Smith")
    text = citations.cite(Style.CSL_JSON, source, CITED_FIGURE, "2026-12-01")
    assert json.loads(text) == [
        {
            "id": "deportation-stats:f-1",
            "type": "dataset",
            "title": "Cambodians facing removal as of December 2017: about 1,900",
            "author": [{"literal": "deportation-stats"}],
            "publisher": "deportation-stats",
            "issued": {"date-parts": [[2026, 11, 30]]},
            "version": "3",
            "URL": "https://example.org/v1/figures/f-1",
            "note": f"{NOTE} Source: x-2019.",
            "accessed": {"date-parts": [[2026, 12, 1]]},
        },
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
        },
    ]
    # Readable as it stands: indented two spaces, and UTF-8 rather than \\u escapes.
    assert text.startswith('[\n  {\n    "id": "deportation-stats:f-1",\n')
    assert "removal — as of" in text


def test_ris_parses_back_with_every_field_intact(client: TestClient) -> None:
    response = cite(client, "ris")
    assert response.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    record, entry = rispy.loads(response.text)
    assert entry == {
        "type_of_reference": "NEWS",
        "id": SOURCE_ID,
        "title": "Cambodia committed to repatriation of US deportees",
        "secondary_title": "Khmer Times",
        "publisher": "Khmer Times",
        "year": "2018",
        "date": "2018/02//",
        "language": "en",
    }
    assert (record["type_of_reference"], record["id"]) == ("DATA", RECORD_KEY)
    assert record["urls"] == [PERMALINK] and record["edition"] == "revision 1"
    assert record["notes"] == [f"{STATEMENT} CC BY 4.0. Source: {SOURCE_ID}."]
    assert "access_date" not in record


def test_csl_json_gives_each_work_as_an_item(client: TestClient) -> None:
    response = cite(client, "csl-json")
    assert response.headers["content-type"] == "application/vnd.citationstyles.csl+json"
    record, source = json.loads(response.text)
    assert record["id"] == RECORD_KEY and "accessed" not in record
    assert "author" not in source
    assert source["issued"] == {"date-parts": [[2018, 2]]}


def test_the_source_citation_has_no_figure_note(client: TestClient) -> None:
    entry = rispy.loads(cite(client, "ris", f"/v1/sources/{SOURCE_ID}").text)[0]
    assert "notes" not in entry
    assert cite(client, "text", f"/v1/sources/{SOURCE_ID}").text == (
        "Khmer Times. 2018. “Cambodia Committed to Repatriation of US Deportees.” February.\n"
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


# --- Several figures at once, for a reference manager ----------------------------------------

TWO = ["removals-2017", FIGURE, "removals-2017"]  # one asked twice; one source for both


def export(client: TestClient, style: str, ids: list[str] = TWO, **params: str):
    response = client.get("/v1/citations", params={"figure": ids, "style": style, **params})
    assert response.status_code == 200, response.text
    return response


def test_a_bibtex_export_holds_each_figure_once_and_each_source_once(client: TestClient) -> None:
    response = export(client, "bibtex")
    assert response.headers["content-disposition"] == 'attachment; filename="citations.bib"'
    library = bibtexparser.parse_string(response.text)
    assert library.failed_blocks == []  # a repeated key would fail as a duplicate
    assert [e.key for e in library.entries] == [
        "deportation-stats:removals-2017",
        RECORD_KEY,
        SOURCE_ID,
    ]


def test_a_ris_export_and_a_csl_json_export_hold_the_same_entries(client: TestClient) -> None:
    entries = rispy.loads(export(client, "ris").text)
    items = json.loads(export(client, "csl-json").text)
    keys = ["deportation-stats:removals-2017", RECORD_KEY, SOURCE_ID]
    assert [e["id"] for e in entries] == keys
    assert [i["id"] for i in items] == keys
    assert [i["type"] for i in items] == ["dataset", "dataset", "article-newspaper"]


def test_a_citation_carries_no_access_date_unless_asked_and_is_the_same_each_time(
    client: TestClient,
) -> None:
    for style in ("apa", "mla", "chicago", "text", "bibtex", "ris", "csl-json"):
        first, second = cite(client, style).text, cite(client, style).text
        assert first == second, style
        for said in ("Retrieved", "Accessed", "urldate", "Y2  -", '"accessed"'):
            assert said not in first, (style, said)
    dated = {  # APA, MLA and Chicago give none here (tests/test_citeproc.py)
        "text": "Accessed December 1, 2026.",
        "bibtex": "urldate = {2026-12-01}",
        "ris": "Y2  - 2026/12/01/",
    }
    for style, words in dated.items():
        response = client.get(
            f"/v1/figures/{FIGURE}/citation", params={"style": style, "accessed": "2026-12-01"}
        )
        assert words in response.text, style
    record = json.loads(
        client.get(
            f"/v1/figures/{FIGURE}/citation", params={"style": "csl-json", "accessed": "2026-12-01"}
        ).text
    )[0]
    assert record["accessed"] == {"date-parts": [[2026, 12, 1]]}
    assert "urldate = {2026-12-01}" in export(client, "bibtex", accessed="2026-12-01").text


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("figure=removals-2017&figure=nope", "no figure with id 'nope'"),
        ("style=bibtex", "Field required"),
        ("figure=removals-2017&style=apa", "'bibtex', 'ris' or 'csl-json'"),
        ("figure=removals-2017&accessed=yesterday", "'yesterday' is not a day that exists"),
    ],
)
def test_a_bad_export_request_is_a_422_saying_what_is_wrong(
    client: TestClient, query: str, says: str
) -> None:
    problem = assert_problem(client.get(f"/v1/citations?{query}"), 422)
    assert says in problem["errors"][0]["detail"]


@pytest.mark.parametrize(
    "accessed", ["0", "2026-02-30", "2026-12", "1 Dec 2026", "2026-W49-3", "20261202"]
)
def test_an_access_date_must_be_a_day_that_exists(client: TestClient, accessed: str) -> None:
    response = client.get(f"/v1/figures/{FIGURE}/citation", params={"accessed": accessed})
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["pointer"] == "#/accessed"


# --- An access date (pure) ---------------------------------------------------------------


def test_an_access_date_is_said_in_text_and_the_exports_only_when_told() -> None:
    said = {
        Style.TEXT: "figures/f-1. Accessed December 1, 2026.\nLicence: CC BY 4.0",
        Style.BIBTEX: "urldate = {2026-12-01}",
        Style.RIS: "Y2  - 2026/12/01/",
        Style.CSL_JSON: '"accessed": {',
    }
    for style, words in said.items():
        assert words in citations.cite(style, SIGNED, CITED_FIGURE, "2026-12-01"), style
        plain = citations.cite(style, SIGNED, CITED_FIGURE)
        assert "Accessed" not in plain and "urldate" not in plain and "Y2" not in plain, style
        assert '"accessed"' not in plain
    # APA, MLA and Chicago give none for an article or a data set with a URL (citeproc-js).
    for style in (Style.APA, Style.MLA, Style.CHICAGO):
        cited = citations.cite(style, SIGNED, CITED_FIGURE, "2026-12-01")
        assert cited == citations.cite(style, SIGNED, CITED_FIGURE)


def test_a_language_biblatex_has_no_name_for_stays_its_code() -> None:
    fields = bibtexparser.parse_string(bibtex_source(replace(SIGNED, language="km"))).entries[0]
    assert fields.fields_dict["language"].value == "km"


def test_a_source_alone_in_csl_json_is_one_item_readable_as_it_stands() -> None:
    text = citations.cite(Style.CSL_JSON, replace(SIGNED, title="Déportés"))
    assert text == (
        "[\n  {\n"
        '    "id": "x-2019",\n'
        '    "type": "article-newspaper",\n'
        '    "title": "Déportés",\n'
        '    "container-title": "Phnom Penh Post",\n'
        '    "publisher": "Phnom Penh Post",\n'
        '    "issued": {\n      "date-parts": [\n        [\n          2019,\n          3,\n'
        "          4\n        ]\n      ]\n    },\n"
        '    "language": "en",\n'
        '    "author": [\n      {\n        "family": "Sokhean",\n        "given": "Ben"\n'
        "      }\n    ],\n"
        '    "URL": "https://example.org/a"\n'
        "  }\n]\n"
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/figures/removals-2017/citation?style=ris", "removals-2017.ris"),
        ("/v1/figures/removals-2017/citation?style=bibtex", "removals-2017.bib"),
        ("/v1/figures/removals-2017/citation?style=csl-json", "removals-2017.json"),
        (f"/v1/sources/{SOURCE_ID}/citation?style=ris", f"{SOURCE_ID}.ris"),
    ],
)
def test_a_citation_file_is_saved_under_its_figures_name(
    client: TestClient, path: str, name: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    # The prose styles are read, not saved.
    prose = client.get(path.split("?")[0] + "?style=apa")
    assert "content-disposition" not in prose.headers
