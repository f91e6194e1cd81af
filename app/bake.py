"""Bake the read API into files: every public GET answer of one dataset version, asked of the
app itself (in this process and in children forked from it, through ASGI: app/forked.py),
so that what nginx serves from the files is what
the app would have said, byte for byte (a whole list's download, whose ETag is the dataset's
version, is served with the version of the last bake: baked_tree.served). The files are laid
out by app/baked_tree.py; nginx serves them with deploy/nginx/ (`depstats front`).

What is baked: every GET route of the OpenAPI document but the probes, `/v1/citations` (it
takes a list of figures) and `/v1/sources/{id}/candidates` (the extractor's proposals, not the
dataset), for every id, with no query, each `format` and `style` it takes, and the keyset pages
its answers link; the pages, feeds, sitemaps, the docs and every file they load. Each in the
Accept classes of ACCEPTS that the route offers. Not baked: any other query (filters, search,
`limit`, `accessed`), any other Accept, and every write: those go to the app.
"""

import asyncio
import gzip
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bake_inventory import OLD as OLD_INVENTORY
from app.bake_inventory import Inventory
from app.bake_plan import (
    ACCEPTS,
    CLASS_OF_TYPE,
    FILES,
    NOTHING,
    always_due,
    bakeable,
    classes_of,
    corrected,
    due,
    mentioned,
    names_of,
    newest_revision,
    path_url,
    routes,
    textual,
    with_files,
)
from app.baked_tree import Answer, BakedTree, Tally
from app.config import Settings
from app.forked import app_after_fork, fork_map
from app.inprocess import get
from app.models import Derived, Figure, Measure, Source
from app.negotiation import OFFERS, choose
from app.services.renders import dataset_version

# Headers that are the front's to give, per request: not baked.
PER_REQUEST = {
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "x-request-id",
    "x-cache",
    "date",
    "server",
    "access-control-allow-origin",
    "access-control-expose-headers",
}
MODELS: dict[str, Any] = {
    "figures": Figure,
    "measures": Measure,
    "sources": Source,
    "derived": Derived,
}
NO_PUBLIC_URL = (
    "set DEPSTATS_PUBLIC_URL to the URL the front will answer on: "
    "the baked feeds, sitemaps and linked data name it"
)
# A process is forked for each PART URLs of a crawl's round, at most: fewer are asked here.
PART = 32
_LINK = re.compile(r"""(?:href|src)=["']([^"'<>]+)["']""")


@dataclass
class Report:
    version: int
    urls: int
    answers: int
    tally: Tally
    seconds: float
    whole: bool = True
    deferred: int = 0  # URLs left to the app until `later` (bake_plan.due)
    later: "Report | None" = None

    def __str__(self) -> str:
        t = self.tally
        what = "" if self.whole else " (corrections: what names them, asked again)"
        text = (
            f"baked version {self.version}{what}: {self.answers} answers of {self.urls} URLs in "
            f"{self.seconds:.2f} s; {t.written} heads written, {t.unchanged} unchanged, "
            f"{t.removed} removed; {t.bodies} new bodies ({t.bytes} bytes)"
        )
        if self.deferred:
            text += f"; {self.deferred} URLs left to the app until baked again"
        return text + (f"; then {self.later}" if self.later else "")


class Baker:
    """Asks one app for every answer, and puts each in a BakedTree."""

    def __init__(self, app: Any, settings: Settings, tree: BakedTree, jobs: int = 1) -> None:
        if not settings.public_url:
            raise ValueError(NO_PUBLIC_URL)
        self.app = app
        self.settings = settings
        self.public = settings.public_url.rstrip("/")
        parts = urlsplit(self.public)
        self.scheme, self.host = parts.scheme, parts.netloc.encode()
        self.tree = tree
        self.jobs = max(1, jobs)  # processes asking the app at once (app/forked.py)

    def ids(self) -> dict[str, list[str]]:
        with Session(self.app.state.engine) as session:
            return {
                kind: list(session.scalars(select(model.id).order_by(model.id)))
                for kind, model in MODELS.items()
            }

    def version(self) -> int:
        with Session(self.app.state.engine) as session:
            return dataset_version(session)

    def routes(self, ids: dict[str, list[str]]) -> list[tuple[str, tuple[str, ...]]]:
        """Every URL to bake with the Accept classes each is asked in (bake_plan.routes)."""
        return routes(self.app.openapi(), ids, CLASS_OF_TYPE)

    def bake(self, incremental: bool = False, defer: bool = True) -> Report:
        """Ask the app for every answer; or, if `incremental` and only corrections came since
        the last bake of this tree, for those bake_plan says may have changed: if `defer`,
        the long ones then go to the app until a bake that does not defer (bake_plan.due)."""
        started = time.perf_counter()
        touched: set[str] = set()  # heads written by every attempt, removed if not put again
        self.tree.begin()
        inventory = Inventory(self.tree.root)
        try:
            for _ in range(3):
                version = self.tree.version = self.version()
                if incremental:  # heads will change: the front's workers see it meanwhile
                    self.tree.announce()
                tally = Tally(touched=touched)
                # After a JSON inventory (of bakes before this one), whole.
                fresh = incremental and not (self.tree.root / OLD_INVENTORY).exists()
                facts = inventory.facts() if fresh else {}
                changed = None
                with Session(self.app.state.engine) as session:
                    revision = newest_revision(session)
                    if facts.get("public_url") == self.public and "version" in facts:
                        since, moved = facts["revision"], version - facts["version"]
                        changed = corrected(session, since, moved)
                        if not changed and not inventory.left():
                            changed = None  # nothing to go on: baked whole
                deferred = 0
                if changed is not None:
                    every = self._every_id(facts["version"])
                    urls, answers, deferred = self._again(tally, inventory, changed, every, defer)
                else:
                    ids = self.ids()
                    every = {id_ for kind in ids.values() for id_ in kind}
                    urls, answers = self._crawl(tally, self.routes(ids), every, set())
                if self.version() == version:
                    break
            else:
                raise RuntimeError("the dataset kept changing while it was baked; bake again")
            self.app.state.baked_ids = (version, every)
            whole = changed is None
            unnamed = self.tree.clear(tally, whole, inventory)
            names = names_of(tally.urls)
            elsewhere = (lambda *_: set()) if whole else inventory.named_at
            always = always_due(tally.urls, names, elsewhere)
            facts = {"version": version, "revision": revision, "public_url": self.public}
            # What was left to the app names what it named: its ids stay as they are.
            names = {url: ids for url, ids in names.items() if not tally.urls[url].get("deferred")}
            stored = inventory.write(tally.urls, names, always, facts, unnamed, whole)
            urls = urls if whole else stored
        finally:
            inventory.close()
        self.tree.settle(version)
        seconds = time.perf_counter() - started
        self.tree.publish(
            {
                "version": version,
                "public_url": self.public,
                "baked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "seconds": round(seconds, 3),
                "whole": whole,
                "urls": urls,
                "answers": answers,
                "left_to_the_app": deferred,
                "bodies_named_by_what_was_asked": len(tally.named),
                "accept": ACCEPTS,
            }
        )
        return Report(version, urls, answers, tally, seconds, whole, deferred)

    def _every_id(self, baked: int) -> set[str]:
        """Every id, of which an answer's mentions are: as this app's last bake found them,
        if it baked the version the tree was baked at (corrections since add and remove
        none); else read (at 100,000 figures, 0.1 s of a correction's bake)."""
        version, every = getattr(self.app.state, "baked_ids", (None, set()))
        if version == baked:
            return every
        return {id_ for kind in self.ids().values() for id_ in kind}

    def _again(
        self, tally: Tally, inventory: Inventory, changed: set[str], every: set[str], defer: bool
    ) -> tuple[int, int, int]:
        """Ask again for the URLs bake_plan.due says are due now; take the heads of those it
        leaves to the app off the tree first; every other URL keeps its heads, bodies and
        record as they are. That holds for the whole lists' downloads too, whose ETag is the
        dataset's version and a hash of the query (`figure_lists.stream_figures`): the front
        serves them with the version of the tree (baked_tree.served)."""
        records = inventory.naming(changed)
        again, later = due(records, self.settings.bake_defer_seconds if defer else None)
        dropped: list[str] = []
        left: set[str] = set()
        for url in later:
            tally.urls[url] = {**records[url], "heads": [], "bodies": [], "stable": []}
            tally.urls[url]["deferred"] = True
            dropped += records[url]["heads"]
            left.update(records[url]["stable"])
        # A path URL another answer also has (`?format=json` and no query) stays.
        left -= {stable for url in again for stable in records[url]["stable"]}
        self.tree.drop(dropped, left - inventory.held("stable", left, later), tally)
        todo = list(again.items())
        urls, answers = self._crawl(tally, todo, every, set(later), inventory.known)
        for url, classes in again.items():  # no answer now (an error): the app's to give
            tally.urls.setdefault(url, {**NOTHING, "classes": list(classes)})
        return urls, answers, len(later)

    def _crawl(
        self,
        tally: Tally,
        todo: list[tuple[str, tuple[str, ...]]],
        ids: set[str],
        seen: set[str],
        known: Callable[[list[str]], set[str]] = lambda urls: set(),
    ) -> tuple[int, int]:
        """Ask for `todo`'s URLs, then for every URL their answers link that is neither `seen`
        nor `known` (to the inventory, after corrections), noting which of `ids` each names:
        each round's URLs split over `jobs` processes (app/forked.py), if there are enough."""
        asked = answers = 0
        while todo:
            firsts: dict[str, tuple[str, ...]] = {}
            for url, classes in todo:
                if url not in seen:
                    firsts.setdefault(url, classes)
            todo = list(firsts.items())
            seen.update(url for url, _ in todo)
            jobs = max(1, min(self.jobs, len(todo) // PART))
            parts = [todo[at::jobs] for at in range(jobs)]
            found: list[str] = []
            for part, part_found, part_answers in fork_map(
                lambda part: self._round(part, ids), parts, lambda: app_after_fork(self.app)
            ):
                tally.merge(part)
                self.tree.changing = self.tree.changing or part.changing
                found += part_found
                answers += part_answers
            asked += len(todo)
            found = [url for url in dict.fromkeys(found) if url not in seen]
            baked = known(found)
            todo = [(url, classes_of(url)) for url in found if url not in baked]
        return asked, answers

    def _round(
        self, todo: list[tuple[str, tuple[str, ...]]], ids: set[str]
    ) -> tuple[Tally, list[str], int]:
        """Ask for each URL of `todo` and put its answers in the tree: what was put, the
        URLs they link to, and how many answers."""
        tally = Tally()
        found: list[str] = []
        answers = 0

        async def each() -> None:
            nonlocal answers
            for url, classes in todo:
                started = time.perf_counter()
                record: dict[str, Any] = {
                    "classes": list(classes),
                    "heads": [],
                    "bodies": [],
                    "stable": [],
                }
                bodies = {}
                opaque = False
                for answer, links in await self._answers(url, classes):
                    stable = path_url(answer)
                    head, body = self.tree.put(answer, tally, stable)
                    if stable and body != "-":
                        record["stable"].append(stable)
                    media = dict((k.lower(), v) for k, v in answer.headers).get("content-type")
                    opaque = opaque or (body != "-" and not textual(media or ""))
                    record["heads"].append(head)
                    if body != "-":
                        record["bodies"].append(body)
                        if not url.startswith(FILES):
                            bodies[body] = answer.body
                    answers += 1
                    found.extend(links)
                if record["heads"]:
                    record["mentions"] = sorted(mentioned([url.encode(), *bodies.values()], ids))
                    # A body that is not text (a workbook: zipped XML) names nothing that can
                    # be read: asked again whole after any correction.
                    record["opaque"] = opaque
                    record["seconds"] = round(time.perf_counter() - started, 4)
                    tally.urls[url] = record

        asyncio.run(each())
        tally.changing = self.tree.changing
        return tally, found, answers

    async def _answers(self, url: str, classes: tuple[str, ...]) -> list[tuple[Answer, list[str]]]:
        """The answer for each Accept class, asking the app once per representation: a route
        notes the media types it chose among (negotiation.OFFERS), and a class gets what the
        app's own `choose` picks among them for the class's Accept, as the response cache
        keys on it; a route that notes none answers every Accept alike."""
        first, offers = await self._ask(url, "none")
        if first is None:
            return []
        by_choice: dict[str | None, Answer | None] = {offers[0] if offers else None: first}
        links: list[str] = []
        answers = []
        for accept in with_files(url, classes):
            choice = choose(ACCEPTS[accept][0], offers) if offers else None
            if offers and choice is None:
                continue  # a 406: the app's to say
            if choice not in by_choice:
                by_choice[choice] = (await self._ask(url, accept))[0]
            answer = by_choice[choice]
            if answer is not None:
                answers.append((replace(answer, accept=accept), links))
        for answer in {id(a): a for a in by_choice.values() if a is not None}.values():
            links += self._links(url, answer)
        return answers

    async def _ask(self, url: str, accept: str) -> tuple[Answer | None, list[str]]:
        """GET `url` of the app, as a client accepting gzip and ACCEPTS[accept][0] would;
        with the media types the route chose among, if it noted them."""
        headers = [(b"host", self.host), (b"accept-encoding", b"gzip")]
        if ACCEPTS[accept][0]:
            headers.append((b"accept", ACCEPTS[accept][0].encode()))
        status, raw_headers, raw, state = await get(self.app, self.scheme, url, headers)
        offers = list(state.get(OFFERS, ()))
        if status not in (200, 301, 302, 303, 307, 308):
            return None, offers
        encoding = next((v for k, v in raw_headers if k.lower() == "content-encoding"), None)
        gzipped = raw if encoding == "gzip" else None
        body = gzip.decompress(raw) if gzipped is not None else raw
        kept = [(name, value) for name, value in raw_headers if name.lower() not in PER_REQUEST]
        return Answer(url, accept, status, kept, body, gzipped), offers

    def _links(self, url: str, answer: Answer) -> list[str]:
        """The URLs of this origin an answer links to, that the bake answers."""
        found = []
        for name, value in answer.headers:
            if name.lower() == "link":
                found += re.findall(r"<([^>]+)>", value)
            elif name.lower() == "location":
                found.append(value)
        media = dict((k.lower(), v) for k, v in answer.headers).get("content-type", "")
        if media.startswith(("text/", "application/json", "application/xml", "application/atom")):
            text = answer.body.decode("utf-8", "replace")
            found += [html.unescape(link) for link in _LINK.findall(text)]
            prose = re.findall(re.escape(self.public) + r"""/[^\s"'<>\\]*""", text)
            found += [link.rstrip(".,;:!?)") for link in prose]  # not the sentence's full stop
        links = []
        for link in found:
            absolute = urljoin(f"{self.public}{url}", link)
            if not absolute.startswith(self.public + "/"):
                continue
            parts = urlsplit(absolute)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if bakeable(local):
                links.append(local)
        return links


def bake(
    app: Any, settings: Settings, tree: BakedTree, incremental: bool = False, jobs: int = 1
) -> Report:
    """Bake the app's answers into the tree, holding its lock; in `jobs` processes (forked
    from this one, which must then run no other thread that could hold a lock). After
    corrections, what is left to the app is baked next, unless the dataset changed again (the
    next bake, after the next write, takes it up)."""
    baker = Baker(app, settings, tree, jobs)  # refuses a missing public URL first
    with tree.locked():
        report = baker.bake(incremental)
        if report.deferred and baker.version() == report.version:
            report.later = baker.bake(incremental=True, defer=False)
        return report
