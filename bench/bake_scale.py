"""What baking costs at scale: `depstats export --static` of the article's data plus N
synthetic figures (bench/make_figures.py), then one correction and the bake that follows it.

    python bench/bake_scale.py [--figures 1000] [--jobs N] [--keep DIR]

Prints and writes bench/results/bake_scale_N.json: the whole bake's seconds, answers, URLs,
files, bytes and inodes of the tree (written as soon as they are known); then, after a PATCH
of one of the article's figures, the incremental bake's seconds and what it asked again
(serve --bake's baker does the same: first all but the long answers, which the app answers
meanwhile, then those); the CPU seconds and largest memory of it all.

With `--keep DIR` the database's copy and the tree stay in DIR; run again with the same DIR,
the whole bake is not done again: only a correction and its bake, on the tree as it is.
"""

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from make_figures import DEFAULT_DATABASE, make  # noqa: E402

from app.bake import bake  # noqa: E402
from app.baked_tree import MANIFEST, BakedTree  # noqa: E402
from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402


def tree_size(root: Path) -> dict:
    files = folders = 0
    for _, dirs, names in os.walk(root):
        folders += len(dirs)
        files += len(names)
    used = subprocess.run(["du", "-sb", str(root)], capture_output=True, text=True, check=True)
    size = int(used.stdout.split()[0])
    return {"files": files, "folders": folders, "inodes_at_most": files + folders, "bytes": size}


def _usage() -> dict:
    """CPU seconds and the largest resident memory, of this process and of its children
    (the bake's forked processes, each as large as this one when it forked)."""
    mine, theirs = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return {
        "cpu_seconds": round(mine.ru_utime + mine.ru_stime + theirs.ru_utime + theirs.ru_stime),
        "max_rss_mb": {"baker": mine.ru_maxrss // 1024, "a_child": theirs.ru_maxrss // 1024},
    }


def _out(figures: int) -> Path:
    return ROOT / "bench" / "results" / f"bake_scale_{figures}.json"


def _write(result: dict) -> None:
    out = _out(result["figures"])
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--keep", type=Path, help="keep the database and the tree in this folder")
    options = parser.parse_args()
    database = make(options.figures, DEFAULT_DATABASE.with_name(f"figures-{options.figures}.db"))
    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.nullcontext(str(options.keep)) if options.keep else tempfile.TemporaryDirectory()
    ) as folder:
        copy = Path(folder) / "figures.db"
        tree = Path(folder) / "tree"
        kept = (tree / MANIFEST).exists()  # a whole bake's last file
        if not kept:
            subprocess.run(["sqlite3", str(database), f".backup {copy}"], check=True)
        settings = Settings(database_url=f"sqlite:///{copy}", public_url="http://depstats.test")
        env = {**os.environ, "DEPSTATS_DATABASE_URL": settings.database_url}
        made = subprocess.run(
            [str(Path(sys.executable).parent / "depstats"), "token", "create",
             "--name", f"bench-{time.time()}", "--scope", "write"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        app = create_app(settings)
        now = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        if kept:  # the whole bake's figures are those of the run that made the tree
            result = json.loads(_out(options.figures).read_text())
            result.update({"after_patch_date": now, "after_patch_jobs": options.jobs})
        else:
            result = {"date": now, "figures": options.figures, "jobs": options.jobs}
            whole = bake(app, settings, BakedTree(tree), jobs=options.jobs)
            print(whole)
            size = tree_size(tree)
            print(size)
            result["whole"] = {"seconds": round(whole.seconds, 2), "answers": whole.answers,
                               "urls": whole.urls, **size}  # fmt: skip
            result.update(_usage())
            _write(result)  # the whole bake's figures stand even if the correction's do not
        from fastapi.testclient import TestClient

        client = TestClient(app)
        # One of the article's figures: the synthetic ones, made by SQL, hold quotes their
        # spans do not match, which a correction checks (and refuses).
        target = "removals-since-2002"
        etag = client.get(f"/v1/figures/{target}").headers["etag"]
        started = time.perf_counter()
        written = client.patch(
            f"/v1/figures/{target}",
            headers={"authorization": f"Bearer {made.stdout.strip()}", "if-match": etag},
            json={"note": f"Checked again at {time.time()}.", "reason": "bench/bake_scale.py"},
        )
        assert written.status_code == 200, written.text
        patched = time.perf_counter() - started
        again = bake(app, settings, BakedTree(tree), incremental=True, jobs=options.jobs)
        print(again)
        result["patch_seconds"] = round(patched, 3)
        later = again.later
        result["after_patch"] = {
            "seconds": round(again.seconds, 2), "answers": again.answers, "urls": again.urls,
            "whole": again.whole, "heads_written": again.tally.written,
            # the long answers, left to the app meanwhile, then baked again (bake_plan.due)
            "left_to_the_app": again.deferred,
            "then_seconds": round(later.seconds, 2) if later else None,
            "then_answers": later.answers if later else None,
        }  # fmt: skip
        result.update({"after_patch_usage": _usage()} if kept else _usage())
        _write(result)  # before the tree is removed: at 100,000 figures that takes long


if __name__ == "__main__":
    main()
