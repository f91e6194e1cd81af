"""The pages in a real browser, as a person uses them: Debian's chromium driven by Playwright.

These fail (never skip) when chromium or axe-core is missing: .ci/run installs both
(`apt-get install chromium`; `npm ci` for package.json) and runs them once, on SQLite.
CHROMIUM names another binary.
"""

import importlib.util
import itertools
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from helpers import SOURCE_ID, database_url, start_server, stop_server

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
    "/measures",
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


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory: pytest.TempPathFactory, loaded_template: str) -> Iterator[str]:
    """One server for the tests that only read, on its own copy of the loaded database: a
    server started per test would cost each its start-up."""
    url = database_url(tmp_path_factory.mktemp("reading"), "depstats", template=loaded_template)
    process, base = start_server(url)
    yield base
    stop_server(process)


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


@pytest.mark.parametrize("width", [1280, 320])
def test_the_home_search_box_shows_its_whole_example(
    live_server: str, browser: Browser, width: int
) -> None:
    """The example in the empty box is what a reporter reads to learn what to type: cut
    short ("Cambodians deported last"), it says less."""
    context = browser.new_context(viewport={"width": width, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/")
    room, needed = page.evaluate(
        """() => {
            const box = document.getElementById("home-q");
            const style = getComputedStyle(box);
            const context = document.createElement("canvas").getContext("2d");
            context.font = style.font;
            const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
            return [box.clientWidth - padding, context.measureText(box.placeholder).width];
        }"""
    )
    context.close()
    assert needed <= room, f"the example needs {needed:.0f} px, the box has {room:.0f}"


def test_copy_puts_the_statement_on_the_clipboard(live_server: str, browser: Browser) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server}/figures/final-removal-orders-2017-12")
    statement = page.locator("#statement").inner_text()
    page.locator("button[data-copy=statement]").click()
    assert page.evaluate("navigator.clipboard.readText()") == statement
    assert statement.startswith("More than 1,900 Cambodian nationals")
    context.close()


@pytest.mark.parametrize(
    ("figure", "number"),
    [
        ("final-removal-orders-2017-12", "1,900"),
        # It shares its sentence with the one above: its own number is still marked.
        ("final-removal-orders-criminal-2017-12", "1,412"),
    ],
)
def test_the_quote_link_scrolls_to_its_highlight_in_the_source(
    live_server: str, page: Page, figure: str, number: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(f"{live_server}/figures/{figure}")
    page.get_by_role("link", name="See it in the source").click()
    page.wait_for_url(f"**/sources/{SOURCE_ID}#{figure}")
    highlight = page.locator(f".quote a#{figure}")
    assert highlight.locator("mark").inner_text() == number
    box = highlight.bounding_box()
    assert box is not None and 0 <= box["y"] < 600  # in view, not below the fold


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1440, 900)])
def test_a_laptop_shows_what_a_figure_is_before_any_scrolling(
    live_server: str, browser: Browser, size: tuple[int, int]
) -> None:
    """The figure as it must be printed, what it counts, when, who said it and the source,
    then the ready sentence and its Copy button: all in the first screen of a laptop."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server}/figures/final-removal-orders-2017-12")
    first_screen = {
        "p.display": "more than 1,900",
        "article h1": "under a final order of removal",
        "dl.facts": "Who said it",
        "#statement": "More than 1,900 Cambodian nationals",
        "button[data-copy=statement]": "Copy",
    }
    for selector, says in first_screen.items():
        element = page.locator(selector).first
        assert says.lower() in element.inner_text().lower(), selector
        box = element.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, (selector, box)
    assert page.evaluate("window.scrollY") == 0
    context.close()


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


# Registered before any of the page's own code runs, so that every refusal is seen.
WATCH_POLICY = """
window.refusals = [];
document.addEventListener("securitypolicyviolation", e =>
    window.refusals.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_no_page_breaks_its_content_security_policy(live_server: str, browser: Browser) -> None:
    """Every page type, with its stylesheet, script and Copy buttons working, is refused
    nothing by its own policy: no event and no console message. The watch itself is checked
    first on a page made to break the policy."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    context.add_init_script(WATCH_POLICY)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{live_server}/about")
    page.evaluate("""() => {
        const inline = document.createElement("div");
        inline.setAttribute("style", "color: red");
        document.body.append(inline);
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }""")
    page.wait_for_function("window.refusals.length >= 2")
    assert any("Content Security Policy" in text for text in console)
    for path in PAGE_TYPES:
        console.clear()
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
        for button in page.locator("button.copy:visible").all():
            button.click()
        assert page.evaluate("window.refusals") == [], path
        assert not [text for text in console if "Content Security" in text], path
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "", path
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


def test_every_figure_page_fits_320_pixels_however_long_its_permalink(
    live_server: str, browser: Browser
) -> None:
    """Each figure's page shows its permalink, the longest word on it; long ids
    (removals-since-2002-rounded) pushed five of the eight pages 11 to 22 px sideways."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    ids = [f["id"] for f in httpx.get(f"{live_server}/v1/figures?limit=100").json()["items"]]
    assert "removals-since-2002-rounded" in ids
    wide = {}
    for figure_id in ids:
        page.goto(f"{live_server}/figures/{figure_id}")
        wide[figure_id] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert {k: v for k, v in wide.items() if v > 320} == {}


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_each_page_with_its_assets_weighs_50_kb_or_less_as_a_browser_gets_it(
    reading_server: str, page: Page, path: str
) -> None:
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    answer = page.goto(f"{reading_server}{path}")
    page.wait_for_load_state("networkidle")
    assert answer is not None and answer.headers.get("content-encoding") == "gzip", path
    # What crossed the wire, as chromium counts it: each answer's headers and its body as sent
    # (gzipped where the app gzips), for the page and everything it loaded, from an empty cache.
    weights = {}
    for request in finished:
        sizes = request.sizes()
        weights[request.url] = sizes["responseHeadersSize"] + sizes["responseBodySize"]
    named = page.evaluate(
        "[...document.querySelectorAll('link[rel=stylesheet], script[src], img, link[rel=icon]')]"
        ".map(e => e.href || e.src)"
    )
    assert named and set(named) <= set(weights), path  # every asset the page names is counted
    assert sum(weights.values()) <= 50_000, (path, weights)


# The longest line drawn in <main>, in characters: each character's box, grouped by the block
# it belongs to and the line (its bottom) it is drawn on.
LONGEST_LINE = """() => {
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const blocks = new Map(), lines = new Map(), range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = node.parentElement.closest('p, li, dt, dd, blockquote, h1, h2, h3, div, pre');
    if (!blocks.has(block)) blocks.set(block, blocks.size);
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width === 0) continue;  // white space folded away
      const line = `${blocks.get(block)}:${Math.round(box.bottom)}`;
      lines.set(line, (lines.get(line) || 0) + 1);
    }
  }
  return Math.max(0, ...lines.values());
}"""


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_each_page_at_1440_pixels_keeps_lines_short_and_headings_in_order(
    reading_server: str, browser: Browser, path: str
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{reading_server}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440, path
    main = page.locator("main").bounding_box()
    assert main is not None and main["width"] <= 900, path
    # WCAG 1.4.8 asks for lines of 80 characters at most; a wide screen must not stretch them.
    assert page.evaluate(LONGEST_LINE) <= 80, path
    assert page.evaluate("document.documentElement.lang") == "en", path
    levels = page.evaluate(
        "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1])"
    )
    assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
    skipped = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert skipped == [], (path, levels)
    context.close()


FIGURE = "/figures/final-removal-orders-2017-12"


def test_a_printed_figure_shows_the_figure_statement_quote_and_citation_only(
    reading_server: str, page: Page
) -> None:
    page.goto(f"{reading_server}{FIGURE}")
    chrome = ["header.site nav", "form.search", "footer.site", "button.copy >> nth=0"]
    kept = ["p.display", "#statement", "blockquote.quote", "div.citation >> nth=0"]
    assert all(page.locator(each).is_visible() for each in chrome + kept)  # on screen: all
    page.emulate_media(media="print")
    hidden = [each for each in chrome if page.locator(each).is_visible()]
    assert hidden == []
    assert all(page.locator(each).is_visible() for each in kept)
    assert page.pdf(format="A4").startswith(b"%PDF-")


FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]"
# An element's look that focus may change, to compare it focused and not.
RING = """e => { const s = getComputedStyle(e);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' '); }"""


def test_the_figure_page_is_usable_by_keyboard_with_a_visible_focus(
    reading_server: str, browser: Browser
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{reading_server}{FIGURE}")
    reachable = page.evaluate(
        f"[...document.querySelectorAll('{FOCUSABLE}')].filter(e => e.checkVisibility()).length"
    )
    # Tab from the top until focus comes round again: each stop, and how it looks focused.
    stops: list[int] = []
    focused: list[str] = []
    for _ in range(reachable + 2):
        page.keyboard.press("Tab")
        index = page.evaluate(
            f"[...document.querySelectorAll('{FOCUSABLE}')].indexOf(document.activeElement)"
        )
        if index in stops or index < 0:
            break
        stops.append(index)
        focused.append(page.evaluate(f"({RING})(document.activeElement)"))
    assert len(stops) == reachable  # every link, button and field, none skipped or trapped
    page.evaluate("document.activeElement.blur()")
    elements = page.locator(FOCUSABLE)
    unfocused = [elements.nth(index).evaluate(RING) for index in stops]
    unchanged = [
        page.evaluate(f"document.querySelectorAll('{FOCUSABLE}')[{index}].outerHTML")[:80]
        for index, ring, rest in zip(stops, focused, unfocused, strict=True)
        if ring == rest or ring.startswith("none")
    ]
    assert unchanged == []  # each shows that it has the focus

    # The first Tab reaches a skip link, in view, that takes the next Tab into the content.
    page.goto(f"{reading_server}{FIGURE}")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    # Copy answers Enter and Space as it answers a click.
    statement = page.locator("#statement").inner_text()
    page.locator("button[data-copy=statement]").focus()
    for key in ["Enter", "Space"]:
        page.evaluate("navigator.clipboard.writeText('')")
        page.keyboard.press(key)
        assert page.evaluate("navigator.clipboard.readText()") == statement, key
    context.close()


def test_the_screenshot_command_writes_each_page_type_at_both_widths(tmp_path: Path) -> None:
    script = Path(__file__).parent.parent / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", script)
    assert spec is not None and spec.loader is not None
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    assert list(screenshots.PAGES.values()) == PAGE_TYPES  # the same pages as these tests
    done = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path), "--first-screen"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = {}
    for png in tmp_path.glob("*.png"):
        header = png.read_bytes()[:24]
        assert header.startswith(b"\x89PNG\r\n\x1a\n"), png.name
        written[png.name] = struct.unpack(">II", header[16:24])  # IHDR: width, height
    assert written == {
        f"{name}-{width}.png": (width, height)
        for name in screenshots.PAGES
        for width, height in [(1280, 800), (320, 640)]
    }
