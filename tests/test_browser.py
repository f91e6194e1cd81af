"""The pages in a real browser, as a person uses them: Debian's chromium driven by Playwright.

These fail (never skip) when chromium or axe-core is missing: .ci/run installs both
(`apt-get install chromium`; `npm ci` for package.json) and runs them once, on SQLite.
CHROMIUM names another binary.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from helpers import SOURCE_ID

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGE_TYPES = [
    "/",
    "/about",
    "/search?q=removed",
    "/figures/final-removal-orders-2017-12",
    f"/sources/{SOURCE_ID}",
    "/measures/removals-us-to-cambodia",
    "/derived/admissions-1975-2000",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for this module, closed at its end: Playwright's sync API runs an event
    loop in this thread while it is open, which later tests' asyncio.run() cannot share."""
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is needed: apt-get install -y chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    yield opened
    context.close()


def test_a_reporter_searches_and_opens_the_first_result(live_server: str, page: Page) -> None:
    page.goto(f"{live_server}/")
    page.get_by_label("Search the figures").fill("Cambodians deported last year")
    page.get_by_label("Search the figures").press("Enter")
    page.wait_for_url("**/search?q=Cambodians+deported+last+year")
    page.locator("ol.results a").first.click()
    page.wait_for_url("**/figures/removals-2017")
    assert page.locator("p.display").inner_text() == "28"


def test_copy_puts_the_statement_on_the_clipboard(live_server: str, browser: Browser) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server}/figures/final-removal-orders-2017-12")
    statement = page.locator("#statement").inner_text()
    page.locator("button[data-copy=statement]").click()
    assert page.evaluate("navigator.clipboard.readText()") == statement
    assert statement.startswith("More than 1,900 Cambodian nationals")
    context.close()


def test_the_quote_link_scrolls_to_its_highlight_in_the_source(
    live_server: str, page: Page
) -> None:
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(f"{live_server}/figures/final-removal-orders-2017-12")
    page.get_by_role("link", name="See it in the source").click()
    page.wait_for_url(f"**/sources/{SOURCE_ID}#final-removal-orders-2017-12")
    highlight = page.locator("a.quote#final-removal-orders-2017-12")
    assert highlight.locator("mark").inner_text() == "1,900"
    box = highlight.bounding_box()
    assert box is not None and 0 <= box["y"] < 600  # in view, not below the fold


def test_a_retracted_figure_shows_its_banner(
    live_server: str, page: Page, writer: dict[str, str]
) -> None:
    answer = httpx.post(
        f"{live_server}/v1/figures/removals-2017/retract",
        headers=writer,
        json={"reason": "the ministry withdrew its count"},
    )
    assert answer.status_code == 200, answer.text
    page.goto(f"{live_server}/figures/removals-2017")
    banner = page.get_by_role("alert")
    assert "the ministry withdrew its count" in banner.inner_text()


def test_a_figure_reads_with_javascript_off(live_server: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/figures/final-removal-orders-2017-12")
    text = page.locator("main").inner_text()
    assert "more than 1,900" in text and "More than 1,900 Cambodian nationals" in text
    assert "Chicago 18th, author-date" in text
    assert not page.locator("button.copy").first.is_visible()  # nothing that cannot work
    context.close()


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_each_page_fits_320_pixels_keeps_its_policy_and_passes_axe(
    live_server: str, browser: Browser, path: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_server}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    # axe-core, evaluated as the test's own code: no script tag, no change to the page's CSP.
    if not AXE.is_file():
        pytest.fail("axe-core is needed: npm ci, in the repository's root")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in found["violations"]]
    assert violations == [], path
    assert refused == [], path
    context.close()
