"""What a bake leaves for the next (app/bake.py): for every URL baked, its record (the Accept
classes asked, its heads, bodies and path URLs, how long they took) and the ids its answers
name, with the ids, bodies and path URLs indexed, in one SQLite file of the tree. A bake after
corrections reads the records of the URLs that name what changed (and of those due after any),
asks which bodies and path URLs other URLs still hold, and writes the records it asked again:
its work follows what changed, not the size of the tree. A whole bake writes every record anew.
"""

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

NAME = ".inventory.db"
OLD = ".inventory"  # the JSON file bakes wrote before this one: a bake from it is whole
_CHUNK = 500  # values bound in one `IN (...)`, below SQLite's limit on variables
_LEFT = "SELECT url FROM urls WHERE deferred"
_OPAQUE_AT = "SELECT url FROM urls WHERE opaque AND path IN"
_NAMING_AT = (
    "SELECT u.url, u.path FROM urls u WHERE NOT u.opaque "
    "AND EXISTS (SELECT 1 FROM names n WHERE n.url = u.url) AND u.path IN"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    opaque INTEGER NOT NULL,
    always INTEGER NOT NULL,
    deferred INTEGER NOT NULL,
    record BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS urls_path ON urls (path);
CREATE INDEX IF NOT EXISTS urls_always ON urls (always) WHERE always;
CREATE INDEX IF NOT EXISTS urls_deferred ON urls (deferred) WHERE deferred;
CREATE TABLE IF NOT EXISTS names (id TEXT NOT NULL, url TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS names_id ON names (id);
CREATE INDEX IF NOT EXISTS names_url ON names (url, id);
CREATE TABLE IF NOT EXISTS bodies (item TEXT NOT NULL, url TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bodies_item ON bodies (item);
CREATE INDEX IF NOT EXISTS bodies_url ON bodies (url);
CREATE TABLE IF NOT EXISTS stable (item TEXT NOT NULL, url TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS stable_item ON stable (item);
CREATE INDEX IF NOT EXISTS stable_url ON stable (url);
CREATE TABLE IF NOT EXISTS unnamed (body TEXT PRIMARY KEY, since REAL NOT NULL);
"""


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = list(values)
    for at in range(0, len(values), _CHUNK):
        yield values[at : at + _CHUNK]


class Inventory:
    """The inventory of the tree at `root`; opened (made, if new) by the baker holding the
    tree's lock, and closed by it."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(root / NAME, isolation_level=None)
        # The tree's files are not flushed to disk either. A bake's records are written in one
        # transaction: after a crash the next bake starts from the last bake's that ended
        # (the corrections since are as many or more).
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _where_in(self, query: str, values: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of `query` (this module's own SQL, ending in `IN`) for `values`, a chunk
        of them at a time."""
        for chunk in _chunks(values):
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(f"{query} ({marks})", chunk)

    def facts(self) -> dict[str, Any]:
        """The version, revision and public URL of the last bake ({} before the first)."""
        rows = self.db.execute("SELECT name, value FROM facts")
        return {name: orjson.loads(value) for name, value in rows}

    def known(self, urls: list[str]) -> set[str]:
        """Which of `urls` have a record."""
        return {url for (url,) in self._where_in("SELECT url FROM urls WHERE url IN", urls)}

    def left(self) -> bool:
        """Whether the last bake left URLs to the app (bake_plan.due)."""
        return self.db.execute(f"{_LEFT} LIMIT 1").fetchone() is not None

    def records(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self._where_in("SELECT url, record FROM urls WHERE url IN", urls)
        return {url: orjson.loads(record) for url, record in rows}

    def naming(self, ids: set[str]) -> dict[str, dict[str, Any]]:
        """The records of the URLs whose answers name any of `ids` (a workbook: when another
        answer at its path does), and of those due again after any correction
        (bake_plan.always_due); with no ids, of those the last bake left to the app."""
        if not ids:
            return self.records(url for (url,) in self.db.execute(_LEFT))
        urls = {url for (url,) in self._where_in("SELECT url FROM names WHERE id IN", ids)}
        paths = {url.partition("?")[0] for url in urls}
        urls.update(url for (url,) in self._where_in(_OPAQUE_AT, paths))
        urls.update(url for (url,) in self.db.execute("SELECT url FROM urls WHERE always"))
        return self.records(urls)

    def named_at(self, paths: Iterable[str], besides: Iterable[str]) -> set[str]:
        """Which of `paths` have an URL, not one of `besides`, whose answers can be read (not
        opaque) and name an id."""
        besides = set(besides)
        return {path for url, path in self._where_in(_NAMING_AT, paths) if url not in besides}

    def held(self, table: str, items: Iterable[str], besides: Iterable[str]) -> set[str]:
        """Which of `items` (bodies, or path URLs: `table`) a record holds, other than those
        of the URLs `besides`."""
        query = {"bodies": "SELECT item, url FROM bodies", "stable": "SELECT item, url FROM stable"}
        besides = set(besides)
        rows = self._where_in(f"{query[table]} WHERE item IN", items)
        return {item for item, url in rows if url not in besides}

    def every(self, table: str) -> set[str]:
        """Every body, or path URL (`table`), a record holds: for a whole bake."""
        query = {"bodies": "SELECT item FROM bodies", "stable": "SELECT item FROM stable"}
        return {item for (item,) in self.db.execute(query[table])}

    def unnamed(self) -> dict[str, float]:
        """The bodies no record held any more, since when (baked_tree.GRACE_SECONDS)."""
        return dict(self.db.execute("SELECT body, since FROM unnamed"))

    def write(
        self,
        records: dict[str, dict[str, Any]],
        names: dict[str, set[str]],
        always: dict[str, bool],
        facts: dict[str, Any],
        unnamed: dict[str, float],
        whole: bool,
    ) -> int:
        """In one transaction: the records of `records`' URLs (on a whole bake, of every URL,
        the others dropped), with the ids those of `names` name (the others' stay), whether
        each is due after any correction, the bake's facts and the bodies no record holds.
        Returns how many URLs have a record."""
        db = self.db
        db.execute("BEGIN")
        try:
            total = len(records)
            if not whole:  # counted as they come: a count of every record grows with the tree
                before_urls = self.facts().get("urls")
                total += before_urls - len(self.known(list(records))) if before_urls else 0
            for table in ("urls", "names", "bodies", "stable"):
                if whole:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608
                elif table != "names":
                    list(self._where_in(f"DELETE FROM {table} WHERE url IN", records))  # noqa: S608
            db.executemany(
                "INSERT INTO urls VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        url,
                        url.partition("?")[0],
                        bool(record.get("opaque", True)),
                        always[url],
                        bool(record.get("deferred")),
                        # The ids it names are in `names`: a whole list names every figure.
                        orjson.dumps({k: v for k, v in record.items() if k != "mentions"}),
                    )
                    for url, record in records.items()
                ),
            )
            # Only the ids that changed: a list at scale names thousands, the same after a
            # correction as before.
            before: dict[str, set[str]] = {}
            if not whole:
                for url, id_ in self._where_in("SELECT url, id FROM names WHERE url IN", names):
                    before.setdefault(url, set()).add(id_)
            db.executemany(
                "DELETE FROM names WHERE url = ? AND id = ?",
                ((url, id_) for url, ids in before.items() for id_ in ids - names[url]),
            )
            db.executemany(
                "INSERT INTO names VALUES (?, ?)",
                ((id_, url) for url, ids in names.items() for id_ in ids - before.get(url, set())),
            )
            for table in ("bodies", "stable"):
                db.executemany(
                    f"INSERT INTO {table} VALUES (?, ?)",  # noqa: S608
                    ((item, url) for url, record in records.items() for item in record[table]),
                )
            db.execute("DELETE FROM unnamed")
            db.executemany("INSERT INTO unnamed VALUES (?, ?)", unnamed.items())
            if not whole and not before_urls:  # an inventory that did not count them
                total = int(db.execute("SELECT count(*) FROM urls").fetchone()[0])
            db.executemany(
                "INSERT OR REPLACE INTO facts VALUES (?, ?)",
                ((name, orjson.dumps(value)) for name, value in {**facts, "urls": total}.items()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return total
