"""The browsable docs work with no network: /docs and /redoc name nothing but their own
origin, every file they load is served from the app, no script is inline, and each page's
Content-Security-Policy says so. (tests/test_tree.py checks that the wheel carries the files.)"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.docs import REDOC, SWAGGER_UI

PAGES = ["/docs", "/redoc"]
MEDIA_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
}


class Page(HTMLParser):
    """What a browser would fetch for a page: every src and href, and each script's text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.attributes: dict[str, dict[str, str | None]] = {}
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.attributes.setdefault(tag, found)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        if tag == "script":
            self.scripts.append((found, ""))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            found, text = self.scripts[-1]
            self.scripts[-1] = (found, text + data)


def page(client: TestClient, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


def policy(client: TestClient, path: str) -> dict[str, list[str]]:
    header = client.get(path).headers["content-security-policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_names_only_its_own_origin(client: TestClient, path: str) -> None:
    found = page(client, path)
    assert found.urls
    for url in found.urls:
        parts = urlsplit(url)
        assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), url
        assert url.startswith("/"), url  # relative to the origin, not to the page


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_has_no_inline_script(client: TestClient, path: str) -> None:
    found = page(client, path)
    assert found.scripts
    for attributes, text in found.scripts:
        assert attributes.get("src"), "a script without src"
        assert not text.strip(), f"inline script: {text[:80]}"
    assert not re.search(r"\son[a-z]+\s*=", client.get(path).text), "an inline event handler"


@pytest.mark.parametrize("path", PAGES)
def test_every_file_a_docs_page_loads_is_served_and_kept_a_year(
    client: TestClient, path: str
) -> None:
    for url in page(client, path).urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        suffix = Path(urlsplit(url).path).suffix
        assert response.headers["content-type"].split(";")[0] in MEDIA_TYPES[suffix], url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        # Sent as they are: gzip would cost the event loop each time (the bundles are large).
        assert "content-encoding" not in response.headers, url
        again = client.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, url


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_sends_a_policy_with_no_inline_or_evaluated_script(
    client: TestClient, path: str
) -> None:
    directives = policy(client, path)
    assert directives["default-src"] == ["'self'"]
    scripts = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in scripts
    assert not any("unsafe-eval" in source for sources in directives.values() for source in sources)
    # No other host anywhere: only keywords, data: for images and blob: for ReDoc's worker.
    for name, sources in directives.items():
        for source in sources:
            assert source.startswith("'") or source in ("data:", "blob:"), (name, source)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


def test_only_redoc_may_inject_styles_and_start_a_worker(client: TestClient) -> None:
    swagger_ui, redoc = policy(client, "/docs"), policy(client, "/redoc")
    assert "style-src" not in swagger_ui and "worker-src" not in swagger_ui
    text = client.get("/docs").text
    assert "<style" not in text and " style=" not in text  # what its policy would refuse
    assert redoc["style-src"] == ["'self'", "'unsafe-inline'"]
    assert redoc["worker-src"] == ["blob:"]


def test_docs_and_redoc_read_the_openapi_document(client: TestClient) -> None:
    swagger_ui = page(client, "/docs").attributes["div"]
    assert swagger_ui["id"] == "swagger-ui"
    config = json.loads(swagger_ui["data-config"] or "")
    assert config["url"] == "/openapi.json"
    assert config["validatorUrl"] is None  # no badge from validator.swagger.io
    assert page(client, "/redoc").attributes["redoc"]["spec-url"] == "/openapi.json"
    assert client.get("/openapi.json").status_code == 200


def test_the_docs_are_not_operations_of_the_api(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc", "/static"))]


def test_a_missing_or_escaping_static_path_is_a_problem_404(client: TestClient) -> None:
    for path in ("/static/nothing.js", "/static/../config.py", "/static/%2e%2e/config.py"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["cache-control"] == "no-store"


def test_the_pinned_files_sit_beside_their_licences_and_the_readme_names_them() -> None:
    static = PROJECT_ROOT / "app" / "static"
    assert "Apache License" in (static / SWAGGER_UI / "LICENSE").read_text()
    assert "MIT License" in (static / REDOC / "LICENSE").read_text()
    readme = (PROJECT_ROOT / "README.md").read_text()
    for folder in (SWAGGER_UI, REDOC):
        name, version = folder.rsplit("-", 1)
        assert f"`{name}` {version}" in readme, folder
        assert (
            f"{name.upper().replace('-', '_')}={version}"
            in (PROJECT_ROOT / "scripts" / "fetch_docs_assets.sh").read_text()
        )
