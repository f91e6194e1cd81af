"""Settings, read once from DEPSTATS_* environment variables and validated at start-up."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import limits
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _project_root() -> Path:
    """The checkout this package runs from (it holds migrations/ and data/), else the cwd."""
    here = Path(__file__).resolve().parent.parent
    return here if (here / "migrations").is_dir() else Path.cwd()


PROJECT_ROOT = _project_root()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEPSTATS_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'depstats.db'}",
        description="SQLAlchemy URL of the database: a SQLite file (the default, created on "
        "first start) or postgresql+psycopg://user:pass@host/db.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder of curated sources, measures and figures that `load` reads.",
    )
    migrations_dir: Path = Field(
        default=PROJECT_ROOT / "migrations",
        description="Alembic's script folder; the only authority on the schema.",
    )
    default_page_size: Annotated[int, Field(ge=1)] = Field(
        default=100, description="Rows in a JSON list page when the client gives no `limit`."
    )
    max_page_size: Annotated[int, Field(ge=1)] = Field(
        default=1000, description="The largest `limit` a client may ask for."
    )
    max_query_length: Annotated[int, Field(ge=1)] = Field(
        default=200, description="The longest text search (`q`) accepted, in characters."
    )
    lock_timeout_ms: Annotated[int, Field(ge=1)] = Field(
        default=5000,
        description="How long a write waits for the write lock (SQLite's busy timeout, "
        "PostgreSQL's lock_timeout) before it is answered 503 with Retry-After.",
    )
    log_level: str = Field(default="info", description="uvicorn's log level.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="The access log: one line per request, as text or JSON."
    )
    cache_max_age: Annotated[int, Field(ge=0)] = Field(
        default=60, description="Seconds a read may be cached (Cache-Control: public, max-age)."
    )
    gzip_minimum_size: Annotated[int, Field(ge=0)] = Field(
        default=1025,
        description="Bodies of at least this many bytes are gzipped for clients that accept it.",
    )

    response_cache_bytes: Annotated[int, Field(ge=0)] = Field(
        default=64 * 1024 * 1024,
        description="Memory each process may keep finished read responses in, until the "
        "dataset changes; 0 turns the cache off.",
    )
    response_cache_entry_bytes: Annotated[int, Field(ge=0)] = Field(
        default=1024 * 1024,
        description="Responses larger than this (bulk downloads) are streamed, never kept.",
    )

    sitemap_urls: Annotated[int, Field(ge=1, le=50_000)] = Field(
        default=50_000,
        description="Pages listed in each file of the sitemap (/sitemap.xml points at them); "
        "at most 50,000, the sitemaps.org protocol's limit.",
    )
    public_url: str | None = Field(
        default=None,
        description="The address clients reach the API at (https://host[/path]). "
        "When set, absolute links (next pages, permalinks, JSON-LD ids) use it instead of the "
        "request's Host header, which a client can forge.",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
    )
    bake_defer_seconds: Annotated[float, Field(ge=0)] = Field(
        default=0.05,
        description="serve --bake: after a correction, an URL due again whose answers took "
        "this long to bake last time, or longer, goes to the app until the rest is baked; "
        "0 leaves every one to the app meanwhile.",
    )
    db_pool_size: Annotated[int, Field(ge=1)] = Field(
        default=5,
        description="PostgreSQL: connections each API process keeps open. With N "
        "processes, the server needs N x (pool size + overflow) connections at most.",
    )
    db_max_overflow: Annotated[int, Field(ge=0)] = Field(
        default=10, description="PostgreSQL: extra connections a process may open under load."
    )
    read_threads: Annotated[int, Field(ge=1)] = Field(
        default=2,
        description="Threads each API process reads the database in, off the event loop. "
        "Every thread contends for the one interpreter lock with the event loop, so more "
        "threads than cores make each read slower, not more reads at once (SQLite); raise "
        "it on PostgreSQL, where a read mostly waits on the network.",
    )
    max_body_bytes: Annotated[int, Field(ge=1)] = Field(
        default=1024 * 1024, description="Larger request bodies get 413 without being read."
    )
    write_rate_limit: str = Field(
        default="120/minute",
        description="Writes one client may make, per process (`N/second|minute|hour`).",
    )
    auth_failure_rate_limit: str = Field(
        default="20/minute",
        description="Failed authentications one client may make before it gets 429, per process.",
    )
    header_timeout: Annotated[float, Field(gt=0)] = Field(
        default=10.0,
        description="Seconds a client has to send all of a request's headers; then 408 "
        "and the connection is closed (depstats serve).",
    )
    body_timeout: Annotated[float, Field(gt=0)] = Field(
        default=10.0,
        description="Seconds a request body may pause; then 408 and the connection is "
        "closed (depstats serve).",
    )
    send_timeout: Annotated[float, Field(gt=0)] = Field(
        default=30.0,
        description="Seconds a response may wait on a client that reads nothing; then the "
        "connection is closed and its read transaction released (depstats serve).",
    )
    max_header_bytes: Annotated[int, Field(ge=1024)] = Field(
        default=64 * 1024,
        description="The most a request's line and headers may weigh in all; more is a 431 "
        "(depstats serve).",
    )
    bulk_downloads_per_client: Annotated[int, Field(ge=1)] = Field(
        default=4,
        description="Whole-list downloads (CSV, NDJSON) one client may stream at once, per "
        "process; one more is a 429.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of proxies whose X-Forwarded-For "
        "names the client (for rate limits and logs); empty trusts none.",
    )

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("DEPSTATS_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        for name in ("write_rate_limit", "auth_failure_rate_limit"):
            try:
                limits.parse(getattr(self, name))
            except ValueError:
                raise ValueError(f"DEPSTATS_{name.upper()} must read like 120/minute") from None
        if self.default_page_size > self.max_page_size:
            raise ValueError("DEPSTATS_DEFAULT_PAGE_SIZE exceeds DEPSTATS_MAX_PAGE_SIZE")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
