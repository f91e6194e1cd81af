"""Each figure's representations, made when the data behind them changes, stored, and sent
as they are: its JSON object, its CSV line and its ETag.

A figure's representation shows more than its own row: its measure's name and words, its
source's summary, and the number of every figure it relates to either way. So whatever writes
(the API's writes, `load`) calls `refresh` with what it changed, in its own transaction, and
`refresh` renders those figures, their neighbours by relation (parts, wholes, restatements,
either way), and every figure of a measure or source it changed; the same step stores each
rendered figure's search document (app/services/search_index.py), so search finds what the API
shows, measure's definition included. The stored renders also
carry the fingerprint of the code that made them: when an upgrade changes how a figure is
shown, `ensure_current` makes them all again before the API serves one.
"""

import hashlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db import DriverRead
from app.errors import NotFound
from app.etags import etag_hasher
from app.mapping import figure_read
from app.models import DatasetState, Figure, FigureRelation, FigureRender, Measure
from app.schemas.reads import FigureRead
from app.services import search_index
from app.services.figures import incoming_relations, with_related
from app.tabular import CsvRows

BATCH = 500
_APP = Path(__file__).resolve().parent.parent
# The modules whose code decides what a figure's representations say.
_SHAPING = ("schemas/fields.py", "schemas/reads.py", "mapping.py", "statements.py",
            "numbers.py", "qualifiers.py", "dates.py", "intervals.py", "tabular.py",
            "services/renders.py", "search_terms.py", "services/search_index.py",
            "services/ranking.py")  # fmt: skip


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _SHAPING:
        digest.update(name.encode() + b"\0" + (_APP / name).read_bytes())
    return digest.hexdigest()


FINGERPRINT = _fingerprint()
_CSV = CsvRows(FigureRead)
CSV_HEADER = _CSV.header()


def figure_etag(figure: Figure, read: FigureRead) -> str:
    """Derived from the figure's revision, so JSON and JSON-LD of one revision share it, and
    from what else its representations show (its measure, source and related figures), so it
    still changes whenever the data behind them does."""
    hasher = etag_hasher()
    hasher.update(orjson.dumps(read.model_dump(mode="json")))
    hasher.update(figure.measure.definition.encode())
    return f'W/"{figure.id}.r{figure.revision}.{hasher.hexdigest()[:16]}"'


def render(session: Session, ids: Iterable[str]) -> int:
    """Make and store the renders and search documents of these figures (ids that are no
    figure are skipped)."""
    done = 0
    pending = iter(sorted(set(ids)))
    while batch := list(islice(pending, BATCH)):
        # Read in a session of its own on the same connection: it sees this transaction's
        # changes, flushed, and none of the objects the caller's session holds half-loaded.
        with Session(bind=session.connection()) as reading:
            found = list(
                reading.scalars(with_related(select(Figure)).where(Figure.id.in_(batch))).unique()
            )
            incoming = incoming_relations(reading, [f.id for f in found])
            made = [(f, figure_read(f, incoming.get(f.id, []))) for f in found]
            rows = [_render(f, incoming.get(f.id, []), read) for f, read in made]
            documents = [search_index.document(read, f.measure.definition) for f, read in made]
        session.execute(delete(FigureRender).where(FigureRender.figure_id.in_(batch)))
        if rows:
            session.execute(insert(FigureRender), rows)
        search_index.store(session, batch, documents)
        done += len(rows)
    return done


def _render(
    figure: Figure, incoming: list[FigureRelation], read: FigureRead | None = None
) -> dict[str, str | bytes]:
    """A figure's stored representations; `read`, if given, is its read model, made already."""
    read = read if read is not None else figure_read(figure, incoming)
    data = read.model_dump(mode="json")
    return {
        "figure_id": figure.id,
        "json": orjson.dumps(data),
        "csv": _CSV.line(data),
        "etag": figure_etag(figure, read),
    }


def ensure_current(session: Session, *, force: bool = False) -> int:
    """Re-render every figure if the stored renders were made by other code (or by none), or
    if `force`; the caller commits. Returns how many were rendered."""
    state = session.get(DatasetState, 1, with_for_update=True)
    if state is None or (state.render_fingerprint == FINGERPRINT and not force):
        return 0
    done = 0
    last = ""
    while ids := list(
        session.scalars(select(Figure.id).where(Figure.id > last).order_by(Figure.id).limit(BATCH))
    ):
        done += render(session, ids)
        last = ids[-1]
        session.expunge_all()
    search_index.optimize(session)
    session.execute(
        update(DatasetState)
        .where(DatasetState.id == 1)
        .values(render_fingerprint=FINGERPRINT, version=DatasetState.version + 1)
    )
    return done


VERSION = select(DatasetState.version).where(DatasetState.id == 1)


def dataset_version(session: Session) -> int:
    return session.connection().execute(VERSION).scalar() or 0


def refresh(
    session: Session,
    *,
    figures: Iterable[str] = (),
    measures: Iterable[str] = (),
    sources: Iterable[str] = (),
) -> int:
    """Render again, in the caller's transaction, what a change made stale: these figures,
    every figure related to one of them (either way), and every figure of these measures and
    sources. A caller that drops a relation names its old target among `figures`, since the
    relation is gone by now. Returns how many figures were rendered."""
    session.flush()
    ids = set(figures)
    for chunk in _chunks(sorted(ids)):
        ids.update(
            session.scalars(
                select(FigureRelation.figure_id).where(FigureRelation.target_id.in_(chunk))
            )
        )
        ids.update(
            session.scalars(
                select(FigureRelation.target_id).where(FigureRelation.figure_id.in_(chunk))
            )
        )
    measures, sources = sorted(set(measures)), sorted(set(sources))
    if measures or sources:
        ids.update(
            session.scalars(
                select(Figure.id).where(
                    or_(Figure.measure_id.in_(measures), Figure.source_id.in_(sources))
                )
            )
        )
    return render(session, ids)


def stored(session: Session, figure_id: str) -> tuple[bytes, str]:
    """A figure's stored JSON and ETag, as its last refresh made them."""
    row = session.execute(
        select(FigureRender.json, FigureRender.etag).where(FigureRender.figure_id == figure_id)
    ).one()
    return bytes(row[0]), row[1]


def stored_objects(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    """These figures' stored JSON, parsed, in the order given (ids that are no figure are
    left out): what a page of search results shows, without loading each figure, its
    measure, source and relations through the ORM, or validating its read model again."""
    rows = session.connection().execute(_STORED, {"ids": ids})
    found = {row[0]: row[1] for row in rows}
    return [orjson.loads(found[i]) for i in ids if i in found]


def measure_subjects(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Each of these measures' subject (who is counted), which a figure's JSON does not say."""
    rows = session.connection().execute(_SUBJECTS, {"ids": list(set(ids))})
    return {row[0]: row[1] for row in rows}


# Core statements on the session's connection: the ORM's handling of a plain SELECT cost
# more than the query (0.7 ms for twenty subjects).
_STORED = select(FigureRender.figure_id, FigureRender.json).where(
    FigureRender.figure_id.in_(bindparam("ids", expanding=True))
)
_SUBJECTS = select(Measure.id, Measure.subject).where(
    Measure.id.in_(bindparam("ids", expanding=True))
)


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


_FIGURE_RENDER = select(FigureRender.json, FigureRender.etag).where(
    FigureRender.figure_id == bindparam("id")
)


@lru_cache(maxsize=8)
def _figure_render(engine: Engine) -> DriverRead:
    return DriverRead(engine, _FIGURE_RENDER)


def rendered_figure(engine: Engine, figure_id: str) -> tuple[bytes, str]:
    """A figure's stored JSON and ETag; NotFound if there is no such figure. Read on the
    driver's cursor (see `DriverRead`): the JSON column is bytes (SQLite) or a buffer
    (psycopg), so it is passed through `bytes`; the ETag is text."""
    found = _figure_render(engine).first(figure_id)
    if found is None:
        raise NotFound(f"no figure with id {figure_id!r}")
    return bytes(found[0]), str(found[1])
