"""Stored renders: what the hot reads send must always be what the figure, its measure, its
source and its neighbours say now, after a load, a correction, a retraction or an upgrade."""

from datetime import date
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Date, Engine, bindparam, select, update
from sqlalchemy.orm import Session

from app import migrate
from app.curation import read_dataset
from app.db import core_reads
from app.models import DatasetState, Figure, FigureRender
from app.services import renders
from app.services.figures import incoming_relations, with_related
from app.services.loader import load_dataset
from helpers import SOURCE_ID

FIGURES = "figures/khmer-times-2018-02-us-deportees.toml"


def stored(engine: Engine) -> dict[str, dict[str, str]]:
    with Session(engine) as session:
        return {
            r.figure_id: {"json": r.json, "csv": r.csv, "etag": r.etag}
            for r in session.scalars(select(FigureRender))
        }


def made_now(engine: Engine) -> dict[str, dict[str, str]]:
    """Every figure rendered afresh from the tables, the slow way."""
    with Session(engine) as session:
        found = list(session.scalars(with_related(select(Figure))).unique())
        incoming = incoming_relations(session, [f.id for f in found])
        made = {}
        for figure in found:
            row = renders._render(figure, incoming.get(figure.id, []))
            made[row.pop("figure_id")] = row
        return made


def assert_current(engine: Engine) -> None:
    assert stored(engine) == made_now(engine)


def version(engine: Engine) -> int:
    with Session(engine) as session:
        return renders.dataset_version(session)


def load(engine: Engine, data_dir: Path) -> None:
    with Session(engine) as session, session.begin():
        load_dataset(session, read_dataset(data_dir))


def test_a_loaded_database_holds_every_figures_render(engine: Engine) -> None:
    assert len(stored(engine)) == 8
    assert_current(engine)


def test_the_list_and_the_figure_send_the_stored_renders(client: TestClient, engine) -> None:
    renders_now = stored(engine)
    listed = client.get("/v1/figures?include_retracted=true").json()["items"]
    assert {f["id"]: f for f in listed} == {
        key: orjson.loads(value["json"]) for key, value in renders_now.items()
    }
    one = client.get("/v1/figures/removals-2017")
    assert one.headers["etag"] == renders_now["removals-2017"]["etag"]
    csv = client.get("/v1/figures?format=csv").content.decode()
    assert sorted(csv.splitlines(keepends=True)[1:]) == sorted(
        r["csv"].decode() for r in renders_now.values()
    )


def test_a_renamed_measure_re_renders_its_figures(engine: Engine, data_copy: Path) -> None:
    measures = data_copy / "measures.toml"
    old = "Removals of Cambodian nationals from the US to Cambodia"
    measures.write_text(measures.read_text().replace(old, "Removals, renamed"))
    before = version(engine)
    load(engine, data_copy)
    assert version(engine) > before
    assert_current(engine)
    assert (
        orjson.loads(stored(engine)["removals-2017"]["json"])["measure_name"] == "Removals, renamed"
    )


def test_a_retitled_source_re_renders_its_figures(engine: Engine, data_copy: Path) -> None:
    source = data_copy / f"sources/{SOURCE_ID}.toml"
    old = "Cambodia committed to repatriation of US deportees"
    source.write_text(source.read_text().replace(old, "A new title"))
    load(engine, data_copy)
    assert_current(engine)
    titles = {orjson.loads(r["json"])["source"]["title"] for r in stored(engine).values()}
    assert titles == {"A new title"}


def test_a_dropped_relation_re_renders_the_figure_it_pointed_at(
    engine: Engine, data_copy: Path
) -> None:
    figures = data_copy / FIGURES
    dropped = 'relations = [{ type = "part_of", figure = "removals-since-2002" }]\n'
    assert dropped in figures.read_text()
    figures.write_text(figures.read_text().replace(dropped, "", 1))
    shown = orjson.loads(stored(engine)["removals-since-2002"]["json"])["relations"]
    assert {"type": "has_part", "figure": "removals-2017", "display": "28"} in shown
    load(engine, data_copy)
    assert_current(engine)
    shown = orjson.loads(stored(engine)["removals-since-2002"]["json"])["relations"]
    assert all(r["figure"] != "removals-2017" for r in shown)


def test_corrections_and_retractions_over_http_keep_the_renders_current(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    writer = {"Authorization": f"Bearer {tokens['write']}"}
    tag = client.get("/v1/figures/removals-2017").headers["etag"]
    patched = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": tag},
        json={"note": "checked again", "reason": "a test"},
    )
    assert patched.status_code == 200, patched.text
    assert_current(engine)
    assert client.get("/v1/figures/removals-2017").json()["note"] == "checked again"
    assert client.get("/v1/figures/removals-2017").headers["etag"] == patched.headers["etag"]
    retracted = client.post(
        "/v1/figures/removals-since-2002/retract", headers=writer, json={"reason": "a test"}
    )
    assert retracted.status_code == 200, retracted.text
    assert_current(engine)
    assert "removals-since-2002" not in {f["id"] for f in client.get("/v1/figures").json()["items"]}


def test_a_failed_write_leaves_the_renders_as_they_were(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    before = stored(engine)
    refused = client.patch(
        "/v1/figures/removals-2017",
        headers={"Authorization": f"Bearer {tokens['write']}", "If-Match": 'W/"stale"'},
        json={"note": "never", "reason": "a test"},
    )
    assert refused.status_code == 412
    assert stored(engine) == before


def test_renders_made_by_other_code_are_made_again_on_upgrade(engine: Engine, settings) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(FigureRender).values(json=b"{}", csv=b"", etag="old"))
        session.execute(update(DatasetState).values(render_fingerprint="an older release"))
    before = version(engine)
    migrate.upgrade(engine, settings)
    assert_current(engine)
    # Every cache keyed on the version lets go of what the old code made.
    assert version(engine) == before + 1
    migrate.upgrade(engine, settings)
    assert version(engine) == before + 1


# The hot reads run their statements on the driver's own cursor (app.db.CoreReads).

TYPED = (
    select(Figure.id, Figure.value, Figure.time_start, Figure.updated_at, FigureRender.json)
    .join(FigureRender, FigureRender.figure_id == Figure.id)
    .where(Figure.time_end >= bindparam("start", type_=Date), Figure.status == "published")
    .order_by(Figure.value.desc(), Figure.id)
)


def test_core_reads_bind_and_convert_values_as_sqlalchemy_does(engine: Engine) -> None:
    values = {"start": date(2017, 1, 1)}
    with Session(engine) as session:
        expected = [tuple(row) for row in session.execute(TYPED, values)]
    with core_reads(engine) as reads:
        found = [tuple(row) for row in reads.all(TYPED, values)]
        again = [tuple(row) for row in reads.all(TYPED, values)]  # compiled once, run twice
    assert len(expected) >= 2, "the date filter should keep several of the article's figures"
    assert found == again == expected
    assert {type(row[2]) for row in found} == {date}
    assert all(row[3].tzinfo is not None for row in found)


def test_core_reads_on_sqlite_are_one_snapshot(engine: Engine) -> None:
    """known_ids and counted keep what they read under the version read first: on SQLite they
    may, because a block's reads see one snapshot, whatever commits in between."""
    with core_reads(engine) as reads:
        before = reads.scalar(renders.VERSION)
        with Session(engine) as session, session.begin():
            session.execute(update(DatasetState).values(version=DatasetState.version + 1))
        during = reads.scalar(renders.VERSION)
    with core_reads(engine) as reads:
        after = reads.scalar(renders.VERSION)
    assert after == before + 1
    if engine.dialect.name == "sqlite":
        assert during == before
    else:  # read committed: each statement sees the latest commit (see _same_snapshot)
        assert during == after


# Each kind of neighbour a write must render again: without it, the neighbour's stored answer
# keeps the changed figure's old display (a mutant that skipped neighbours survived before).
NEIGHBOURS = [
    # a whole corrected: its part shows the whole's new display
    ("final-removal-orders-2017-12", {"qualifier": "at_least"},
     "final-removal-orders-criminal-2017-12", "part_of", "at least 1,900"),
    # a part corrected: its whole shows the part's new display
    ("final-removal-orders-criminal-2017-12", {"qualifier": "about"},
     "final-removal-orders-2017-12", "has_part", "about 1,412"),
    # a restatement corrected: the figure it restates shows it
    ("removals-since-2002-rounded", {"qualifier": "at_least"},
     "removals-since-2002", "restated_by", "at least 500"),
    # a restated figure corrected: its restatement shows it
    ("removals-since-2002", {"note": "n", "qualifier": "about"},
     "removals-since-2002-rounded", "restates", "about 572"),
]  # fmt: skip


def patch(client: TestClient, writer: dict[str, str], figure_id: str, changes: dict):
    tag = client.get(f"/v1/figures/{figure_id}").headers["etag"]
    response = client.patch(
        f"/v1/figures/{figure_id}",
        headers={**writer, "If-Match": tag},
        json={**changes, "reason": "a test"},
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(("changed", "changes", "neighbour", "relation", "display"), NEIGHBOURS)
def test_a_correction_renders_every_neighbour_again(
    client: TestClient,
    engine: Engine,
    writer: dict[str, str],
    changed: str,
    changes: dict,
    neighbour: str,
    relation: str,
    display: str,
) -> None:
    patch(client, writer, changed, changes)
    shown = client.get(f"/v1/figures/{neighbour}").json()["relations"]
    assert {"type": relation, "figure": changed, "display": display} in shown
    assert_current(engine)


def test_a_relation_dropped_over_http_renders_its_old_target_again(
    client: TestClient, engine: Engine, writer: dict[str, str]
) -> None:
    patch(client, writer, "removals-2017", {"relations": []})
    shown = client.get("/v1/figures/removals-since-2002").json()["relations"]
    assert all(r["figure"] != "removals-2017" for r in shown)
    assert_current(engine)


def test_a_derived_figure_shows_its_corrected_input(
    client: TestClient, writer: dict[str, str]
) -> None:
    derived = "/v1/derived/final-removal-orders-noncriminal-2017-12"
    before = client.get(derived).json()["display"]
    patch(client, writer, "final-removal-orders-2017-12", {"qualifier": "at_least"})
    after = client.get(derived).json()
    assert after["display"] != before
    assert "at least 1,900" in {i["display"] for i in after["inputs"]}


def test_a_write_builds_the_figure_s_answer_once(
    client: TestClient, writer: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The If-Match check and the answer read what the write's refresh stored."""
    built = []
    original = renders._render
    monkeypatch.setattr(renders, "_render", lambda *a: built.append(a[0].id) or original(*a))
    patch(client, writer, "removals-2017", {"note": "once"})
    assert built.count("removals-2017") == 1
