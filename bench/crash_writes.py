"""Crash test: is every acknowledged write still there after the server is killed?

    python bench/crash_writes.py [--rounds 20] [--writes 1000] [--clients 4]

One SQLite database for the whole run. Each round starts `depstats serve` as a subprocess;
several client threads write as fast as they can (each creates figures with POST and corrects
its own figure with PATCH, chaining If-Match) and log every write the server acknowledged
(a 2xx received). Once at least --writes writes were acknowledged, the server is killed with
SIGKILL at a random moment in the next second, mid-stream. It is then restarted and every
acknowledged write is checked: each created figure is there, each correction's revision is in
its figure's history with its note; `PRAGMA integrity_check` says ok; the revision count only
grew. Prints one line per round and a total; exits 1 if anything acknowledged was lost.
"""

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from helpers import free_port  # noqa: E402

QUOTE = "1,412 of whom have criminal convictions"


def start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    depstats = Path(sys.executable).parent / "depstats"
    process = subprocess.Popen(
        [str(depstats), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def writer(
    base: str,
    token: str,
    client: int,
    round_: int,
    stop: threading.Event,
    acknowledged: list[tuple[str, str, int, str]],
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    own = f"crash-r{round_:02d}-c{client}"
    with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
        try:
            response = http.post("/v1/figures", json=_figure(own))
            if response.status_code != 201:
                raise RuntimeError(response.text)
            acknowledged.append(("create", own, 1, ""))
            etag = response.headers["etag"]
            n = 0
            while not stop.is_set():
                n += 1
                if n % 2:
                    note = f"correction {n} by client {client}"
                    response = http.patch(
                        f"/v1/figures/{own}",
                        json={"note": note, "reason": "crash test"},
                        headers={"If-Match": etag},
                    )
                    if response.status_code != 200:
                        raise RuntimeError(response.text)
                    etag = response.headers["etag"]
                    acknowledged.append(("correct", own, response.json()["revision"], note))
                else:
                    made = f"{own}-n{n}"
                    response = http.post("/v1/figures", json=_figure(made))
                    if response.status_code != 201:
                        raise RuntimeError(response.text)
                    acknowledged.append(("create", made, 1, ""))
        except (httpx.TransportError, httpx.RemoteProtocolError):
            return  # the server was killed mid-request: that write was not acknowledged


def _figure(figure_id: str) -> dict[str, object]:
    return {
        "id": figure_id,
        "measure": "final-removal-orders-with-convictions",
        "source": "khmer-times-2018-02-us-deportees",
        "value": 1412,
        "qualifier": "exact",
        "value_text": "1,412",
        "as_of": "2017-12",
        "quote": QUOTE,
        "attribution": {"person": "Brendan Raedy"},
    }


def verify(base: str, acknowledged: list[tuple[str, str, int, str]]) -> int:
    """How many acknowledged writes are missing."""
    lost = 0
    histories: dict[str, dict[int, dict[str, object]]] = {}
    with httpx.Client(base_url=base, timeout=30) as http:
        for kind, figure_id, revision, note in acknowledged:
            if figure_id not in histories:
                response = http.get(f"/v1/figures/{figure_id}/history")
                histories[figure_id] = (
                    {r["number"]: r["state"] for r in response.json()}
                    if response.status_code == 200
                    else {}
                )
            state = histories[figure_id].get(revision)
            if state is None or (kind == "correct" and state.get("note") != note):
                lost += 1
    return lost


def count_revisions(database: Path) -> tuple[int, str]:
    connection = sqlite3.connect(database)
    try:
        count = connection.execute("SELECT count(*) FROM revisions").fetchone()[0]
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    return count, integrity


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20180209)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "crash.db"
        env = {
            **os.environ,
            "DEPSTATS_DATABASE_URL": f"sqlite:///{database}",
            "DEPSTATS_LOG_LEVEL": "warning",
            "DEPSTATS_WRITE_RATE_LIMIT": "1000000/minute",
        }
        depstats = str(Path(sys.executable).parent / "depstats")
        subprocess.run([depstats, "load"], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [depstats, "token", "create", "--name", "crash"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        total_acknowledged = total_lost = 0
        previous_count = count_revisions(database)[0]
        started = time.perf_counter()
        for round_ in range(1, options.rounds + 1):
            process, base = start(env)
            stop = threading.Event()
            acknowledged: list[tuple[str, str, int, str]] = []
            threads = [
                threading.Thread(target=writer, args=(base, token, c, round_, stop, acknowledged))
                for c in range(options.clients)
            ]
            for thread in threads:
                thread.start()
            while len(acknowledged) < options.writes:
                if not any(thread.is_alive() for thread in threads):
                    raise RuntimeError("every client stopped before the kill: see above")
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 1))  # a random moment, writes in flight
            process.send_signal(signal.SIGKILL)
            process.wait()
            stop.set()
            for thread in threads:
                thread.join()
            count, integrity = count_revisions(database)
            process, base = start(env)
            try:
                lost = verify(base, acknowledged)
            finally:
                process.terminate()
                process.wait()
            grew = count >= previous_count + len(acknowledged)
            previous_count = count
            total_acknowledged += len(acknowledged)
            total_lost += lost
            print(
                f"round {round_:2}: {len(acknowledged):5} acknowledged, {lost} lost, "
                f"integrity {integrity}, revisions {count} (grew by at least the "
                f"acknowledged: {grew})",
                flush=True,
            )
            if lost or integrity != "ok" or not grew:
                total_lost += 0 if lost else 1
        seconds = time.perf_counter() - started
        print(
            f"total: {total_acknowledged} acknowledged writes over {options.rounds} rounds, "
            f"{total_lost} lost or failed checks, {seconds:.0f} s"
        )
        return 1 if total_lost else 0


if __name__ == "__main__":
    sys.exit(main())
