"""The files of a baked API (see app/bake.py), and how they are changed without a reader ever
seeing half of one.

    DIR/.heads/<path>/~<accept>[~<md5 of the sorted query>]
        one answer's head: its status, the name of its body, and its headers (what nginx's
        deploy/nginx/baked.lua reads, then sends the body with gzip_static);
    DIR/.bodies/<2 hex>/<blake2b of the body>[.gz]
        the bodies, named by what they hold, so that a head never names a body that changes:
        a reader that has read a head gets the body that head was written for;
    DIR/<path>/index.<ext> (or DIR/<path> itself, when the path names a file: robots.txt)
        the same bodies again (hard links) at path URLs, for a static host that reads neither
        query strings nor Accept;
    DIR/manifest.json
        the dataset version baked, when, and what: counts, bytes, the accept classes;
    DIR/.inventory.db
        what the next bake starts from (app/bake_inventory.py);
    DIR/.generation
        "baking" while heads change, then a new generation and the dataset's version (see
        TICK and served).

Every file is written beside its place and renamed into it (a rename is atomic); a head is
written only when its text changed, a body only when no file holds it yet. A body no head
names any more is removed by a later bake, GRACE_SECONDS at least after a bake found it
unnamed.
"""

import contextlib
import errno
import fcntl
import filecmp
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from app.bake_inventory import OLD as OLD_INVENTORY
from app.bake_inventory import Inventory

HEADS = ".heads"
BODIES = ".bodies"
LOCK = ".lock"
MANIFEST = "manifest.json"
GRACE_SECONDS = 30.0
# "baking <ns> v<n>" while heads change, then "<ns> v<n>": nginx's workers keep heads in
# memory between bakes and look at this file every TICK, and while baking with every request
# (deploy/nginx/baked.lua).
GENERATION = ".generation"
TICK = 0.05
# The ETag of a whole list's download: the dataset's version and a hash of the query
# (app/figure_lists.py), whatever the body. See served().
_VERSION_TAG = re.compile(rb'(?m)^(etag: W/"v)(\d+)(\.[0-9a-f]{16}")$')


def head_name(accept: str, query: str) -> str:
    """The head's file name for an accept class and a query string (as sent, without `?`):
    its parameters sorted, as deploy/nginx/baked.lua sorts them, then hashed (a query holds
    characters no file name may)."""
    if not query:
        return f"~{accept}"
    canonical = "&".join(sorted(query.split("&")))
    return f"~{accept}~{hashlib.md5(canonical.encode(), usedforsecurity=False).hexdigest()}"


def body_name(body: bytes) -> str:
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return f"{digest[:2]}/{digest}"


@dataclass
class Answer:
    """One baked answer: what a request for `url` with Accept class `accept` gets."""

    url: str  # path and query, as requested
    accept: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes | None  # the app's own gzip of the body, when it compresses this answer

    def head_text(self, body: str) -> bytes:
        lines = [f"{self.status} {body}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines.append(f"# {self.url} {self.accept}")
        return ("\n".join(lines) + "\n").encode("latin-1")


@dataclass
class Tally:
    written: int = 0  # heads whose text changed
    unchanged: int = 0
    removed: int = 0  # heads of answers no longer baked
    new: dict[str, int] = field(default_factory=dict)  # files of bodies written: their bytes
    seen: set[str] = field(default_factory=set)  # heads of this bake, relative to DIR
    touched: set[str] = field(default_factory=set)  # heads written, by any attempt of it
    stable: set[str] = field(default_factory=set)  # path URLs of this bake
    named: set[str] = field(default_factory=set)  # bodies named by them
    # Per URL: the Accept classes asked, its heads, its bodies, the ids its answers name.
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    changing: bool = False  # whether it told the front a bake is changing heads

    @property
    def bodies(self) -> int:
        return len({name.removesuffix(".gz") for name in self.new})

    @property
    def bytes(self) -> int:
        return sum(self.new.values())

    def merge(self, other: "Tally") -> None:
        """Add what another part of the same bake (another process: app/forked.py) put."""
        self.written += other.written
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.new.update(other.new)  # two processes may both have written one file
        for mine, theirs in (
            (self.seen, other.seen),
            (self.touched, other.touched),
            (self.stable, other.stable),
            (self.named, other.named),
        ):
            mine.update(theirs)
        self.urls.update(other.urls)
        self.changing = self.changing or other.changing


def _replace(path: Path, data: bytes) -> None:
    """Write `data` at `path` by a rename: a reader sees the old file or the new, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_name(f".{path.name}.{os.getpid()}.new")
    with spare.open("wb") as handle:
        handle.write(data)
    os.replace(spare, path)


def _link(target: Path, path: Path) -> None:
    """A hard link to `target` at `path`, renamed into place; a copy if `target` has all the
    links the file system allows (65,000 on ext4: at 100,000 figures, the `[]` of a history)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_name(f".{path.name}.{os.getpid()}.new")
    with contextlib.suppress(FileNotFoundError):
        spare.unlink()
    try:
        os.link(target, spare)
    except OSError as exc:
        if exc.errno != errno.EMLINK:
            raise
        shutil.copyfile(target, spare)
    os.replace(spare, path)


def _remove(path: Path) -> None:
    """A file and its gzip, where they are."""
    for suffix in ("", ".gz"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def path_file(url_path: str, extension: str) -> str:
    """Where a static host finds an answer by its path alone: `robots.txt` as itself, a path
    without a file name's dot as `<path>/index.<ext>`."""
    path = url_path.strip("/")
    if "." in path.rsplit("/", 1)[-1]:
        return path
    return f"{path}/index.{extension}" if path else f"index.{extension}"


def _version_of(generation: bytes) -> int | None:
    """The version a .generation names, if it names one."""
    _, _, version = generation.rpartition(b" v")
    return int(version) if version.isdigit() else None


class BakedTree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.changing = False
        self.version = 0  # of the dataset this bake asks: the baker sets it
        # Whether a front may keep heads from a generation of this tree. Before its first
        # .generation there is none: a worker reads every head from disk (baked.lua), so a
        # bake need not wait for the workers to see a change of it.
        self.watched = False
        self.announced = 0.0  # when "baking" was written (monotonic: the same in a fork)
        self.waited = False  # whether this process waited two ticks since

    def announce(self) -> None:
        """Tell nginx's workers that heads will change (they then read them from disk), with
        the lower of the last bake's version and this one's (a dataset made anew starts again),
        which they serve the whole lists' downloads with meanwhile (served()). A bake after
        corrections says it first: the workers' ticks pass while it asks the app."""
        if not self.changing:
            self.changing = True
            try:
                last = _version_of((self.root / GENERATION).read_bytes())
            except FileNotFoundError:
                last = None
            version = self.version if last is None else min(last, self.version)
            _replace(self.root / GENERATION, f"baking {time.time_ns()} v{version}".encode())
            self.announced = time.monotonic()

    def _changing(self) -> None:
        """Before a head changes: announce it, and wait until every worker has seen it."""
        self.announce()
        if self.watched and not self.waited:
            time.sleep(max(0.0, self.announced + 2 * TICK - time.monotonic()))
            self.waited = True

    def _changed(self, version: int) -> None:
        """After the last head changed: a new generation, with the version baked. A worker
        reading heads from disk reads it with each (baked.lua): the next request sees it."""
        if self.changing:
            _replace(self.root / GENERATION, f"{time.time_ns()} v{version}".encode())
            self.changing = self.waited = False

    def begin(self) -> None:
        """Before a bake (and before it forks): whether a front may keep heads of this tree."""
        self.watched = (self.root / GENERATION).exists()

    @contextlib.contextmanager
    def locked(self, wait: bool = True) -> Iterator[bool]:
        """Holds the tree's lock (one baker at a time, across processes): True while held;
        False at once if another holds it and `wait` is False."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def head_path(self, url_path: str, name: str) -> Path:
        return self.root / HEADS / url_path.strip("/") / name

    def put(self, answer: Answer, tally: Tally, stable: str | None) -> tuple[str, str]:
        """Bake one answer: its body (if new), then its head (if changed), then its path URL
        `stable` (a hard link to the body) if given. Returns the head's path (relative to
        DIR) and the body's name ("-" for none)."""
        body = "-"
        if answer.status == 200:
            body = body_name(answer.body)
            tally.named.add(body)
            stored = self.root / BODIES / body
            # Its gzip first, then the body, each looked for apart: another process of the
            # bake may have put the same body ungzipped.
            gz = stored.with_name(stored.name + ".gz")
            if answer.gzipped is not None and not gz.exists():
                _replace(gz, answer.gzipped)
                tally.new[body + ".gz"] = len(answer.gzipped)
            if not stored.exists():
                _replace(stored, answer.body)
                tally.new[body] = len(answer.body)
        path, _, query = answer.url.partition("?")
        head = self.head_path(path, head_name(answer.accept, query))
        relative = str(head.relative_to(self.root))
        self.put_text(relative, answer.head_text(body), tally)
        if stable and body != "-":
            tally.stable.add(stable)
            self._put_stable(stable, body, answer.gzipped is not None)
        return relative, body

    def put_text(self, relative: str, text: bytes, tally: Tally) -> None:
        """Write a head's text at `relative`, if it changed."""
        head = self.root / relative
        tally.seen.add(relative)
        try:
            same = head.read_bytes() == text
        except FileNotFoundError:
            same = False
        if same:
            tally.unchanged += 1
        else:
            self._changing()
            tally.touched.add(relative)
            _replace(head, text)
            tally.written += 1

    def drop(self, heads: list[str], stable: set[str], tally: Tally) -> None:
        """Take heads and path URLs off the tree before a bake changes any other: a front
        passes what they answered to the app, until a later bake puts them back."""
        for relative in heads:
            self._changing()
            with contextlib.suppress(FileNotFoundError):
                (self.root / relative).unlink()
                tally.removed += 1
        for path in stable:
            _remove(self.root / path)

    def _put_stable(self, stable: str, body: str, gzipped: bool) -> None:
        stored = self.root / BODIES / body
        path = self.root / stable
        suffixes = [""] + ([".gz"] if gzipped else [])
        for suffix in suffixes:
            target = stored.with_name(stored.name + suffix)
            place = path.with_name(path.name + suffix)
            with contextlib.suppress(FileNotFoundError):
                if os.path.samefile(target, place) or filecmp.cmp(target, place, shallow=False):
                    continue  # the body, or a copy of it (_link)
            _link(target, place)
        if not gzipped:
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + ".gz").unlink()

    def clear(self, tally: Tally, whole: bool, inventory: Inventory) -> dict[str, float]:
        """After every answer is put: remove the heads of answers no longer baked (on a whole
        bake, every head on disk it did not put: a failed bake's too; else those the records
        of the URLs asked again held), the path URLs no record holds any more, and the
        bodies none has held for GRACE_SECONDS and a bake. Returns the bodies none holds,
        with since when, for the inventory."""
        asked = set(tally.urls)
        unnamed_before = inventory.unnamed()
        if whole:
            heads = {
                str(path.relative_to(self.root))
                for path in (self.root / HEADS).rglob("~*")
                if not path.name.endswith(".new")
            }
            stable, bodies = inventory.every("stable"), inventory.every("bodies")
            with contextlib.suppress(FileNotFoundError):  # the JSON inventory of a bake before
                old = orjson.loads((self.root / OLD_INVENTORY).read_bytes())
                stable |= set(old.get("stable", []))
                bodies |= set(old.get("bodies", []))
                unnamed_before.update(old.get("unnamed", {}))
            held: set[str] = set()
        else:
            records = inventory.records(asked).values()
            heads = {head for record in records for head in record["heads"]}
            stable = {path for record in records for path in record["stable"]}
            bodies = {body for record in records for body in record["bodies"]}
            held = inventory.held("stable", stable - tally.stable, besides=asked)
            held |= inventory.held("bodies", bodies - tally.named, besides=asked)
        for relative in (heads | tally.touched) - tally.seen:
            self._changing()
            with contextlib.suppress(FileNotFoundError):
                (self.root / relative).unlink()
                tally.removed += 1
        for path in stable - tally.stable - held:
            _remove(self.root / path)
        now = time.time()
        # A body no head names any more is kept GRACE_SECONDS from the bake that found it
        # unnamed, and removed by the first bake after that: a reader (or an nginx worker) that
        # read a head naming it just before has long since opened it.
        unnamed: dict[str, float] = {}
        for body in (bodies | set(unnamed_before)) - tally.named - held:
            since = unnamed_before.get(body, now)
            if now - since < GRACE_SECONDS:
                unnamed[body] = since
                continue
            _remove(self.root / BODIES / body)
        return unnamed

    def settle(self, version: int) -> None:
        """Once the inventory is written: the new generation, with the version baked."""
        with contextlib.suppress(FileNotFoundError):
            (self.root / OLD_INVENTORY).unlink()  # what it held is in the new inventory
        try:
            generation = (self.root / GENERATION).read_bytes()
        except FileNotFoundError:
            generation = b""  # a tree from before .generation, or a first bake that changed nothing
        # Also after a bake that failed or was stopped while baking, and after one that changed
        # no head but the version (the whole lists' ETags name it).
        if generation.startswith(b"baking") or not generation.endswith(b" v%d" % version):
            self._changing()
        self._changed(version)

    def publish(self, manifest: dict[str, object]) -> None:
        """Write the manifest: last, once the bake is over (tests wait for its version)."""
        _replace(self.root / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))


def served(head: bytes, version: int) -> bytes:
    """A head as the front serves it when the tree's .generation names `version`: a whole
    list's download with the ETag of that version, if its head names an older one (a
    correction changes no such body but the version, and the bake that follows it leaves
    their heads as they were). deploy/nginx/baked.lua does the same; the tests hold a bake
    to it."""

    def newer(match: re.Match[bytes]) -> bytes:
        baked = max(int(match[2]), version)
        return match[1] + str(baked).encode() + match[3]

    return _VERSION_TAG.sub(newer, head)
