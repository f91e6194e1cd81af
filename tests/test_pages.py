"""Pages for people, read as HTML: what each shows, that no stored text becomes markup, that a
browser opening an API URL is sent to its page while programs get what they always got, and
that pages are cached per version like the JSON and never stale after a write."""

import hashlib
import json
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.pages import ASSETS, highlighted_text
from app.routers import pages as page_routes
from app.schemas.fields import Span
from app.schemas.reads import FigureRead
from helpers import SOURCE_ID

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
FIGURE = "final-removal-orders-2017-12"
ASSET = {
    path.name: f"/assets/{path.name}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    for path in ASSETS.iterdir()
}
PAGES = [
    "/",
    "/about",
    "/search?q=deported",
    f"/figures/{FIGURE}",
    f"/sources/{SOURCE_ID}",
    "/measures/final-removal-orders",
    "/derived/admissions-1975-2000",
    "/measures",
    "/sources",
    "/derived",
]


class Page(HTMLParser):
    """What a test reads of a page: its elements' attributes, its text, its JSON-LD."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.linked_data: list[dict] = []
        self._in_ld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.elements.append((tag, found))
        self._in_ld = tag == "script" and found.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.linked_data.append(json.loads(data))
        else:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False

    def all(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        ]

    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(client: TestClient, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return Page(response.text)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_html_in_english_under_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    read = Page(response.text)
    assert read.all("html", lang="en")
    # Nothing inline for the policy to refuse: no style attribute, no script but files and
    # JSON-LD data blocks, no stylesheet but the app's own.
    assert not [attrs for _, attrs in read.elements if "style" in attrs]
    for script in read.all("script"):
        assert script.get("src", "").startswith("/assets/") or (
            script.get("type") == "application/ld+json"
        )
    assert [s["href"] for s in read.all("link", rel="stylesheet")] == [ASSET["site.css"]]
    # An icon of the app's own: without one a browser asks for /favicon.ico and logs its 404.
    assert [s["href"] for s in read.all("link", rel="icon")] == [ASSET["icon.svg"]]


def test_the_pages_files_are_kept_a_year_at_the_digested_urls_the_pages_name(
    client: TestClient,
) -> None:
    home = page(client, "/")
    named = [s["src"] for s in home.all("script") if s.get("src")] + [
        s["href"] for s in home.all("link") if s.get("rel") in ("stylesheet", "icon")
    ]
    assert len(named) >= 3 and set(named) <= set(ASSET.values())
    for name, url in ASSET.items():
        kept = client.get(url)
        assert kept.status_code == 200
        assert kept.content == (ASSETS / name).read_bytes()
        assert kept.headers["cache-control"] == "public, max-age=31536000, immutable"
        # The same file at a bare or an old URL is not kept long: it may change with a release.
        for other in (f"/assets/{name}", f"/assets/{name}?v=0000000000000000"):
            assert client.get(other).headers["cache-control"] == "public, max-age=60"


def test_the_figure_page_shows_the_figure_as_it_must_be_printed_and_cited(
    client: TestClient,
) -> None:
    read = page(client, f"/figures/{FIGURE}")
    words = read.words()
    for said in (
        "more than 1,900",  # the display, with its qualifier
        "Cambodian nationals in the US under a final order of removal",  # what it counts
        "as of December 2017",  # when, at its precision
        "Brendan Raedy, a spokesman for US Immigration and Customs Enforcement",  # who said it
        "Cambodia committed to repatriation of US deportees",  # the source
        "APA 7",
        "MLA 9",
        "Chicago 18th, author-date",
        "Revision 1, 2026-11-26, by the curators, from the dataset's files",
    ):
        assert said in words, said
    statement = client.get(f"/v1/figures/{FIGURE}").json()["statement"]
    assert statement in words
    assert read.all("a", href=f"/sources/{SOURCE_ID}#{FIGURE}")
    assert read.all("a", href="http://testserver/figures/" + FIGURE, id="permalink")
    for style in ("ris", "bibtex", "csl-json"):
        assert read.all("a", href=f"/v1/figures/{FIGURE}/citation?style={style}")
    # The page embeds the figure's JSON-LD, and its link preview is the display and measure.
    api = client.get(f"/v1/figures/{FIGURE}", headers={"Accept": "application/ld+json"})
    assert read.linked_data == [api.json()]
    [title] = read.all("meta", property="og:title")
    assert title["content"] == (
        "more than 1,900: Cambodian nationals in the US under a final order of removal"
    )
    assert read.all("meta", property="og:description")[0]["content"] == statement


def test_a_figure_page_links_the_pages_of_the_derived_figures_using_it(client: TestClient) -> None:
    hrefs = [a["href"] for a in page(client, f"/figures/{FIGURE}").all("a")]
    assert "/derived/final-removal-orders-criminal-share-2017-12" in hrefs
    assert not [h for h in hrefs if h.startswith("/v1/derived/")]  # a page, not a redirect


def test_a_figure_page_says_what_its_source_narrows_the_count_to(client: TestClient) -> None:
    """28 counts removals of those convicted of crimes, not every removal: the page's
    heading, title and link preview say so, as its sentence does."""
    read = page(client, "/figures/removals-2017")
    counts = "Removals of Cambodian nationals convicted of crimes from the US to Cambodia"
    assert counts in read.words()
    assert read.all("meta", property="og:title", content=f"28: {counts}")
    # With no restriction, the measure's name alone.
    assert "<h1>Cambodian nationals in the US under a final order of removal</h1>" in (
        client.get(f"/figures/{FIGURE}").text
    )
    apa = client.get("/v1/figures/removals-2017/citation?style=apa").text
    assert "Removals of Cambodian nationals convicted of crimes from the US to Cambodia" in apa


def test_the_quote_marks_its_number(client: TestClient) -> None:
    html = client.get("/figures/removals-2017").text
    assert "<mark>Twenty-eight</mark> Cambodians convicted of crimes" in html


def test_the_source_page_marks_every_figures_number_under_its_own_anchor(
    client: TestClient,
) -> None:
    read = page(client, f"/sources/{SOURCE_ID}")
    detail = client.get(f"/v1/sources/{SOURCE_ID}").json()
    quoted = {f["id"] for f in detail["figures"]}
    anchors = {attrs["id"] for _, attrs in read.elements if attrs.get("id") in quoted}
    # Every figure, those sharing a sentence with another too, has its anchor in the text,
    # which its figure page's "See it in the source" links to.
    assert anchors == quoted
    html = client.get(f"/sources/{SOURCE_ID}").text
    for figure in detail["figures"]:
        one = client.get(f"/v1/figures/{figure['id']}").json()
        number = one["quote"][
            one["value_span"]["start"] - one["quote_span"]["start"] : one["value_span"]["end"]
            - one["quote_span"]["start"]
        ]
        linked = f'<a id="{figure["id"]}" href="/figures/{figure["id"]}"><mark>{number}</mark></a>'
        assert linked in html, figure["id"]
    assert detail["sha256"] in read.words()


def test_figures_sharing_a_sentence_each_mark_their_own_number() -> None:
    """Two figures quoting one sentence: one passage, both numbers marked, each anchored;
    a third stating the same number as the first keeps an anchor beside it."""
    text = "Before. In all 1,900 had orders, 1,412 of them for crimes. After."
    sentence = (text.index("In"), text.index(" After"))

    def read(figure_id: str, number: str) -> FigureRead:
        at = text.index(number)
        return FigureRead.model_construct(
            id=figure_id,
            quote_span=Span(start=sentence[0], end=sentence[1]),
            value_span=Span(start=at, end=at + len(number)),
        )

    pieces = highlighted_text(
        text, [read("orders", "1,900"), read("crimes", "1,412"), read("restated", "1,900")]
    )
    assert [p.text for p in pieces if not p.quoted] == ["Before. ", " After."]
    [passage] = [p.quoted for p in pieces if p.quoted]
    assert [(s.text, s.figure, s.also) for s in passage] == [
        ("In all ", None, ()),
        ("1,900", "orders", ("restated",)),
        (" had orders, ", None, ()),
        ("1,412", "crimes", ()),
        (" of them for crimes.", None, ()),
    ]


def test_a_retracted_figure_has_a_banner_with_its_reason(
    client: TestClient, writer: dict[str, str]
) -> None:
    answer = client.post(
        "/v1/figures/removals-2017/retract", headers=writer, json={"reason": "withdrawn count"}
    )
    assert answer.status_code == 200, answer.text
    read = page(client, "/figures/removals-2017")
    [banner] = read.all("div", role="alert")
    assert banner["class"] == "banner"
    assert "Retracted. withdrawn count" in read.words()


def test_no_stored_text_is_ever_rendered_as_markup(
    client: TestClient, writer: dict[str, str]
) -> None:
    etag = client.get("/v1/figures/removals-2017").headers["etag"]
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    answer = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": etag},
        json={"note": attack, "reason": attack},
    )
    assert answer.status_code == 200, answer.text
    html = client.get("/figures/removals-2017").text
    assert attack not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert not Page(html).all("img")


@pytest.mark.parametrize(
    ("api", "page_path"),
    [
        (f"/v1/figures/{FIGURE}", f"/figures/{FIGURE}"),
        (f"/v1/sources/{SOURCE_ID}", f"/sources/{SOURCE_ID}"),
        ("/v1/measures/final-removal-orders", "/measures/final-removal-orders"),
        ("/v1/derived/admissions-1975-2000", "/derived/admissions-1975-2000"),
        ("/v1/measures/final-removal-orders/figures", "/measures/final-removal-orders"),
        ("/v1/figures?q=deported", "/search?q=deported"),
        ("/v1/figures", "/"),
        ("/v1/measures", "/measures"),
        ("/v1/sources", "/sources"),
        ("/v1/derived", "/derived"),
        ("/v1", "/"),
    ],
)
def test_a_browser_opening_an_api_url_is_sent_to_its_page(
    client: TestClient, api: str, page_path: str
) -> None:
    sent = client.get(api, headers={"Accept": BROWSER}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == page_path
    assert "Accept" in sent.headers["vary"]  # a cache keeps it apart from the JSON
    assert client.get(page_path).status_code == 200
    # Programs get what they always got: no Accept, */*, JSON.
    for accept in (None, "*/*", "application/json"):
        headers = {"Accept": accept} if accept else {}
        answer = client.get(api, headers=headers, follow_redirects=False)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"


def test_an_api_answer_names_its_page(client: TestClient) -> None:
    answer = client.get(f"/v1/figures/{FIGURE}")
    assert answer.json()["links"]["page"] == f"/figures/{FIGURE}"
    assert answer.headers["link"] == f'</figures/{FIGURE}>; rel="alternate"; type="text/html"'
    source = client.get(f"/v1/sources/{SOURCE_ID}")
    assert source.json()["links"]["page"] == f"/sources/{SOURCE_ID}"
    assert source.headers["link"] == f'</sources/{SOURCE_ID}>; rel="alternate"; type="text/html"'


def test_a_cached_page_never_answers_json_nor_the_reverse(client: TestClient) -> None:
    path = f"/v1/figures/{FIGURE}"
    for _ in range(2):  # the second round is answered from the cache
        assert (
            client.get(path, headers={"Accept": BROWSER}, follow_redirects=False).status_code == 303
        )
        assert client.get(path).headers["content-type"] == "application/json"
        figure_page = client.get(f"/figures/{FIGURE}")
        assert figure_page.headers["content-type"] == "text/html; charset=utf-8"
    assert figure_page.headers["x-cache"] == "hit"


def test_a_page_is_never_stale_after_a_write(client: TestClient, writer: dict[str, str]) -> None:
    assert "a new caveat" not in client.get("/figures/removals-2017").text
    etag = client.get("/v1/figures/removals-2017").headers["etag"]
    answer = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": etag},
        json={"note": "a new caveat", "reason": "the curator's check"},
    )
    assert answer.status_code == 200, answer.text
    read = page(client, "/figures/removals-2017")
    assert "a new caveat" in read.words()
    assert "the curator's check" in read.words()  # in its history


def walk(client: TestClient, path: str) -> tuple[list[str], int]:
    """Follow a listing's rel=next links from its first page: every link to an item, and how
    many pages there were."""
    found, pages_seen, query = [], 0, ""
    while True:
        read = page(client, path + query)
        pages_seen += 1
        found += [
            a["href"] for a in read.all("a") if a["href"].count("/") == 2 and "/v1" not in a["href"]
        ]
        later = read.all("a", rel="next")
        if not later:
            return found, pages_seen
        query = later[0]["href"]
        assert query.startswith("?cursor=")  # a keyset cursor, never an offset


def test_a_measure_page_walks_its_figures_over_time_by_keyset(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_routes, "PAGE_FIGURES", 1)
    measure = "removals-us-to-cambodia"
    listed, count = walk(client, f"/measures/{measure}")
    in_time_order = [
        f"/figures/{item['id']}"
        for item in client.get(f"/v1/measures/{measure}/figures").json()["items"]
    ]
    assert len(in_time_order) >= 2
    assert [href for href in listed if href.startswith("/figures/")] == in_time_order
    assert count == len(in_time_order)
    assert client.get(f"/measures/{measure}?cursor=not-ours").status_code == 422


@pytest.mark.parametrize("kind", ["measures", "sources", "derived"])
def test_every_measure_source_and_derived_figure_is_listed_a_page_at_a_time(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(page_routes, "PAGE_FIGURES", 2)
    listed, count = walk(client, f"/{kind}")
    every = [
        f"/{kind}/{item['id']}" for item in client.get(f"/v1/{kind}?limit=100").json()["items"]
    ]
    assert [href for href in listed if href.startswith(f"/{kind}/")] == every
    assert count == max(1, -(-len(every) // 2))


def test_the_home_page_shows_each_measures_latest_figures(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(page_routes, "HOME_FIGURES", 1)
    latest = client.get("/v1/measures/removals-us-to-cambodia/figures?sort=-time&limit=1").json()
    hrefs = [a["href"] for a in page(client, "/").all("a")]
    assert f"/figures/{latest['items'][0]['id']}" in hrefs
    oldest = client.get("/v1/measures/removals-us-to-cambodia/figures?limit=1").json()
    assert f"/figures/{oldest['items'][0]['id']}" not in hrefs


def test_the_home_page_says_what_a_narrowed_figure_counts_and_when_in_its_sources_words(
    client: TestClient,
) -> None:
    """Listed under "Removals of Cambodian nationals from the US to Cambodia", a bare "28 in
    2017" reads as every removal; the article counts those convicted of crimes. And the 42,000
    is "from 1975 until the end of the 20th century" in the article, which its sentence keeps
    and its correction insists on; the reading, 1975 to 2000, follows in brackets."""
    words = page(client, "/").words()
    assert "28 convicted of crimes in 2017" in words
    admitted = "42,000 from 1975 until the end of the 20th century (1975 to 2000)"
    assert admitted in words
    figure = page(client, "/figures/non-refugee-admissions-1975-2000").words()
    assert "When from 1975 until the end of the 20th century (1975 to 2000)" in figure
    assert "from 1975 to 2000" not in figure


def test_the_search_boxes_take_no_more_than_the_search_reads(client: TestClient) -> None:
    """A question pasted whole (over 200 characters) was a 422 page about "q" and a "String";
    the boxes stop at the 200 characters /search reads."""
    boxes = page(client, "/").all("input", name="q")
    assert len(boxes) == 2 and {box["maxlength"] for box in boxes} == {"200"}
    assert client.get("/search", params={"q": "x" * 200}).status_code == 200
    assert client.get("/search", params={"q": "x" * 201}).status_code == 422


class Links(HTMLParser):
    """Every link of a page: its href and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and dict(attrs).get("href"):
            self._href, self._text = dict(attrs)["href"], []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.found.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


@pytest.mark.parametrize("path", PAGES)
def test_every_link_on_a_page_answers_a_browser_and_json_links_give_json(
    client: TestClient, path: str
) -> None:
    links = Links(client.get(path).text).found
    assert links
    for href, text in links:
        if not href.startswith("/") or href.startswith("/docs"):
            continue
        answer = client.get(href, headers={"Accept": BROWSER})
        assert answer.status_code == 200, (path, href)
        if text in ("JSON", "JSON-LD", "CSV"):
            # What the link says, even for a browser, which is otherwise sent to the page.
            media = {"JSON": "application/json", "JSON-LD": "application/ld+json"}
            assert answer.headers["content-type"].startswith(media.get(text, "text/csv")), href


def test_a_missing_figure_page_is_a_404(client: TestClient) -> None:
    assert client.get("/figures/removals-1999").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/figures/removals-1999", 404, "no figure with id 'removals-1999'"),
        ("/no-such-page", 404, "no route matches /no-such-page"),
        ("/measures/removals-us-to-cambodia?cursor=edited", 422, "the cursor is not one"),
    ],
)
def test_a_person_who_meets_an_error_gets_a_page_and_programs_get_a_problem(
    client: TestClient, path: str, status: int, says: str
) -> None:
    seen = client.get(path, headers={"Accept": BROWSER})
    assert seen.status_code == status
    assert "Accept" in seen.headers["vary"]
    assert seen.headers["content-type"] == "text/html; charset=utf-8"
    assert seen.headers["content-security-policy"].startswith("default-src 'self'")
    assert seen.headers["cache-control"] == "no-store"
    read = Page(seen.text)
    assert says in read.words().lower()
    assert "`" not in read.words() and "Unprocessable" not in read.words()
    assert {"/", "/search"} <= {a["href"] for a in read.all("a")}
    for accept in (None, "*/*", "application/json"):
        answer = client.get(path, headers={"Accept": accept} if accept else {})
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/problem+json"
        assert "Accept" in answer.headers["vary"]
        assert says in answer.text  # its detail, or its errors
    # The API's own URLs answer problems to everyone, browsers too.
    api = client.get("/v1/no-such-thing", headers={"Accept": BROWSER})
    assert api.headers["content-type"] == "application/problem+json"


def test_search_ranks_what_a_reporter_types_and_marks_the_words_it_matched(
    client: TestClient,
) -> None:
    read = page(client, "/search?q=Cambodians+deported+last+year")
    results = [a["href"] for a in read.all("a") if (a.get("href") or "").startswith("/figures/")]
    assert results[0] == "/figures/removals-2017"
    html = client.get("/search?q=Cambodians+deported+last+year").text
    assert "<mark>Cambodian</mark>" in html  # the stem matched, the word as written
    # The quote shows the words the figure was found by, which its sentence may not hold.
    assert "<mark>deported</mark> <mark>last</mark> <mark>year</mark>" in html
    assert "figures, the first" in read.words() or "figures for" in read.words()
    nothing = page(client, "/search?q=zzzz")
    assert "No figure" in nothing.words()


def test_search_says_which_words_no_figure_holds(client: TestClient) -> None:
    """Any word finds, so "deportations 2016" lists the 2017 figures: the page says that no
    figure holds 2016, or a reader could take them for 2016's."""
    read = page(client, "/search?q=deportations+2016")
    assert "No figure holds “2016”: these match your other words." in read.words()
    both = page(client, "/search?q=deportations+2016+zebras").words()
    assert "No figure holds “2016” or “zebras”: these match your other words." in both
    assert "No figure holds" not in page(client, "/search?q=deportations+2017").words()
    # "Deported" has its own term and its synonyms' row: absent only if both are.
    assert "No figure holds" not in page(client, "/search?q=deported+Cambodians").words()
