"""Does a flood of token-less writes slow a real writer down? (Issue 14: target within 2x.)

    python bench/auth_flood.py [--seconds 20] [--flood-rate 300] [--write-rate 10] [--port 0]

One SQLite database, loaded from data/. `depstats serve` runs pinned to CPU 0; this script
pins itself to CPU 1 (loopback only). A writer PATCHes one figure at --write-rate a second,
each with the ETag of the last, and times every PATCH; first alone for --seconds, then while
the flood sends token-less POST /v1/figures at --flood-rate a second (all answered 401, or
429 once the client's failed-login limit is spent). Prints both p50/p99, the flood's achieved
rate and its statuses, and the ratio of the p99s. Bounded in time and request count.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FIGURE = "/v1/figures/removals-2017"


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen[str], str]:
    depstats = Path(sys.executable).parent / "depstats"
    process = subprocess.Popen(
        ["taskset", "-c", "0", str(depstats), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "running on http://127.0.0.1:" in line:
            base = "http://127.0.0.1:" + line.split("127.0.0.1:")[1].split()[0]
            # Keep reading its output (the access log) so that the pipe never fills.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, base
    raise RuntimeError("the server did not start")


def write_for(
    base: str, token: str, seconds: float, rate: float, failures: Counter[int]
) -> list[float]:
    """PATCH the figure at `rate` a second for `seconds`; each PATCH's time in ms (a failed
    one counts too, its status in `failures`)."""
    timings = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as client:
        etag = client.get(FIGURE).headers["etag"]
        end = time.monotonic() + seconds
        n = 0
        while (now := time.monotonic()) < end:
            n += 1
            started = time.perf_counter()
            response = client.patch(
                FIGURE,
                json={"note": f"bench {n}", "reason": "bench"},
                headers={**headers, "If-Match": etag},
            )
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code == 200:
                etag = response.headers["etag"]
            else:
                failures[response.status_code] += 1
                etag = client.get(FIGURE).headers["etag"]
            time.sleep(max(0.0, now + 1 / rate - time.monotonic()))
    return timings


async def flood(base: str, seconds: float, rate: float, statuses: Counter[int]) -> None:
    """Token-less POSTs at `rate` a second over 16 kept-alive connections, for `seconds`.
    Raw HTTP/1.1 on asyncio streams: an HTTP client library costs more of the one core this
    script has than the server spends answering, and would bound the rate."""
    host, port = base.removeprefix("http://").split(":")
    body = b'{"id": "x"}'
    request = (
        b"POST /v1/figures HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    start = time.monotonic()
    sent = 0

    async def connection() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                if sent >= elapsed * rate:
                    await asyncio.sleep(0.001)
                    continue
                sent += 1
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                statuses[int(head[9:12])] += 1
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(16)))


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--flood-rate", type=float, default=300)
    parser.add_argument("--write-rate", type=float, default=10)
    parser.add_argument("--port", type=int, default=0, help="0: one the kernel picks")
    options = parser.parse_args()
    os.sched_setaffinity(0, {1})
    folder = Path(tempfile.mkdtemp(prefix="depstats-flood-"))
    env = {
        **os.environ,
        "DEPSTATS_DATABASE_URL": f"sqlite:///{folder / 'flood.db'}",
        "DEPSTATS_WRITE_RATE_LIMIT": "100000/minute",
    }
    depstats = str(Path(sys.executable).parent / "depstats")
    subprocess.run([depstats, "load"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [depstats, "token", "create", "--name", "bench", "--scope", "write"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    token = next(word for word in made.stdout.split() if word.startswith("dps_"))
    process, base = start_server(env, options.port)
    try:
        failed_alone: Counter[int] = Counter()
        failed_during: Counter[int] = Counter()
        alone = write_for(base, token, options.seconds, options.write_rate, failed_alone)
        statuses: Counter[int] = Counter()
        result: list[list[float]] = []
        writer = threading.Thread(
            target=lambda: result.append(
                write_for(base, token, options.seconds, options.write_rate, failed_during)
            )
        )
        started = time.monotonic()
        writer.start()
        asyncio.run(flood(base, options.seconds, options.flood_rate, statuses))
        writer.join()
        flooded_for = time.monotonic() - started
        during = result[0]
    finally:
        process.terminate()
        process.wait(timeout=30)
    sent = sum(statuses.values())
    print(f"writer alone:      {len(alone)} PATCHes, p50 {percentile(alone, 50):.1f} ms, "
          f"p99 {percentile(alone, 99):.1f} ms, failed {dict(failed_alone)}")  # fmt: skip
    print(f"writer in a flood: {len(during)} PATCHes, p50 {percentile(during, 50):.1f} ms, "
          f"p99 {percentile(during, 99):.1f} ms, failed {dict(failed_during)}")  # fmt: skip
    print(f"flood: {sent} token-less POSTs in {flooded_for:.1f} s ({sent / flooded_for:.0f}/s), "
          f"statuses {dict(sorted(statuses.items()))}")  # fmt: skip
    print(f"p99 in the flood / alone: {percentile(during, 99) / percentile(alone, 99):.2f}x")


if __name__ == "__main__":
    main()
