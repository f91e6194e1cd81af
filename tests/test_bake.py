"""`depstats export --static` without nginx: what the tree holds, that a bake again touches
only what changed, and that after a correction an incremental bake is a whole one, head for
head. The front's own tests (nginx) are in test_front.py."""

import errno
import gzip
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.bake import Baker, bake
from app.bake_inventory import NAME as INVENTORY
from app.bake_inventory import OLD, Inventory
from app.bake_plan import always_due, names_of
from app.baked_tree import (
    BODIES,
    GENERATION,
    HEADS,
    MANIFEST,
    TICK,
    BakedTree,
    Tally,
    body_name,
    served,
)
from app.citations import PROSE, Style
from app.config import Settings
from app.forked import fork_map
from app.main import create_app
from conftest import make_settings
from helpers import read_head

PUBLIC = "http://depstats.test"


@pytest.fixture
def baked(settings: Settings) -> Settings:
    """This test's database, with the public URL a bake needs."""
    return make_settings(settings.database_url, public_url=PUBLIC)


def heads(tree: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(tree)): path.read_bytes()
        for path in (tree / HEADS).rglob("~*")
        if path.is_file()
    }


def path_urls(tree: Path) -> dict[str, bytes]:
    """What a static host serves: every file but the dot-files and the manifest."""
    return {
        str(path.relative_to(tree)): path.read_bytes()
        for path in tree.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(tree).parts)
        and path.name != MANIFEST
    }


def path_body(tree: Path, path: str) -> Path:
    """The body (or its gzip) a path URL's file holds, by its name: what it holds."""
    data = (tree / path).read_bytes()
    if path.endswith(".gz"):
        return tree / BODIES / (body_name(gzip.decompress(data)) + ".gz")
    return tree / BODIES / body_name(data)


def records(tree: Path) -> dict[str, dict]:
    """The inventory's record of every URL baked."""
    with closing(sqlite3.connect(tree / INVENTORY)) as db:
        return {url: orjson.loads(r) for url, r in db.execute("SELECT url, record FROM urls")}


def mentions(tree: Path) -> dict[str, list[str]]:
    """The ids each URL's answers name, as the inventory indexes them (Inventory.naming)."""
    named: dict[str, list[str]] = {}
    with closing(sqlite3.connect(tree / INVENTORY)) as db:
        for url, id_ in db.execute("SELECT url, id FROM names ORDER BY url, id"):
            named.setdefault(url, []).append(id_)
    return named


def served_heads(tree: Path) -> dict[str, bytes]:
    """The heads as the front serves them, with the ETags of the version baked last."""
    version = orjson.loads((tree / MANIFEST).read_bytes())["version"]
    return {name: served(text, version) for name, text in heads(tree).items()}


def test_a_bake_holds_every_answer_and_a_bake_again_touches_nothing(
    baked: Settings, tmp_path: Path
) -> None:
    app = create_app(baked)
    tree = tmp_path / "tree"
    first = bake(app, baked, BakedTree(tree))
    assert first.tally.written == first.answers > 900
    held = heads(tree)
    status, body, headers, url, accept = read_head(
        tree / HEADS / "v1" / "figures" / "removals-2017" / "~json"
    )
    assert (status, url, accept) == (200, "/v1/figures/removals-2017", "json")
    assert (tree / BODIES / body).read_bytes() == TestClient(app).get(url).content
    assert dict(headers)["etag"].startswith('W/"removals-2017.r2.')
    # A browser is sent to the page, as the app sends it.
    status, body, headers, _, _ = read_head(
        tree / HEADS / "v1" / "figures" / "removals-2017" / "~browser"
    )
    assert (status, body, dict(headers)["location"]) == (303, "-", "/figures/removals-2017")
    # The same bodies at path URLs, for a static host.
    assert (tree / "v1" / "figures" / "removals-2017" / "index.json").read_bytes() == (
        tree / BODIES / read_head(tree / HEADS / "v1/figures/removals-2017/~none")[1]
    ).read_bytes()
    assert (tree / "figures" / "removals-2017" / "index.html").exists()
    assert (tree / "robots.txt").exists()
    times = {name: os.stat(tree / name).st_mtime_ns for name in held}
    again = bake(app, baked, BakedTree(tree))
    assert (again.tally.written, again.tally.removed, again.tally.bodies) == (0, 0, 0)
    assert again.tally.unchanged == first.answers
    assert {name: os.stat(tree / name).st_mtime_ns for name in held} == times


def test_a_bake_asks_for_nothing_the_app_refuses(
    baked: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each URL it asks costs an answer: none is a 404 or a 422 (a URL at the end of a
    sentence of a citation, without its full stop; `format=html` only with the prose
    styles), but in the code's own files, whose text it reads for links as it can."""
    refused: list[tuple[str, int]] = []
    ask = Baker._ask

    async def asking(self: Baker, url: str, accept: str) -> tuple:
        answer, offers = await ask(self, url, accept)
        if answer is None:
            refused.append((url, accept))
        return answer, offers

    monkeypatch.setattr(Baker, "_ask", asking)
    report = bake(create_app(baked), baked, BakedTree(tmp_path / "tree"))
    assert report.urls > 200
    assert [(url, accept) for url, accept in refused if not url.startswith("/static/")] == []
    baked_urls = records(tmp_path / "tree")
    for path in ("/v1/figures/removals-2017", "/v1/sources/khmer-times-2018-02-us-deportees"):
        for style in Style:  # every style, and in HTML every style that has that form
            assert f"{path}/citation?style={style}" in baked_urls or style == Style.TEXT
            html = f"{path}/citation?style={style}&format=html"
            assert (html in baked_urls) == (style in PROSE)


def test_a_body_at_more_path_urls_than_it_can_have_links_is_copied(
    baked: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ext4 gives a file 65,000 links: at 100,000 figures, the `[]` of every history had them
    all. Past them a path URL gets a copy of the body, and a bake again leaves it as it is.
    Here half the bodies (by their names) have no link left."""
    link = os.link
    linked: list[Path] = []

    def full(target: Path, place: Path) -> None:
        if Path(target).name[0] in "01234567":
            raise OSError(errno.EMLINK, "Too many links")
        linked.append(Path(place))
        link(target, place)

    monkeypatch.setattr(os, "link", full)
    app, tree = create_app(baked), tmp_path / "tree"
    bake(app, baked, BakedTree(tree))
    kept = path_urls(tree)
    links = {path: os.stat(tree / path).st_nlink for path in kept}
    assert 1 in links.values() and len(linked) > 100  # copies, and links as before
    for path, count in links.items():  # each the bytes of the body its head names
        assert (count == 1) == (path_body(tree, path).name[0] in "01234567")
        assert (tree / path).read_bytes() == path_body(tree, path).read_bytes()
    times = {path: os.stat(tree / path).st_mtime_ns for path in kept}
    linked.clear()
    again = bake(app, baked, BakedTree(tree))
    assert (again.tally.written, linked) == (0, [])
    assert {path: os.stat(tree / path).st_mtime_ns for path in path_urls(tree)} == times


def test_a_bake_in_two_processes_is_the_bake_in_one(baked: Settings, tmp_path: Path) -> None:
    """`export --static --jobs 2`: each round of URLs split between this process and a child
    forked from it, which writes its part of the tree and sends back what it put."""
    split, alone = tmp_path / "split", tmp_path / "alone"
    two = bake(create_app(baked), baked, BakedTree(split), jobs=2)  # the child asks cold
    one = bake(create_app(baked), baked, BakedTree(alone))
    assert (two.urls, two.answers, two.tally.written) == (one.urls, one.answers, one.answers)
    assert (two.tally.bodies, two.tally.bytes) == (one.tally.bodies, one.tally.bytes)
    assert heads(split) == heads(alone)
    assert path_urls(split) == path_urls(alone)
    bodies = {path.name for path in (split / BODIES).rglob("*")}
    assert bodies == {path.name for path in (alone / BODIES).rglob("*")}
    inventory, expected = records(split), records(alone)
    assert inventory.keys() == expected.keys()
    for url, record in inventory.items():  # but how long each took to ask
        assert record.pop("seconds") >= 0 and expected[url].pop("seconds") >= 0
        assert record == expected[url]
    assert mentions(split) == mentions(alone)
    assert "removals-2017" in mentions(split)["/v1/figures/removals-2017"]
    assert (split / GENERATION).read_bytes().endswith(b" v%d" % two.version)


def test_forked_work_comes_back_in_order_and_a_failure_is_raised() -> None:
    parent = os.getpid()
    marks: list[int] = []
    results = fork_map(lambda n: (n * n, os.getpid()), [1, 2, 3], lambda: marks.append(1))
    assert [square for square, _ in results] == [1, 4, 9]
    pids = [pid for _, pid in results]
    assert pids[0] == parent and len(set(pids)) == 3  # the first part here, each other forked
    assert marks == []  # after_fork ran in the children only

    def fails(n: int) -> int:
        if n == 2:
            raise ValueError("no such figure")
        return n

    with pytest.raises(RuntimeError, match="no such figure"):
        fork_map(fails, [1, 2], lambda: None)


def test_after_a_correction_an_incremental_bake_is_a_whole_one(
    baked: Settings, tmp_path: Path, writer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(baked)
    client = TestClient(app)
    tree, whole = tmp_path / "tree", tmp_path / "whole"
    bake(app, baked, BakedTree(tree), jobs=2)  # its inventory as two processes put it
    before = heads(tree)
    etag = client.get("/v1/figures/removals-since-2002").headers["etag"]
    corrected = client.patch(
        "/v1/figures/removals-since-2002",
        headers={**writer, "If-Match": etag},
        json={"note": "Checked again.", "reason": "a test of the bake"},
    )
    assert corrected.status_code == 200, corrected.text
    crawl = Baker._crawl

    def announced_first(self: Baker, *args: Any) -> tuple[int, int]:
        # The front's workers are told before the app is asked: their two ticks pass meanwhile.
        assert (tree / GENERATION).read_bytes().startswith(b"baking ")
        return crawl(self, *args)

    with monkeypatch.context() as patched:  # the ids this app's bake found stand: not read
        patched.setattr(Baker, "ids", lambda self: pytest.fail("every id read again"))
        patched.setattr(Baker, "_crawl", announced_first)
        report = bake(app, baked, BakedTree(tree), incremental=True)
    assert not report.whole and report.urls == len(records(tree))  # counted as they come
    assert report.answers < len(before) / 2  # asked again: what names it, and what names none
    bake(app, baked, BakedTree(whole))
    after, expected = heads(tree), heads(whole)
    assert served_heads(tree) == served_heads(whole)
    assert path_urls(tree) == path_urls(whole)  # a static host's files are all still there
    assert mentions(tree) == mentions(whole)  # what the next correction goes by
    # A measure's figures as CSV do not name the figure: the head stays as it was, and the
    # front serves it with the new version in its ETag, as the app does.
    other = ".heads/v1/measures/refugee-admissions/figures/~csv"
    assert after[other] == before[other] != expected[other]
    assert served(after[other], report.version) == expected[other]
    assert dict(read_head(tree / other)[2])["etag"].startswith('W/"v')
    # It changed the figure, the lists that hold it, and not the other figures.
    changed = {name.removeprefix(".heads/") for name in after if after[name] != before[name]}
    assert {"v1/figures/removals-since-2002/~json", "v1/figures/~json"} <= changed
    assert not any("removals-2017/" in name for name in changed)
    # A figure the feed of changes does not name yet: the feed is asked again all the same.
    feed = (tree / "feeds" / "changes.atom").read_bytes()
    ids = [item["id"] for item in client.get("/v1/figures").json()["items"]]
    figure = "/v1/figures/" + next(id_ for id_ in ids if id_.encode() not in feed)
    etag = client.get(figure).headers["etag"]
    corrected = client.patch(
        figure,
        headers={**writer, "If-Match": etag},
        json={"note": "Checked with the court's docket.", "reason": "a test of the bake"},
    )
    assert corrected.status_code == 200, corrected.text
    # Another process (serve --bake's, after a restart) reads them.
    assert not bake(create_app(baked), baked, BakedTree(tree), incremental=True).whole
    bake(app, baked, BakedTree(whole))
    assert served_heads(tree) == served_heads(whole)
    assert path_urls(tree) == path_urls(whole)
    assert mentions(tree) == mentions(whole)
    # A retraction moves the lists: the next bake is whole.
    retracted = client.post(
        "/v1/figures/removals-2017/retract", headers=writer, json={"reason": "withdrawn"}
    )
    assert retracted.status_code == 200
    assert bake(app, baked, BakedTree(tree), incremental=True).whole
    bake(app, baked, BakedTree(whole))
    assert heads(tree) == heads(whole)  # a whole bake writes every head with its version


def test_after_a_correction_the_long_answers_go_to_the_app_until_baked_again(
    baked: Settings, tmp_path: Path, writer: dict[str, str]
) -> None:
    """DEPSTATS_BAKE_DEFER_SECONDS, here 0 (every answer due again is "long"): a correction's
    bake first takes what may have changed off the tree (the front passes it to the app) and
    changes nothing else; then the bake that does not defer puts it back, as a whole bake
    would have."""
    baked = baked.model_copy(update={"bake_defer_seconds": 0.0})
    app = create_app(baked)
    client = TestClient(app)
    tree, whole = tmp_path / "tree", tmp_path / "whole"
    bake(app, baked, BakedTree(tree))
    before, files = heads(tree), path_urls(tree)
    figure = "/v1/figures/removals-since-2002"
    corrected = client.patch(
        figure,
        headers={**writer, "If-Match": client.get(figure).headers["etag"]},
        json={"note": "Checked again.", "reason": "a test of the bake"},
    )
    assert corrected.status_code == 200, corrected.text
    baker = Baker(app, baked, BakedTree(tree))
    with baker.tree.locked():
        first = baker.bake(incremental=True)
    assert not first.whole and first.answers == 0 and first.deferred > 0
    now = heads(tree)
    assert set(now) < set(before) and all(now[name] == before[name] for name in now)
    for gone in ("v1/figures/removals-since-2002/~json", "v1/figures/~json", "~none"):
        assert f".heads/{gone}" not in now
    assert "v1/figures/removals-since-2002/index.json" in files
    assert "v1/figures/removals-since-2002/index.json" not in path_urls(tree)
    kept = {name for name in now if name.startswith(".heads/v1/figures/")}
    assert kept and not [name for name in kept if "/removals-since-2002/" in name]
    assert records(tree)[figure]["deferred"] and not records(tree)[figure]["heads"]
    # The next bake leaves them to the app too, then asks for them.
    second = bake(app, baked, BakedTree(tree), incremental=True)
    assert second.deferred == first.deferred and second.answers == 0
    assert second.later is not None and second.later.answers > 0 and not second.later.deferred
    assert not any(record.get("deferred") for record in records(tree).values())
    bake(app, baked, BakedTree(whole))
    assert served_heads(tree) == served_heads(whole)
    assert path_urls(tree) == path_urls(whole)


def correct(client: TestClient, writer: dict[str, str], figure: str, note: str) -> None:
    etag = client.get(figure).headers["etag"]
    corrected = client.patch(
        figure, headers={**writer, "If-Match": etag}, json={"note": note, "reason": "a test"}
    )
    assert corrected.status_code == 200, corrected.text


def test_a_long_answer_is_left_to_the_app_alone_and_a_failed_one_is_not_kept(
    baked: Settings, tmp_path: Path, writer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only /v1/figures is long (its record says 1 s): after a correction it alone is taken
    off the tree, but for its path URL, which `?format=json` also has; everything else due
    is baked at once. And a URL due again that the app does not answer then loses its heads
    (the front passes it to the app) rather than keep the answer from before."""
    app = create_app(baked)
    client = TestClient(app)
    tree, whole = tmp_path / "tree", tmp_path / "whole"
    bake(app, baked, BakedTree(tree))
    with closing(sqlite3.connect(tree / INVENTORY)) as db, db:
        for url, record in db.execute("SELECT url, record FROM urls").fetchall():
            seconds = 1.0 if url == "/v1/figures" else 0.0
            db.execute(
                "UPDATE urls SET record = ? WHERE url = ?",
                (orjson.dumps({**orjson.loads(record), "seconds": seconds}), url),
            )
    correct(client, writer, "/v1/figures/removals-since-2002", "Checked again.")
    baker = Baker(app, baked, BakedTree(tree))
    with baker.tree.locked():
        first = baker.bake(incremental=True)
    assert first.deferred == 1 and first.answers > 0
    bake(app, baked, BakedTree(whole))
    now, expected = heads(tree), heads(whole)
    listed = [name for name in expected if name.startswith(".heads/v1/figures/~")]
    assert listed and not [name for name in listed if name.count("~") == 1 and name in now]
    assert [name for name in listed if name.count("~") == 2 and name in now]  # its queries
    assert "v1/figures/index.json" in path_urls(tree)  # `?format=json` has it, asked again
    figure = ".heads/v1/figures/removals-since-2002/~json"
    assert now[figure] == expected[figure]
    assert records(tree)["/v1/figures"]["deferred"]
    later = bake(app, baked, BakedTree(tree), incremental=True).later
    assert later is not None and later.urls == first.urls
    assert served_heads(tree) == served_heads(whole)
    # The app answers nothing to the bake for the figure: its heads go, its record names
    # nothing (asked again after any correction), and the next bake puts them back.
    correct(client, writer, "/v1/figures/removals-since-2002", "Checked a third time.")
    asking = Baker._ask

    async def failing(self: Baker, url: str, accept: str) -> tuple[None, list[str]]:
        if url == "/v1/figures/removals-since-2002":
            return None, []
        return await asking(self, url, accept)

    with monkeypatch.context() as patched:
        patched.setattr(Baker, "_ask", failing)
        bake(app, baked, BakedTree(tree), incremental=True)
    assert figure not in heads(tree)
    assert records(tree)["/v1/figures/removals-since-2002"]["heads"] == []
    correct(client, writer, "/v1/figures/removals-2017", "Checked again.")
    bake(app, baked, BakedTree(tree), incremental=True)
    bake(app, baked, BakedTree(whole))
    assert served_heads(tree) == served_heads(whole)
    assert path_urls(tree) == path_urls(whole)


def test_a_workbook_beside_a_list_left_to_the_app_is_not_asked_after_every_correction(
    tmp_path: Path,
) -> None:
    """A workbook's body cannot be read for ids: it is asked again when another answer at its
    path names a corrected figure. When that answer was left to the app, what it named is in
    the inventory, not in the record the bake carries for it."""
    listed = {"classes": ["none"], "heads": [], "bodies": [], "stable": [], "opaque": False}
    inventory = Inventory(tmp_path)
    try:
        inventory.write(
            {"/v1/figures": {**listed, "mentions": ["removals-2017"]}},
            {"/v1/figures": {"removals-2017"}},
            {"/v1/figures": False},
            {"version": 1},
            {},
            whole=True,
        )
        carried = {
            "/v1/figures": {**inventory.records(["/v1/figures"])["/v1/figures"], "deferred": True},
            "/v1/figures?format=xlsx": {**listed, "opaque": True, "mentions": []},
        }
        always = always_due(carried, names_of(carried), inventory.named_at)
    finally:
        inventory.close()
    assert always == {"/v1/figures": True, "/v1/figures?format=xlsx": False}


def test_a_tree_with_the_json_inventory_of_earlier_bakes_is_baked_whole_and_cleared(
    baked: Settings, tmp_path: Path
) -> None:
    """Bakes before this one left one JSON file (OLD): the next bake is whole, and removes
    the path URLs and the bodies that file held and this bake does not."""
    app = create_app(baked)
    tree = tmp_path / "tree"
    bake(app, baked, BakedTree(tree))
    (tree / INVENTORY).unlink()
    gone, body = tree / "v1" / "gone" / "index.json", tree / BODIES / "ab" / "ab00"
    for path in (gone, body):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"{}")
    held = {"stable": ["v1/gone/index.json"], "bodies": ["ab/ab00"], "unnamed": {"ab/ab00": 0}}
    (tree / OLD).write_bytes(orjson.dumps({**held, "heads": [], "urls": {}, "version": 1}))
    assert bake(app, baked, BakedTree(tree), incremental=True).whole
    assert not gone.exists() and not body.exists() and not (tree / OLD).exists()
    assert records(tree) and (tree / ".heads" / "~none").exists()


def test_while_a_bake_runs_the_version_named_is_never_above_the_bakes(tmp_path: Path) -> None:
    """The front serves the whole lists' downloads with the version .generation names: during
    a bake of a dataset made anew (its version started again), not the old tree's."""
    tree = BakedTree(tmp_path / "tree")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / GENERATION).write_bytes(b"1700000000000000000 v27")
    tree.version = 5
    tree.put_text(".heads/v1/~json", b"200 -\n", Tally())
    generation = (tmp_path / "tree" / GENERATION).read_bytes()
    assert generation.startswith(b"baking ") and generation.endswith(b" v5")
    assert served(b'200 -\netag: W/"v4.0123456789abcdef"\n', 5).endswith(b'v5.0123456789abcdef"\n')
    assert served(b'200 -\netag: W/"v6.0123456789abcdef"\n', 5).endswith(b'v6.0123456789abcdef"\n')
    # A figure's tag is never taken for a version's, whatever its id.
    figure = b'200 -\netag: W/"v1.r2.0123456789abcdef"\n'
    assert served(figure, 9) == figure


def test_a_bake_waits_two_ticks_from_its_announcement_and_none_after_its_last_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nginx's workers see .generation every TICK (deploy/nginx/baked.lua): before a head
    changes, two ticks must have passed since "baking" was written; a bake after corrections
    writes it before it asks the app, so that they pass meanwhile. The generation that ends
    a bake needs no wait: a worker that is reading heads from disk reads it with each."""
    slept: list[float] = []
    monkeypatch.setattr("app.baked_tree.time.sleep", slept.append)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / GENERATION).write_bytes(b"1700000000000000000 v3")
    tree = BakedTree(tmp_path / "tree")
    tree.begin()
    tree.version = 4
    tree.announce()
    assert (tmp_path / "tree" / GENERATION).read_bytes().startswith(b"baking ")
    tree.announced -= 2 * TICK  # as if the app had been asked meanwhile
    tree.put_text(".heads/v1/~json", b"200 -\n", Tally())
    tree.put_text(".heads/v1/~csv", b"200 -\n", Tally())
    assert slept == [0.0]
    tree.settle(4)
    assert (tmp_path / "tree" / GENERATION).read_bytes().endswith(b" v4")
    assert not (tmp_path / "tree" / GENERATION).read_bytes().startswith(b"baking")
    assert slept == [0.0]
    # Unannounced, the first head to change waits the two ticks whole.
    tree.version = 5
    tree.put_text(".heads/v1/~json", b"200 x\n", Tally())
    assert len(slept) == 2 and slept[1] == pytest.approx(2 * TICK, abs=0.02)


def test_one_baker_at_a_time(tmp_path: Path) -> None:
    tree = BakedTree(tmp_path / "tree")
    with tree.locked() as held:
        assert held
        with BakedTree(tmp_path / "tree").locked(wait=False) as second:
            assert not second
    with tree.locked(wait=False) as again:
        assert again


def test_a_bake_without_a_public_url_is_refused_before_it_touches_the_tree(
    settings: Settings, tmp_path: Path
) -> None:
    unset = make_settings(settings.database_url, public_url=None)
    with pytest.raises(ValueError, match="DEPSTATS_PUBLIC_URL"):
        bake(create_app(unset), unset, BakedTree(tmp_path / "tree"))
    assert not (tmp_path / "tree").exists()  # no folder, no .lock left behind
