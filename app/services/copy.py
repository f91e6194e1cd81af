"""Copy a whole database into another (SQLite into PostgreSQL, typically): every table, every
row, ids kept, in one transaction on the target; then, in a second, the target renders every
figure afresh (a copy interrupted between the two is served once `depstats db render` ran)."""

from sqlalchemy import Connection, Engine, func, insert, select, text

from app.db import Base
from app.errors import Conflict
from app.migrate import refresh_renders

BATCH = 1000
MADE_BY_TARGET = {"dataset_state", "figure_renders"}


def copy_database(source: Engine, target: Engine) -> dict[str, int]:
    """Rows copied per table. The target must be at head and hold no data yet."""
    # Parents before the rows that refer to them; what the target makes itself is left out
    # (its version counts the revisions copied; renders are made afresh, below).
    tables = [t for t in Base.metadata.sorted_tables if t.name not in MADE_BY_TARGET]
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        busy = [t.name for t in tables if writing.scalar(select(func.count()).select_from(t))]
        if busy:
            raise Conflict(
                f"the target already holds data in {', '.join(busy)}; copy into an empty database"
            )
        for table in tables:
            copied[table.name] = 0
            rows = reading.execute(select(table).order_by(*table.primary_key.columns))
            while batch := rows.fetchmany(BATCH):
                writing.execute(insert(table), [row._asdict() for row in batch])
                copied[table.name] += len(batch)
        _advance_sequences(writing)
    refresh_renders(target, force=True)
    return copied


def _advance_sequences(connection: Connection) -> None:
    """Rows came with their ids: move PostgreSQL's id sequences past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        column = table.columns.get("id")
        if column is not None and column.autoincrement is True:
            name = table.name  # from our own metadata, never from input
            top = f"(SELECT max(id) FROM {name})"  # noqa: S608
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE({top}, 1), {top} IS NOT NULL)"
                )
            )
