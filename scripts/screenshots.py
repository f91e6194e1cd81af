"""Screenshots of each kind of page at 1280 and 320 pixels wide, taken with Debian's chromium.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--first-screen]

It serves the app with `depstats serve` on a free port and a new SQLite database in a temporary
folder (loaded from data/, as on a first start), opens each page in chromium through Playwright
and writes NAME-WIDTH.png into --out: the whole page, or with --first-screen only what shows
before scrolling (1280 x 800, 320 x 640). CHROMIUM names another browser binary.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
# One page of each kind, as tests/test_browser.py's PAGE_TYPES names them.
PAGES = {
    "home": "/",
    "about": "/about",
    "search": "/search?q=removed",
    "figure": "/figures/final-removal-orders-2017-12",
    "source": "/sources/khmer-times-2018-02-us-deportees",
    "measure": "/measures/removals-us-to-cambodia",
    "derived": "/derived/admissions-1975-2000",
    "list": "/measures",
}
SCREENS = {1280: 800, 320: 640}  # width: the height of a first screen


def serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`depstats serve --port 0` on a new database in `folder`, once it answers /readyz."""
    log = folder / "serve.log"
    env = {**os.environ, "DEPSTATS_DATABASE_URL": f"sqlite:///{folder / 'depstats.db'}"}
    depstats = Path(sys.executable).parent / "depstats"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command, from this venv)
            [str(depstats), "serve", "--port", "0"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        port = re.search(r"running on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if port:
            base = f"http://127.0.0.1:{port.group(1)}"
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"depstats serve did not start:\n{log.read_text(errors='replace')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder to write")
    parser.add_argument(
        "--first-screen", action="store_true", help="only what shows before scrolling"
    )
    options = parser.parse_args()
    binary = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if binary is None:
        raise SystemExit("chromium is needed: apt-get install -y chromium (or set CHROMIUM)")
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        process, base = serve(Path(folder))
        try:
            browser = playwright.chromium.launch(executable_path=binary)
            for width, height in SCREENS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                for name, path in PAGES.items():
                    page.goto(f"{base}{path}")
                    target = options.out / f"{name}-{width}.png"
                    page.screenshot(path=target, full_page=not options.first_screen)
                    print(target)
                context.close()
            browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
