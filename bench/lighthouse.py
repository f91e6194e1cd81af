"""Do the pages score 95 or more in Lighthouse? Issue 17, item 8: performance, accessibility,
best practices and SEO on the home, a figure and the source page, median of 3 runs.

    python bench/lighthouse.py [--runs 3] [--chrome /usr/bin/chromium]

Lighthouse 12.2.3 is pinned in bench/lighthouse/package-lock.json, apart from the root
package.json so the test install never fetches it; this script runs
`npm ci --prefix bench/lighthouse` when it is missing. A fresh SQLite database gets the
article's figures (`depstats load`), `depstats serve` answers on a free loopback port, and
each page is audited --runs times with Lighthouse's default mobile preset (simulated
throttling) in headless chromium (CHROME_PATH, by default Debian's /usr/bin/chromium).
Prints every run's four scores, the median of each, each audit that errored (Lighthouse's
scoreDisplayMode "error") and each audit that lost points; writes
bench/results/lighthouse.json.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "bench" / "lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
PINNED = json.loads((TOOL / "package.json").read_text())["dependencies"]["lighthouse"]
SOURCE_ID = "khmer-times-2018-02-us-deportees"
PAGES = {
    "home": "/",
    "figure": "/figures/final-removal-orders-2017-12",
    "source": f"/sources/{SOURCE_ID}",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGET = 95
# Audits that count for nothing by design: they never lower a category's score.
UNSCORED = {"notApplicable", "informative", "manual"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def install() -> None:
    installed = TOOL / "node_modules" / "lighthouse" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == PINNED:
        return
    subprocess.run(
        ["npm", "ci", "--prefix", str(TOOL), "--no-audit", "--no-fund"], check=True, cwd=ROOT
    )


def audit(url: str, chrome: str, out: Path) -> dict:
    """One Lighthouse run of one URL; returns its result (the LHR)."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox",
            "--quiet",
        ],
        env={**os.environ, "CHROME_PATH": chrome},
        check=True,
    )
    return json.loads(out.read_text())


def summarise(lhr: dict) -> dict:
    """The scores (0-100), the audits that errored and those that lost points in one run."""
    scores = {c: round(lhr["categories"][c]["score"] * 100) for c in CATEGORIES}
    errored, lost = {}, {}
    for audit_id, result in lhr["audits"].items():
        mode = result["scoreDisplayMode"]
        if mode == "error":
            errored[audit_id] = result.get("errorMessage", "")
        elif mode not in UNSCORED and result["score"] is not None and result["score"] < 1:
            lost[audit_id] = result["score"]
    return {
        "scores": scores,
        "errored": errored,
        "lost_points": lost,
        "benchmark_index": lhr["environment"]["benchmarkIndex"],
        "run_warnings": lhr["runWarnings"],
    }


def wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} never answered /readyz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median taken)")
    parser.add_argument(
        "--chrome",
        default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
        help="the chromium binary (CHROME_PATH)",
    )
    parser.add_argument("--keep", type=Path, help="a folder to keep each run's full report in")
    options = parser.parse_args()
    install()
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, dict] = {}
    lhr: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DEPSTATS_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "DEPSTATS_LOG_LEVEL": "warning",
        }
        depstats = Path(sys.executable).parent / "depstats"
        subprocess.run([str(depstats), "load"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [str(depstats), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            for name, path in PAGES.items():
                runs = []
                for number in range(1, options.runs + 1):
                    report = (options.keep or Path(folder)) / f"{name}-{number}.json"
                    lhr = audit(f"{base}{path}", options.chrome, report)
                    runs.append(summarise(lhr))
                    print(f"{name:<7} run {number}: {runs[-1]['scores']}", flush=True)
                median = {c: statistics.median(r["scores"][c] for r in runs) for c in CATEGORIES}
                results[name] = {"path": path, "runs": runs, "median": median}
        finally:
            server.terminate()
            server.wait(timeout=30)
    versions = {
        "lighthouse": lhr["lighthouseVersion"],
        "chromium": lhr["environment"]["hostUserAgent"],
        "node": subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip(),
        "python": platform.python_version(),
    }
    print(f"\nLighthouse {versions['lighthouse']}, node {versions['node']}")
    print(f"{'page':<8}" + "".join(f"{c:>16}" for c in CATEGORIES))
    for name, result in results.items():
        print(f"{name:<8}" + "".join(f"{result['median'][c]:>16g}" for c in CATEGORIES))
    for name, result in results.items():
        errored = {a: m for r in result["runs"] for a, m in r["errored"].items()}
        for audit_id, message in sorted(errored.items()):
            print(f"  {name}: {audit_id} errored: {message}")
        lost = sorted({a for r in result["runs"] for a in r["lost_points"]})
        if lost:
            print(f"  {name}: lost points in {', '.join(lost)}")
    met = all(r["median"][c] >= TARGET for r in results.values() for c in CATEGORIES)
    print(f"  {'met    ' if met else 'MISSED '} every median >= {TARGET}")
    out = ROOT / "bench" / "results" / "lighthouse.json"
    out.parent.mkdir(exist_ok=True)
    run = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "runs": options.runs,
        "preset": "mobile (default), simulated throttling",
        "chrome_flags": "--headless=new --no-sandbox",
        "load_average": os.getloadavg(),
        "seconds": round(time.perf_counter() - started),
        **versions,
    }
    out.write_text(json.dumps({"run": run, "pages": results, "target_met": met}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)} ({run['seconds']} s)")


if __name__ == "__main__":
    main()
