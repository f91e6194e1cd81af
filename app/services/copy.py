"""Copy a whole database into another (SQLite into PostgreSQL, typically): every table, every
row, ids kept, in one transaction on the target."""

from sqlalchemy import Connection, Engine, func, insert, select, text

from app.db import Base
from app.errors import Conflict

BATCH = 1000


def copy_database(source: Engine, target: Engine) -> dict[str, int]:
    """Rows copied per table. The target must be at head and hold no data yet."""
    tables = Base.metadata.sorted_tables  # parents before the rows that refer to them
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
