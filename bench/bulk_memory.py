"""Does a bulk CSV download keep the server's memory flat? Measures peak RSS of a real
`depstats serve` process while it streams every row of a table grown to N figures.

    python bench/bulk_memory.py [N ...]      # default: 1000 20000 100000

For each N: a fresh SQLite database with the article's data plus N synthetic copies of one
figure, a server on a free loopback port, one warm-up request, then the whole
/v1/figures?format=csv. Prints rows, bytes, seconds and the server's peak RSS (VmHWM) before
and after the download. Linux only (/proc)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def grow(database: Path, n: int) -> None:
    import sqlite3

    connection = sqlite3.connect(database)
    others = [row[1] for row in connection.execute("PRAGMA table_info(figures)") if row[1] != "id"]
    names = ", ".join(others)
    connection.execute(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) "
        f"INSERT INTO figures (id, {names}) SELECT printf('synthetic-%07d', i), {names} "
        "FROM figures, k WHERE figures.id = 'final-removal-orders-2017-12'",
        (n,),
    )
    connection.commit()
    connection.close()


def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        env = {
            **os.environ,
            "DEPSTATS_DATABASE_URL": f"sqlite:///{database}",
            "DEPSTATS_LOG_LEVEL": "warning",
        }
        depstats = Path(sys.executable).parent / "depstats"
        subprocess.run([str(depstats), "load"], env=env, check=True, capture_output=True)
        grow(database, n)
        # Rows added with SQL have no stored renders until they are made.
        subprocess.run([str(depstats), "db", "render"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [str(depstats), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            httpx.get(f"{base}/v1/figures?limit=100")
            before = peak_rss_mib(server.pid)
            started = time.perf_counter()
            rows = size = 0
            with httpx.stream("GET", f"{base}/v1/figures?format=csv", timeout=600) as response:
                for line in response.iter_lines():
                    rows += 1
                    size += len(line) + 2
            seconds = time.perf_counter() - started
            after = peak_rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(
            f"N={n:>7}: {rows - 1:>7} rows, {size / 2**20:7.1f} MiB in {seconds:6.1f} s "
            f"({(rows - 1) / seconds:7.0f} rows/s); server peak RSS {before:6.1f} MiB before,"
            f" {after:6.1f} MiB after"
        )


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [1000, 20000, 100000]:
        run(n)
