"""The declarative base, the engine factory (with SQLite's pragmas) and the per-request session."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, DateTime, Engine, MetaData, Select, create_engine, event
from sqlalchemy.engine import make_url
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


def modelled(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether Alembic's comparison with the models covers this schema object: not the search
    index (app/services/search.py), which differs by engine (FTS5 and its shadow tables on
    SQLite) and is written by SQL of its own, so it has no ORM class."""
    return not (type_ == "table" and (name or "").startswith("figure_search"))


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


class CoreReads:
    """The hot reads (a page of figures, a figure, a count) in one read transaction, through
    SQLAlchemy Core's public API: `Connection.execute` on statements built once and reused,
    which SQLAlchemy compiles once and keeps in its compiled cache. No session, no ORM
    objects: rows as the driver gives them, with SQLAlchemy's own conversions."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect

    def all(self, statement: AnySelect, values: dict[str, Any] | None = None) -> list[Any]:
        return list(self.connection.execute(statement, values or {}).all())

    def scalar(self, statement: AnySelect, values: dict[str, Any] | None = None) -> Any:
        return self.connection.execute(statement, values or {}).scalar()


class DriverRead:
    """One SELECT of one parameter, run on the driver's own cursor (PEP 249) for the hottest
    read, where `Connection.execute` costs several times the query. Public APIs only: the
    statement is compiled once for the engine's dialect (`str(statement.compile(...))`), the
    connection comes from the pool (`Engine.raw_connection`, rolled back when it goes back),
    and the parameter is passed in the dialect's paramstyle. The row comes back as the
    driver gives it, so the caller writes down each column's conversion."""

    def __init__(self, engine: Engine, statement: AnySelect) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        (self.name,) = compiled.params  # exactly one parameter
        self.sql = str(compiled)
        self.positional = engine.dialect.positional
        self.engine = engine

    def first(self, value: Any) -> Any:
        """The first row, or None."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self.sql, (value,) if self.positional else {self.name: value})
                return cursor.fetchone()
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool


@contextmanager
def core_reads(engine: Engine) -> Iterator[CoreReads]:
    """A pooled connection in a read transaction, ended (rolled back: nothing was written)
    when the block ends. On SQLite the transaction begins with BEGIN (see `_begin`), so the
    block's reads are one snapshot; on PostgreSQL each statement reads the latest commit."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield CoreReads(connection)
        finally:
            transaction.rollback()
