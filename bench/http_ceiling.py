"""How fast are reads, against the ceiling and against Datasette? One run, one machine.

    python bench/http_ceiling.py [--duration 5] [--connections 32] [--datasette PATH]

Each server runs pinned to CPU 0 (taskset), wrk runs on CPU 1, over loopback only:

  (a) a bare ASGI app returning precomputed bytes: the ceiling for any Python server here;
  (b) a FastAPI route returning the same precomputed bytes: the framework's ceiling;
  (c) this API, every convention on, its default logging: /v1/figures, /v1/figures/{id},
      a 304 revalidation, the CSV of a list, and a filtered 100-row page of a table grown to
      100,000 figures;
  (d) Datasette (if --datasette names its executable; install it in a venv of its own, it is
      no dependency of ours) serving the same figures table, and a 100-row page of the
      100,000-row table.

(a) and (b) log like (c): uvicorn's access log at its default level. Prints requests/s,
p50 and p99 latency and each result as a ratio to (b); writes bench/results/http_ceiling.json.
Needs wrk (Debian: apt-get install wrk) and Linux's taskset.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import free_port  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bulk_memory import grow  # noqa: E402

BARE = """
BODY = open({body!r}, "rb").read()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    await send({{"type": "http.response.start", "status": 200, "headers": HEADERS}})
    await send({{"type": "http.response.body", "body": BODY}})
"""
FRAMEWORK = """
from fastapi import FastAPI, Response

BODY = open({body!r}, "rb").read()
app = FastAPI()

@app.get("/v1/figures")
def figures() -> Response:
    return Response(BODY, media_type="application/json")
"""


def wait_ready(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def serve(command: list[str], env: dict[str, str], ready: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        ["taskset", "-c", "0", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(ready)
    return process


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def wrk(url: str, *, duration: int, connections: int, header: str | None = None) -> dict:
    command = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        url,
    ]
    if header:
        command[5:5] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency:
        raise RuntimeError(f"could not read wrk's output for {url}:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": round(_seconds(latency["50"]) * 1000, 3),
        "p99_ms": round(_seconds(latency["99"]) * 1000, 3),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--datasette", help="path of a datasette executable")
    options = parser.parse_args()
    run = {"duration": options.duration, "connections": options.connections}
    results: dict[str, dict] = {}
    processes: list[subprocess.Popen[bytes]] = []
    depstats = str(Path(sys.executable).parent / "depstats")
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "small.db", Path(folder) / "big.db"
        env = {**os.environ, "DEPSTATS_DATABASE_URL": f"sqlite:///{small}"}
        subprocess.run([depstats, "load"], env=env, check=True, capture_output=True)
        subprocess.run(
            [depstats, "load"],
            env={**env, "DEPSTATS_DATABASE_URL": f"sqlite:///{big}"},
            check=True,
            capture_output=True,
        )
        grow(big, 100_000)
        try:
            # (c) first, to take the exact body the ceilings will return.
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            processes.append(serve([depstats, "serve", "--port", str(port)], env, f"{base}/readyz"))
            body = httpx.get(f"{base}/v1/figures").content
            etag = httpx.get(f"{base}/v1/figures").headers["etag"]
            body_path = Path(folder) / "body.json"
            body_path.write_bytes(body)
            for name, path, header in (
                ("c_figures", "/v1/figures", None),
                ("c_figure", "/v1/figures/final-removal-orders-2017-12", None),
                ("c_304", "/v1/figures", f"If-None-Match: {etag}"),
                ("c_csv", "/v1/figures?format=csv", None),
            ):
                results[name] = wrk(base + path, header=header, **run)
            big_port = free_port()
            big_base = f"http://127.0.0.1:{big_port}"
            processes.append(
                serve(
                    [depstats, "serve", "--port", str(big_port)],
                    {**env, "DEPSTATS_DATABASE_URL": f"sqlite:///{big}"},
                    f"{big_base}/readyz",
                )
            )
            results["c_filtered_100k"] = wrk(
                f"{big_base}/v1/figures?measure=final-removal-orders&limit=100", **run
            )
            for name, source in (("a_bare_asgi", BARE), ("b_fastapi", FRAMEWORK)):
                module = Path(folder) / f"{name}.py"
                module.write_text(source.format(body=str(body_path)))
                port = free_port()
                processes.append(
                    serve(
                        [
                            sys.executable,
                            "-m",
                            "uvicorn",
                            f"{name}:app",
                            "--app-dir",
                            folder,
                            "--port",
                            str(port),
                        ],
                        env,
                        f"http://127.0.0.1:{port}/v1/figures",
                    )
                )
                results[name] = wrk(f"http://127.0.0.1:{port}/v1/figures", **run)
            if options.datasette:
                for name, database, path in (
                    ("d_datasette_figures", small, "/small/figures.json?_shape=array"),
                    ("d_datasette_100k_page", big, "/big/figures.json?_shape=array&_size=100"),
                ):
                    port = free_port()
                    processes.append(
                        serve(
                            [options.datasette, "serve", str(database), "--port", str(port)],
                            env,
                            f"http://127.0.0.1:{port}{path}",
                        )
                    )
                    results[name] = wrk(f"http://127.0.0.1:{port}{path}", **run)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    ceiling = results["b_fastapi"]["requests_per_s"]
    print(f"{'':24} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'x (b)':>7} {'errors':>7}")
    for name, result in results.items():
        result["ratio_to_b"] = round(result["requests_per_s"] / ceiling, 3)
        print(
            f"{name:24} {result['requests_per_s']:10.0f} {result['p50_ms']:8.2f} "
            f"{result['p99_ms']:8.2f} {result['ratio_to_b']:7.3f} {result['errors']:7}"
        )
    out = ROOT / "bench" / "results" / "http_ceiling.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"run": run, "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
