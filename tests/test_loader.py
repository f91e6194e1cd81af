"""`load` is idempotent, keeps every previous state as a revision, and never silently undoes
a change someone else made."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.curation import read_dataset
from app.models import Figure, Revision
from app.services.loader import LoadRefused, figure_state, load_dataset
from helpers import DATA_DIR

FIGURES = "figures/khmer-times-2018-02-us-deportees.toml"
OLD_NOTE = '"\\"Last year\\" is 2017: the article was published in February 2018."'


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
    history = revisions(engine, "removals-2017")
    assert [(r.number, r.actor) for r in history] == [(1, "load")]
    assert history[0].reason == f"loaded from data/{FIGURES}"
    assert history[0].state["value"] == 28
    assert history[0].state["status"] == "published"
    assert count_revisions(engine) == 18  # 1 source, 6 measures, 8 figures, 3 derived


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
    assert report.updated == ["figure removals-2017"]
    history = revisions(engine, "removals-2017")
    assert [r.number for r in history] == [1, 2]
    assert history[0].state["note"].startswith('"Last year" is 2017')
    assert history[1].state["note"] == "Corrected note."
    assert history[1].reason == f"changed in data/{FIGURES}"
    with Session(engine) as session:
        figure = session.get(Figure, "removals-2017")
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
    _change_as_if_through_the_api(engine, "removals-2017", "Changed over HTTP.")
    path = data_copy / FIGURES
    path.write_text(path.read_text().replace(OLD_NOTE, '"Changed in the file."'))
    with pytest.raises(
        LoadRefused,
        match=r"figure 'removals-2017' was last changed by "
        r"'newsroom'",
    ):
        load(engine, data_copy)
    with Session(engine) as session:
        assert session.get(Figure, "removals-2017").note == "Changed over HTTP."  # type: ignore[union-attr]

    report = load(engine, data_copy, overwrite=True, reason="the file is the reviewed version")
    assert report.updated == ["figure removals-2017"]
    history = revisions(engine, "removals-2017")
    assert [(r.number, r.actor) for r in history] == [(1, "load"), (2, "newsroom"), (3, "load")]
    assert history[2].reason == "the file is the reviewed version"
    assert history[1].state["note"] == "Changed over HTTP."


def test_an_unchanged_file_leaves_an_api_change_alone(engine: Engine) -> None:
    _change_as_if_through_the_api(engine, "removals-2017", "Changed over HTTP.")
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
    assert count_revisions(engine) == 18
