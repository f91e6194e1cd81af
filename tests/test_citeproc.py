"""APA 7, MLA 9 and Chicago 18th author-date as citeproc-js writes them with the official CSL
styles and the en-US locale, for every figure and source, as text and as HTML.

The reference is tests/citeproc/reference.json, made by scripts/citeproc_reference.py from the
API's own CSL-JSON (tests/citeproc/items.json) and from the sources of tests/citeproc/
sources.json (an author, a day, a URL, titles that test title case). .ci/run makes it again
and fails if it differs from what is committed, or if node is missing.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import citations
from app.bibliography import CitedFigure, CitedSource
from app.citations import Style
from app.config import Settings
from app.main import create_app
from helpers import SOURCE_ID, assert_problem

CITEPROC = Path(__file__).parent / "citeproc"
REFERENCE = json.loads((CITEPROC / "reference.json").read_text(encoding="utf-8"))
ITEMS = json.loads((CITEPROC / "items.json").read_text(encoding="utf-8"))
MORE_SOURCES = json.loads((CITEPROC / "sources.json").read_text(encoding="utf-8"))
PUBLIC_URL = "https://deportation-stats.example"  # as the script serves the API
ACCESSED = "2026-11-30"
STYLES = ["apa", "mla", "chicago"]
FORMS = ["text", "html"]


@pytest.fixture
def public(settings: Settings) -> Iterator[TestClient]:
    """The API as the reference script serves it: at PUBLIC_URL, so the permalinks agree."""
    with TestClient(create_app(settings.model_copy(update={"public_url": PUBLIC_URL}))) as c:
        yield c


def figure_ids(client: TestClient) -> list[str]:
    return [f["id"] for f in client.get("/v1/figures", params={"limit": 1000}).json()["items"]]


def exported(client: TestClient, ids: list[str], **params: str) -> list[dict[str, object]]:
    answer = client.get("/v1/citations", params={"figure": ids, "style": "csl-json", **params})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()
    return items


def test_the_reference_is_of_what_the_api_exports(public: TestClient) -> None:
    ids = figure_ids(public)
    ours = exported(public, ids)
    with_access = [i for i in exported(public, ids, accessed=ACCESSED) if i["type"] == "dataset"]
    more = [
        item
        for source in MORE_SOURCES
        for item in json.loads(citations.cite(Style.CSL_JSON, CitedSource(**source)))
    ]
    assert ours + [i | {"id": f"{i['id']}@accessed"} for i in with_access] + more == ITEMS
    # citeproc-js read every item of the export: an entry for each, in each style and form.
    assert set(REFERENCE) == {item["id"] for item in ITEMS}
    assert all(REFERENCE[key][s][f] for key in REFERENCE for s in STYLES for f in FORMS)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("style", STYLES)
def test_every_figure_is_cited_as_citeproc_js_cites_it(
    public: TestClient, style: str, form: str
) -> None:
    for figure_id in figure_ids(public):
        source = public.get(f"/v1/figures/{figure_id}").json()["source"]["id"]
        answer = public.get(
            f"/v1/figures/{figure_id}/citation", params={"style": style, "format": form}
        )
        assert answer.status_code == 200, answer.text
        record = f"deportation-stats:{figure_id}"
        assert (
            answer.text == f"{REFERENCE[source][style][form]}\n{REFERENCE[record][style][form]}\n"
        )
        # An access date is not part of these styles' entries for an article or a data set.
        accessed = public.get(
            f"/v1/figures/{figure_id}/citation",
            params={"style": style, "format": form, "accessed": ACCESSED},
        )
        assert accessed.text.splitlines()[1] == REFERENCE[f"{record}@accessed"][style][form]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("style", STYLES)
def test_every_source_is_cited_as_citeproc_js_cites_it(
    public: TestClient, style: str, form: str
) -> None:
    answer = public.get(
        f"/v1/sources/{SOURCE_ID}/citation", params={"style": style, "format": form}
    )
    assert answer.text == f"{REFERENCE[SOURCE_ID][style][form]}\n"
    for source in MORE_SOURCES:
        ours = citations.cite(Style(style), CitedSource(**source), html=form == "html")
        assert ours == f"{REFERENCE[source['id']][style][form]}\n", source["id"]


def test_html_fragments_are_html_and_italicise_the_container(public: TestClient) -> None:
    answer = public.get(f"/v1/sources/{SOURCE_ID}/citation?style=chicago&format=html")
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.text == (
        '<div class="csl-entry"><i>Khmer Times</i>. 2018. “Cambodia Committed to Repatriation '
        "of US Deportees.” February.</div>\n"
    )


@pytest.mark.parametrize("style", ["text", "bibtex", "ris", "csl-json"])
def test_html_is_only_for_the_prose_styles(public: TestClient, style: str) -> None:
    answer = public.get(f"/v1/sources/{SOURCE_ID}/citation?style={style}&format=html")
    problem = assert_problem(answer, 422)
    (error,) = problem["errors"]
    assert error["pointer"] == "#/format"
    assert "format=html is for the apa, mla and chicago styles" in error["detail"]


def test_an_html_citation_answers_406_to_an_accept_without_html(public: TestClient) -> None:
    path = f"/v1/sources/{SOURCE_ID}/citation?style=apa&format=html"
    assert public.get(path, headers={"Accept": "text/html"}).status_code == 200
    problem = assert_problem(public.get(path, headers={"Accept": "text/plain"}), 406)
    assert "served as text/html" in problem["detail"]


def test_the_prose_styles_are_text_unless_html_is_asked_for() -> None:
    source = CitedSource(**MORE_SOURCES[0])
    for style, of_source, of_record in (
        ("apa", citations.apa, citations.apa_record),
        ("mla", citations.mla, citations.mla_record),
        ("chicago", citations.chicago, citations.chicago_record),
    ):
        assert of_source(source) == REFERENCE[source.id][style]["text"]
        assert citations.cite(Style(style), source) == f"{REFERENCE[source.id][style]['text']}\n"
        record = of_record(RECORD)
        assert not record.startswith("<div") and "<i>" not in record
        assert of_record(RECORD, html=True).startswith('<div class="csl-entry">')


RECORD = CitedFigure(
    id="f-1",
    statement="About 1,900 Cambodians faced removal.",
    permalink="https://example.org/figures/f-1",
    title="Cambodians facing removal as of December 2017: about 1,900",
    revision=3,
    revised="2026-11-30",
)
