"""What search engines and feed readers read: robots.txt (read by Protego, the RFC 9309
parser Scrapy uses), the sitemap (parsed with xml.etree, every URL fetched), the stored texts
kept out of the index, and the Atom feeds of corrections and retractions (read by
feedparser), made through the write API and never stale after it."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser

import feedparser
import pytest
from fastapi.testclient import TestClient
from protego import Protego

from app import feeds
from app.config import Settings
from app.main import create_app
from helpers import SOURCE_ID, clause_figure

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://testserver"
NEW_FIGURE = clause_figure(
    "criminal-convictions-2017-12-clause", "final-removal-orders-with-convictions"
)
# Every URL these routes answer at, for the checks all reads share.
URLS = [
    "/robots.txt",
    "/sitemap.xml",
    "/sitemaps/pages.xml",
    "/sitemaps/figures.xml",
    "/feeds/changes.atom",
    "/figures/removals-2017/changes.atom",
]


@pytest.fixture
def small_files(settings: Settings) -> Iterator[TestClient]:
    """The API with sitemap files of five pages each, so that the seed's pages fill several."""
    app = create_app(settings.model_copy(update={"sitemap_urls": 5}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def local(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url.removeprefix(BASE)


def xml(client: TestClient, path: str, root: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    document = ET.fromstring(response.content)
    assert document.tag == f"{SITEMAP}{root}"
    return document


def sitemap_pages(client: TestClient, size: int) -> dict[str, str | None]:
    """Every page the sitemap lists, with its lastmod, read file by file from the index."""
    index = xml(client, "/sitemap.xml", "sitemapindex")
    pages: dict[str, str | None] = {}
    for loc in index.iter(f"{SITEMAP}loc"):
        assert loc.text is not None
        urlset = xml(client, local(loc.text), "urlset")
        urls = urlset.findall(f"{SITEMAP}url")
        assert 1 <= len(urls) <= size
        for url in urls:
            where = url.findtext(f"{SITEMAP}loc")
            assert where is not None and where not in pages
            pages[where] = url.findtext(f"{SITEMAP}lastmod")
    return pages


def second(moment: str) -> datetime:
    """An ISO 8601 time to the second: a sitemap's lastmod and Atom's dates are written so."""
    return datetime.fromisoformat(moment).replace(microsecond=0)


def ids(client: TestClient, path: str) -> list[str]:
    return [item["id"] for item in client.get(path, params={"limit": 1000}).json()["items"]]


def test_robots_lets_crawlers_read_the_pages_and_the_stored_texts_noindex_but_not_the_api(
    client: TestClient,
) -> None:
    response = client.get("/robots.txt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    robots = Protego.parse(response.text)
    for page in (
        "/",
        "/about",
        f"/figures/{'removals-2017'}",
        f"/sources/{SOURCE_ID}",
        "/search?q=deported",  # noindex: a crawler must read it to obey that
        "/assets/site.css",
        "/sitemap.xml",
        "/feeds/changes.atom",
        f"/v1/sources/{SOURCE_ID}/text",  # its X-Robots-Tag: noindex, read only if fetched
    ):
        assert robots.can_fetch(BASE + page, "Googlebot"), page
    for api in ("/v1", "/v1/figures", "/v1/figures?format=csv", f"/v1/sources/{SOURCE_ID}"):
        assert not robots.can_fetch(BASE + api, "Googlebot"), api
    assert list(robots.sitemaps) == [f"{BASE}/sitemap.xml"]


def test_robots_names_the_sitemap_at_the_public_url(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://stats.example.org/x"}))
    with TestClient(app) as client:
        robots = Protego.parse(client.get("/robots.txt", headers={"Host": "evil.test"}).text)
        assert list(robots.sitemaps) == ["https://stats.example.org/x/sitemap.xml"]
        index = ET.fromstring(client.get("/sitemap.xml").content)
        assert all(
            (loc.text or "").startswith("https://stats.example.org/x/sitemaps/")
            for loc in index.iter(f"{SITEMAP}loc")
        )


def test_the_sitemap_lists_every_page_once_in_small_files_and_each_answers(
    small_files: TestClient,
) -> None:
    client = small_files
    pages = sitemap_pages(client, 5)
    expected = {f"{BASE}{page}" for page in ("/", "/about", "/measures", "/sources", "/derived")}
    for kind, listing in (
        ("figures", "/v1/figures?include_retracted=true"),
        ("sources", "/v1/sources"),
        ("measures", "/v1/measures"),
        ("derived", "/v1/derived"),
    ):
        expected |= {f"{BASE}/{kind}/{item}" for item in ids(client, listing)}
    assert set(pages) == expected
    assert len(pages) == 5 + 8 + 1 + 6 + 3
    for url in pages:
        assert client.get(local(url)).status_code == 200, url
    # A figure's lastmod is its latest revision's date (data/corrections.toml dates it).
    for figure in client.get("/v1/figures", params={"limit": 1000}).json()["items"]:
        lastmod = pages[f"{BASE}/figures/{figure['id']}"]
        assert lastmod is not None
        assert second(lastmod) == second(figure["updated_at"])
    assert pages[f"{BASE}/"] is None and pages[f"{BASE}/sources/{SOURCE_ID}"] is None


def test_a_sitemap_file_starts_at_the_id_its_url_names(small_files: TestClient) -> None:
    index = ET.fromstring(small_files.get("/sitemap.xml").content)
    files = [loc.text or "" for loc in index.iter(f"{SITEMAP}loc")]
    following = [url for url in files if "/sitemaps/figures.xml?from=" in url]
    assert len(following) == 1  # eight figures, five a file
    for url in following:
        start = url.rsplit("=", 1)[1]
        urlset = xml(small_files, local(url), "urlset")
        assert urlset.findtext(f"{SITEMAP}url/{SITEMAP}loc") == f"{BASE}/figures/{start}"
    assert small_files.get("/sitemaps/people.xml").status_code == 404


def test_the_sitemap_is_never_stale_after_a_write(
    client: TestClient, writer: dict[str, str]
) -> None:
    before = sitemap_pages(client, 50_000)
    assert sitemap_pages(client, 50_000) == before  # now answered from the cache
    assert client.get("/sitemaps/figures.xml").headers["x-cache"] == "hit"
    created = client.post("/v1/figures", headers=writer, json=NEW_FIGURE)
    assert created.status_code == 201, created.text
    etag = client.get("/v1/figures/removals-2017").headers["etag"]
    corrected = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": etag},
        json={"note": "a new caveat", "reason": "the curator's check"},
    )
    assert corrected.status_code == 200, corrected.text
    after = sitemap_pages(client, 50_000)
    assert set(after) - set(before) == {f"{BASE}/figures/{NEW_FIGURE['id']}"}
    lastmod = after[f"{BASE}/figures/removals-2017"]
    assert lastmod != before[f"{BASE}/figures/removals-2017"]
    assert second(lastmod or "") == second(corrected.json()["updated_at"])


def test_a_stored_text_is_noindex_and_its_page_is_indexable_without_snippets_of_it(
    client: TestClient,
) -> None:
    text = client.get(f"/v1/sources/{SOURCE_ID}/text")
    assert text.headers["x-robots-tag"] == "noindex"
    page = client.get(f"/sources/{SOURCE_ID}")
    assert "x-robots-tag" not in page.headers
    assert '<meta name="robots"' not in page.text
    # The article's body, highlights and all, is kept out of search results' snippets; the
    # page's title, metadata and figure links are not.
    body = re.search(r'<div class="text" data-nosnippet>(.*?)</div>', page.text, re.S)
    assert body is not None
    assert '<a id="removals-2017" href="/figures/removals-2017">' in body.group(1)
    outside = page.text.replace(body.group(0), "")
    assert "<h1>Cambodia committed to repatriation of US deportees</h1>" in outside
    assert client.get("/v1/sources/" + SOURCE_ID).json()["sha256"] in outside


class FeedLinks(HTMLParser):
    """The feeds a page names in its head, as a feed reader discovers them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.feeds: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        rel, kind = found.get("rel"), found.get("type")
        if tag == "link" and rel == "alternate" and kind == "application/atom+xml":
            self.feeds.append(found["href"] or "")


def atom(client: TestClient, path: str, **headers: str) -> feedparser.FeedParserDict:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    ET.fromstring(response.content)  # well-formed XML, by a strict parser too
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == BASE + path
    return parsed


def test_pages_name_their_feeds_in_their_heads(client: TestClient) -> None:
    for page in ("/", "/about"):
        assert FeedLinks(client.get(page).text).feeds == ["/feeds/changes.atom"]
    figure = FeedLinks(client.get("/figures/removals-2017").text).feeds
    assert figure == ["/figures/removals-2017/changes.atom", "/feeds/changes.atom"]


def test_the_feed_holds_the_loaded_corrections_newest_first_each_dated_by_its_day(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = atom(client, "/feeds/changes.atom")
    # data/corrections.toml: seven corrections, each dated 2026-12-02.
    assert len(parsed.entries) == 7
    assert {entry.updated for entry in parsed.entries} == {"2026-12-02T00:00:00Z"}
    first = parsed.entries[-1]
    assert first.title == (
        # What the 28 counts, narrowed by the very correction the entry is about.
        "Corrected wording: 28, Removals of Cambodian nationals convicted of crimes from the US "
        "to Cambodia (removals-2017)"
    )
    assert first.id == f"{BASE}/figures/removals-2017#revision-2"
    assert first.link == f"{BASE}/figures/removals-2017#revision-2"
    history = client.get("/v1/figures/removals-2017/history").json()
    assert first.summary == history[1]["reason"]
    assert history[1]["actor"] == "load"  # the API's word; a reader is told who that is
    assert first.author == "the curators, from the dataset's files"
    # The newest 50 only, so a feed stays small at any size; here capped at 3.
    monkeypatch.setattr(feeds, "FEED_ENTRIES", 3)
    capped = atom(client, "/feeds/changes.atom", Cookie="past=the-cache")
    assert [e.id for e in capped.entries] == [e.id for e in parsed.entries[:3]]


def test_a_correction_and_a_retraction_made_through_the_api_lead_both_feeds(
    client: TestClient, writer: dict[str, str]
) -> None:
    atom(client, "/feeds/changes.atom")  # kept by the cache: the writes must replace it
    etag = client.get("/v1/figures/final-removal-orders-2017-12").headers["etag"]
    corrected = client.patch(
        "/v1/figures/final-removal-orders-2017-12",
        headers={**writer, "If-Match": etag},
        json={"note": "ICE's count, as of December", "reason": "say whose count it is"},
    )
    assert corrected.status_code == 200, corrected.text
    retracted = client.post(
        "/v1/figures/removals-2017/retract", headers=writer, json={"reason": "withdrawn count"}
    )
    assert retracted.status_code == 200, retracted.text

    newest, correction = atom(client, "/feeds/changes.atom").entries[:2]
    assert newest.title == (
        "Retracted: 28, Removals of Cambodian nationals convicted of crimes from the US to "
        "Cambodia (removals-2017)"
    )
    assert newest.summary == "withdrawn count"
    assert newest.author == "newsroom"
    assert newest.id == f"{BASE}/figures/removals-2017#revision-3"
    assert second(newest.updated) == second(retracted.json()["updated_at"])
    assert correction.title == (
        "Corrected note: more than 1,900, Cambodian nationals in the US under a final order "
        "of removal (final-removal-orders-2017-12)"
    )
    assert correction.summary == "say whose count it is"
    assert correction.link == f"{BASE}/figures/final-removal-orders-2017-12#revision-2"
    # Each entry's link lands on the revision in the figure page's history.
    page = client.get("/figures/final-removal-orders-2017-12").text
    assert '<li id="revision-2">Revision 2' in page

    # One figure's feed holds its own changes alone.
    own = atom(client, "/figures/removals-2017/changes.atom")
    assert [e.id for e in own.entries] == [
        f"{BASE}/figures/removals-2017#revision-3",
        f"{BASE}/figures/removals-2017#revision-2",
    ]
    assert own.entries[0].title.startswith("Retracted: ")
    assert own.feed.link == f"{BASE}/figures/removals-2017"


def test_a_figure_never_corrected_has_a_feed_with_no_entry_dated_by_its_curation(
    client: TestClient,
) -> None:
    parsed = atom(client, "/figures/final-removal-orders-2017-12/changes.atom")
    assert parsed.entries == []
    assert parsed.feed.updated == "2026-11-26T00:00:00Z"
    assert client.get("/figures/removals-1999/changes.atom").status_code == 404


def test_a_reason_holding_markup_or_control_characters_is_text_in_the_feed(
    client: TestClient, writer: dict[str, str]
) -> None:
    reason = '<script>alert("x")</script> & <b>bold</b> \x01 ]]> fin'
    etag = client.get("/v1/figures/removals-2017").headers["etag"]
    answer = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": etag},
        json={"note": "changed", "reason": reason},
    )
    assert answer.status_code == 200, answer.text
    body = client.get("/feeds/changes.atom").text
    assert "<script>" not in body and "<b>" not in body
    assert "&lt;script&gt;" in body and "&amp; &lt;b&gt;" in body
    entry = atom(client, "/feeds/changes.atom").entries[0]
    # The reason as it was written, but for the one character XML cannot hold.
    assert entry.summary == reason.replace("\x01", "\ufffd")
    tree = ET.fromstring(client.get("/feeds/changes.atom").content)
    assert tree.findtext(f"{ATOM}entry/{ATOM}summary") == reason.replace("\x01", "\ufffd")


@pytest.mark.parametrize("path", URLS)
def test_each_is_cached_per_version_and_answers_head_and_if_none_match(
    client: TestClient, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    again = client.get(path)
    assert again.headers["x-cache"] == "hit" and again.content == first.content
    # They vary on no Accept: a browser's, a crawler's and a feed reader's share one copy.
    assert first.headers["vary"].startswith("Accept-Encoding")
    for accept in ("text/html,*/*;q=0.8", "application/atom+xml", "*/*"):
        assert client.get(path, headers={"Accept": accept}).headers["x-cache"] == "hit"
    etag = first.headers["etag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    assert head.headers["content-type"] == first.headers["content-type"]
    assert "public" in first.headers["cache-control"]
