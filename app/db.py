"""The declarative base, the engine factory (with SQLite's pragmas) and the per-request session."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import DateTime, Engine, MetaData, Select, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.config import Settings

# Named constraints, so that migrations can refer to (and drop) them on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are refused: give a timezone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_db_engine(settings: Settings) -> Engine:
    """An engine for the configured URL; a SQLite file gets WAL and durable, checked writes."""
    url = make_url(settings.database_url)
    lock_timeout = int(settings.lock_timeout_ms)
    if url.get_backend_name() != "sqlite":
        server = create_engine(
            url,
            json_serializer=_json_dumps,
            pool_pre_ping=True,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )

        @event.listens_for(server, "begin")
        def _bounded_wait(connection: Any) -> None:
            # A writer waits for a row another writer holds at most this long, then fails
            # with lock_not_available (a 503), rather than for ever.
            if connection.get_execution_options().get(WRITE_LOCK, False):
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {lock_timeout}")

        return server
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        json_serializer=_json_dumps,
        # Sessions are used from FastAPI's thread pool; SQLAlchemy's pool keeps one thread per
        # connection at a time, which is what sqlite3's same-thread check guards.
        connect_args={"check_same_thread": False},
        # No limit on connections to a file: reads run in the thread pool and downloads hold
        # one for their whole stream, so a thread waiting for a pooled connection could
        # stall the very threads that would give one back. A SQLite connection is a file
        # handle.
        pool_size=5,
        max_overflow=-1,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling commits before DDL and never begins one for
        # it, so a failed migration would leave half a schema behind. Turn it off and begin
        # transactions ourselves (below): migrations and writes are then all or nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL syncs the WAL on every commit: a write acknowledged is a write kept.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={lock_timeout}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A writer takes the write lock when it starts, so concurrent writers queue (for up
        # to the busy timeout) instead of failing when the second one tries to commit.
        immediate = connection.get_execution_options().get(WRITE_LOCK, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def create_sessionmaker(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions on the engine; `write=True` makes their transactions take the write lock
    (see `_begin`). Objects stay readable after commit, so a response can be serialised once
    the transaction has ended."""
    bind = engine.execution_options(**{WRITE_LOCK: True}) if write else engine
    return sessionmaker(bind, expire_on_commit=False)


WRITE_LOCK = "depstats_write_lock"
AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns
T = TypeVar("T")


class _Prepared:
    """A Core SELECT compiled once for a dialect: its SQL, the order of its parameters (for
    drivers that take them by position), and SQLAlchemy's own converters for its values and
    its columns (dates to text and back, on SQLite)."""

    def __init__(self, statement: AnySelect, dialect: Dialect) -> None:
        self.compiled = statement.compile(dialect=dialect)
        self.sql = self.compiled.string
        self.positions = self.compiled.positiontup
        self.binds = {
            name: processor
            for name, bind in self.compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        self.types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        self.dialect = dialect
        self.columns: list[tuple[int, Callable[[Any], Any]]] | None = None

    def parameters(self, values: dict[str, Any]) -> Any:
        given = self.compiled.construct_params(values)
        for name, processor in self.binds.items():
            if name in given:
                given[name] = processor(given[name])
        return given if self.positions is None else [given[name] for name in self.positions]

    def rows(self, found: list[Any], description: Any) -> list[Any]:
        if self.columns is None:  # some converters depend on the type the driver reports
            self.columns = [
                (index, processor)
                for index, (kind, column) in enumerate(zip(self.types, description, strict=True))
                if (processor := kind.result_processor(self.dialect, column[1]))
            ]
        if not self.columns:
            return found
        rows = [list(row) for row in found]
        for row in rows:
            for index, convert in self.columns:
                row[index] = convert(row[index])
        return rows


@lru_cache(maxsize=1024)
def _prepare(statement: AnySelect, dialect: Dialect) -> _Prepared:
    return _Prepared(statement, dialect)


class DriverReads:
    """Reads run on the database driver's own cursor, in one read transaction: the hot reads
    (a page of figures, a figure) use it. SQLAlchemy still writes their SQL, once per
    statement, and converts their values; what is skipped is its work on each execution (a
    session, its transaction, the result's rows). A figure's whole answer, in-process on the
    million-figure benchmark database, took 0.52 ms with them and 0.21 ms without.
    Statements must be built once and reused: they are prepared once each (`_prepare`)."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def all(self, statement: AnySelect, values: dict[str, Any] | None = None) -> list[Any]:
        prepared = _prepare(statement, self.dialect)
        self.cursor.execute(prepared.sql, prepared.parameters(values or {}))
        return prepared.rows(self.cursor.fetchall(), self.cursor.description)

    def scalar(self, statement: AnySelect, values: dict[str, Any] | None = None) -> Any:
        found = self.all(statement, values)
        return found[0][0] if found else None


@contextmanager
def driver_reads(engine: Engine) -> Iterator[DriverReads]:
    """A pooled connection's driver, in a read transaction ended (rolled back: nothing was
    written) when the block ends. On SQLite, whose driver begins nothing by itself here (see
    `_sqlite_pragmas`), BEGIN makes the block's reads one snapshot; psycopg begins a
    transaction at the first statement."""
    pooled = engine.raw_connection()
    try:
        cursor = pooled.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")
        try:
            yield DriverReads(cursor, engine.dialect)
        finally:
            cursor.close()
            pooled.rollback()
    finally:
        pooled.close()
