"""`load` is idempotent, keeps every previous state as a revision, and never silently undoes
a change someone else made."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import migrate
from app.curation import DataError, read_dataset
from app.db import create_db_engine
from app.models import Figure, Revision
from app.services.loader import LoadRefused, figure_state, load_dataset
from conftest import make_settings
from helpers import DATA_DIR

FIGURES = "figures/khmer-times-2018-02-us-deportees.toml"
# A figure no correction in data/corrections.toml touches: its one revision is its first load.
UNCORRECTED = "final-removal-orders-2017-12"
OLD_NOTE = (
    '"\\"In December\\" is December 2017, the last December before the article\'s '
    'publication; no day is given."'
)
# 1 source, 6 measures, 8 figures and 3 derived, each a revision 1; and 7 corrections.
REVISIONS = 18 + 7


def load(engine: Engine, data_dir: Path = DATA_DIR, **options: object):
    with Session(engine) as session, session.begin():
        return load_dataset(session, read_dataset(data_dir), **options)


def revisions(engine: Engine, figure_id: str) -> list[Revision]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Revision)
                .where(Revision.resource == "figure", Revision.resource_id == figure_id)
                .order_by(Revision.number)
            )
        )


def count_revisions(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Revision)) or 0


def test_the_first_load_makes_revision_1_of_everything(engine: Engine) -> None:
    history = revisions(engine, UNCORRECTED)
    assert [(r.number, r.actor) for r in history] == [(1, "load")]
    assert history[0].reason == f"loaded from data/{FIGURES}"
    assert history[0].state["value"] == 1900
    assert history[0].state["status"] == "published"
    assert count_revisions(engine) == REVISIONS


def test_loading_again_changes_nothing(engine: Engine) -> None:
    before = count_revisions(engine)
    report = load(engine)
    assert not report.changed
    assert report.unchanged == 18
    assert count_revisions(engine) == before


def test_a_changed_figure_is_updated_and_its_previous_state_kept(
    engine: Engine, data_copy: Path
) -> None:
    path = data_copy / FIGURES
    path.write_text(path.read_text().replace(OLD_NOTE, '"Corrected note."'))
    report = load(engine, data_copy)
    assert report.updated == [f"figure {UNCORRECTED}"]
    history = revisions(engine, UNCORRECTED)
    assert [r.number for r in history] == [1, 2]
    assert history[0].state["note"].startswith('"In December" is December 2017')
    assert history[1].state["note"] == "Corrected note."
    assert history[1].reason == f"changed in data/{FIGURES}"
    with Session(engine) as session:
        figure = session.get(Figure, UNCORRECTED)
        assert figure is not None
        assert (figure.note, figure.revision) == ("Corrected note.", 2)
    assert not load(engine, data_copy).changed


def _change_as_if_through_the_api(engine: Engine, figure_id: str, note: str) -> None:
    with Session(engine) as session, session.begin():
        figure = session.get(Figure, figure_id)
        assert figure is not None
        session.refresh(figure, ["relations"])
        figure.note, figure.revision = note, 2
        session.add(
            Revision(
                resource="figure",
                resource_id=figure_id,
                number=2,
                state=figure_state(figure),
                actor="newsroom",
                reason="the ministry corrected its count",
            )
        )


def test_load_refuses_to_undo_a_change_made_through_the_api(
    engine: Engine, data_copy: Path
) -> None:
    _change_as_if_through_the_api(engine, UNCORRECTED, "Changed over HTTP.")
    path = data_copy / FIGURES
    path.write_text(path.read_text().replace(OLD_NOTE, '"Changed in the file."'))
    with pytest.raises(
        LoadRefused,
        match=rf"figure '{UNCORRECTED}' was last changed by "
        r"'newsroom'",
    ):
        load(engine, data_copy)
    with Session(engine) as session:
        assert session.get(Figure, UNCORRECTED).note == "Changed over HTTP."  # type: ignore[union-attr]

    report = load(engine, data_copy, overwrite=True, reason="the file is the reviewed version")
    assert report.updated == [f"figure {UNCORRECTED}"]
    history = revisions(engine, UNCORRECTED)
    assert [(r.number, r.actor) for r in history] == [(1, "load"), (2, "newsroom"), (3, "load")]
    assert history[2].reason == "the file is the reviewed version"
    assert history[1].state["note"] == "Changed over HTTP."


def test_an_unchanged_file_leaves_an_api_change_alone(engine: Engine) -> None:
    _change_as_if_through_the_api(engine, UNCORRECTED, "Changed over HTTP.")
    with pytest.raises(LoadRefused):
        load(engine)  # data/ still has the old note: loading it would undo the change


def test_a_figure_missing_from_data_is_left_alone_unless_asked(
    engine: Engine, data_copy: Path
) -> None:
    path = data_copy / FIGURES
    blocks = path.read_text().split("\n[[figure]]\n")
    kept = [b for b in blocks if not b.startswith('id = "blocked-deportations-2018-01-25"')]
    assert len(kept) == len(blocks) - 1
    path.write_text("\n[[figure]]\n".join(kept))
    # Its correction goes with it (a correction of no figure is refused).
    corrections = data_copy / "corrections.toml"
    blocks = corrections.read_text().split("\n[[correction]]\n")
    kept = [b for b in blocks if not b.startswith('figure = "blocked-deportations-2018-01-25"')]
    assert len(kept) == len(blocks) - 1
    corrections.write_text("\n[[correction]]\n".join(kept))

    assert not load(engine, data_copy).changed
    with Session(engine) as session:
        assert session.get(Figure, "blocked-deportations-2018-01-25").status == "published"  # type: ignore[union-attr]

    report = load(engine, data_copy, retract_missing=True)
    assert report.retracted == ["figure blocked-deportations-2018-01-25"]
    history = revisions(engine, "blocked-deportations-2018-01-25")
    assert history[-1].state["status"] == "retracted"
    assert history[0].state["status"] == "published"
    # Loading the full data again brings it back, as a new revision.
    assert load(engine).updated == ["figure blocked-deportations-2018-01-25"]


@pytest.mark.parametrize(
    "statement", ["UPDATE revisions SET reason = 'rewritten'", "DELETE FROM revisions"]
)
def test_revisions_cannot_be_rewritten_or_deleted(engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="revisions are immutable"), engine.begin() as conn:
        conn.execute(text(statement))
    assert count_revisions(engine) == REVISIONS


# --- Corrections: data/corrections.toml, each a revision with its reason ----------------------


def test_a_corrected_figure_keeps_revision_1_as_first_curated_and_each_fix_after_it(
    engine: Engine, client: TestClient
) -> None:
    history = client.get("/v1/figures/removals-since-2002-rounded/history").json()
    assert [(r["number"], r["actor"]) for r in history] == [(1, "load"), (2, "load")]
    first, fixed = history[0], history[1]
    assert first["reason"] == f"loaded from data/{FIGURES}"
    assert (first["state"]["period"], first["state"]["stated"]) == (
        {"start": "2002", "end": "2018-02"},
        None,
    )
    assert (fixed["state"]["period"], fixed["state"]["stated"]) == (
        {"start": "2002", "end": "2017"},
        "2018-02",
    )
    assert fixed["reason"].startswith("The rounded total stood at the end of 2017")
    figure = client.get("/v1/figures/removals-since-2002-rounded").json()
    assert (figure["revision"], figure["period"]["end"], figure["stated"]) == (2, "2017", "2018-02")

    # Two corrections to one figure are two revisions, in order, each with its own reason.
    steps = revisions(engine, "removals-since-2002")
    assert [r.number for r in steps] == [1, 2, 3]
    organisations = [r.state["attribution"]["organisation"] for r in steps]
    assert organisations == ["immigration department"] + 2 * [
        "Ministry of Interior’s general department of immigration"
    ]
    assert [r.state["wording"]["timing"] for r in steps] == [None, None, "cumulative"]
    assert steps[1].reason.startswith("One organisation, one name")


def test_a_database_loaded_before_the_corrections_gets_each_as_a_new_revision(
    tmp_path: Path, data_copy: Path
) -> None:
    settings = make_settings(tmp_path / "before.db")
    engine = create_db_engine(settings)
    migrate.upgrade(engine, settings)
    # data/ as it was before: no corrections, and no list of organisations' names.
    kept = {}
    for name in ("corrections.toml", "organisations.toml"):
        kept[name] = (data_copy / name).read_text(encoding="utf-8")
        (data_copy / name).unlink()
    load(engine, data_copy)  # the figures as first curated: revision 1 of each
    assert [r.number for r in revisions(engine, "removals-since-2002")] == [1]

    for name, held in kept.items():
        (data_copy / name).write_text(held, encoding="utf-8")
    report = load(engine, data_copy)
    assert len(report.updated) == 6  # the six corrected figures; the rest unchanged
    steps = revisions(engine, "removals-since-2002")
    assert [r.number for r in steps] == [1, 2, 3]
    assert steps[0].reason == f"loaded from data/{FIGURES}"
    assert steps[2].reason.startswith("A running total, said as one")
    # The same history a fresh database is given: the state of every revision alike.
    fresh = make_settings(tmp_path / "fresh.db")
    other = create_db_engine(fresh)
    migrate.upgrade(other, fresh)
    load(other, data_copy)
    for figure_id in read_dataset(data_copy).figures:
        ours = [(r.number, r.state, r.reason, r.created_at) for r in revisions(engine, figure_id)]
        theirs = [(r.number, r.state, r.reason, r.created_at) for r in revisions(other, figure_id)]
        assert ours == theirs  # the dates too: data/ gives them, not the clock
    assert not load(engine, data_copy).changed
    engine.dispose()
    other.dispose()


def test_a_figure_s_revisions_are_dated_by_data_not_by_the_day_it_was_loaded(
    engine: Engine,
) -> None:
    """Revision 1 on the figures file's `curated` day, each correction on its own day; the
    figure's updated_at is its latest revision's. So a citation of a revision names the same
    date in every database, whenever it was loaded."""
    curated, corrected = datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    assert [r.created_at for r in revisions(engine, UNCORRECTED)] == [curated]
    assert [r.created_at for r in revisions(engine, "removals-since-2002")] == [
        curated,
        corrected,
        corrected,
    ]
    with Session(engine) as session:
        figure = session.get(Figure, "removals-since-2002")
        assert figure is not None
        assert (figure.created_at, figure.updated_at) == (curated, corrected)


def test_a_curated_day_that_is_not_a_day_is_refused(data_copy: Path) -> None:
    path = data_copy / FIGURES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("curated = 2026-11-26", 'curated = "26 Nov"'), encoding="utf-8")
    with pytest.raises(DataError, match="curated must be a day: curated = 2026-11-26"):
        read_dataset(data_copy)


def test_a_correction_without_its_day_is_refused(data_copy: Path) -> None:
    path = data_copy / "corrections.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("date = 2026-12-02\n", "", 1), encoding="utf-8")
    with pytest.raises(DataError, match="correction 1: date: Field required"):
        read_dataset(data_copy)
