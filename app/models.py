"""ORM tables. The schema itself is owned by the Alembic migrations in migrations/."""

from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

SLUG = 80
# The revisions that change a row after it was first made: corrections and retractions.
CHANGES = "number > 1"


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    curator_notes: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (CheckConstraint("kind IN ('flow', 'stock')", name="kind"),)

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    kind: Mapped[Literal["flow", "stock"]] = mapped_column(String(5))
    population: Mapped[str] = mapped_column(Text)
    from_country: Mapped[str] = mapped_column(String(2))
    to_country: Mapped[str] = mapped_column(String(2))
    # How a sentence names what is counted: "<number> <subject> <predicate> <when>".
    subject: Mapped[str] = mapped_column(Text)
    predicate: Mapped[str] = mapped_column(Text)
    # Migration 0005: for counts one event makes, "blocked the immediate removal from the US of".
    event: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Figure(Base):
    __tablename__ = "figures"
    __table_args__ = (
        CheckConstraint("status IN ('published', 'retracted')", name="status"),
        CheckConstraint(
            "(period_start IS NULL) = (period_end IS NULL)"
            " AND (period_start IS NULL) <> (as_of IS NULL)",
            name="period_or_as_of",
        ),
        Index("ix_figures_time", "time_start", "time_end"),
        # Migration 0004: filtered pages of one measure, and the whole list, in id order.
        Index(
            "ix_figures_measure_listing",
            "measure_id",
            "status",
            "id",
            "qualifier",
            "time_start",
            "time_end",
        ),
        Index("ix_figures_status_id", "status", "id"),
        # Migration 0008: the same, for filters that name a qualifier.
        Index(
            "ix_figures_qualifier_listing",
            "measure_id",
            "status",
            "qualifier",
            "id",
            "time_start",
            "time_end",
        ),
    )

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    measure_id: Mapped[str] = mapped_column(ForeignKey("measures.id"), index=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    qualifier: Mapped[str] = mapped_column(String(16), index=True)
    value_text: Mapped[str] = mapped_column(Text)
    period_start: Mapped[str | None] = mapped_column(String(10))
    period_end: Mapped[str | None] = mapped_column(String(10))
    as_of: Mapped[str | None] = mapped_column(String(10))
    # The days the period or as-of date covers at its precision, for filters and ordering.
    time_start: Mapped[date] = mapped_column(Date)
    time_end: Mapped[date] = mapped_column(Date)
    stated: Mapped[str | None] = mapped_column(String(10))
    quote: Mapped[str] = mapped_column(Text)
    quote_start: Mapped[int] = mapped_column(Integer)
    quote_end: Mapped[int] = mapped_column(Integer)
    value_start: Mapped[int] = mapped_column(Integer)
    value_end: Mapped[int] = mapped_column(Integer)
    attribution_person: Mapped[str | None] = mapped_column(Text)
    attribution_role: Mapped[str | None] = mapped_column(Text)
    attribution_organisation: Mapped[str | None] = mapped_column(Text)
    attribution_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # Migration 0005: the quote's words its sentence keeps, and how it says its time.
    wording_restriction: Mapped[str | None] = mapped_column(Text)
    wording_time_words: Mapped[str | None] = mapped_column(Text)
    wording_timing: Mapped[str | None] = mapped_column(String(10))
    wording_agent: Mapped[str | None] = mapped_column(Text)
    status: Mapped[Literal["published", "retracted"]] = mapped_column(
        String(10), default="published", index=True
    )
    retraction_reason: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # lazy="raise": every query says what it loads, so no request lazy-loads by surprise.
    measure: Mapped[Measure] = relationship(lazy="raise")
    source: Mapped[Source] = relationship(lazy="raise")
    relations: Mapped[list["FigureRelation"]] = relationship(
        lazy="raise",
        foreign_keys="FigureRelation.figure_id",
        cascade="all, delete-orphan",
        order_by="(FigureRelation.type, FigureRelation.target_id)",
    )


class FigureRelation(Base):
    """`figure_id` is `type` of `target_id`: a part of it, or a restatement of it."""

    __tablename__ = "figure_relations"
    __table_args__ = (CheckConstraint("type IN ('part_of', 'restates')", name="type"),)

    figure_id: Mapped[str] = mapped_column(ForeignKey("figures.id"), primary_key=True)
    type: Mapped[Literal["part_of", "restates"]] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("figures.id"), primary_key=True, index=True)

    # Read-only ways to the two ends, for showing a related figure's number beside its id.
    figure: Mapped["Figure"] = relationship(foreign_keys=[figure_id], lazy="raise", viewonly=True)
    target: Mapped["Figure"] = relationship(foreign_keys=[target_id], lazy="raise", viewonly=True)


class Derived(Base):
    """A number computed on read from figures, defined by its inputs and operation."""

    __tablename__ = "derived_figures"
    __table_args__ = (
        CheckConstraint("operation IN ('sum', 'difference', 'ratio')", name="operation"),
        CheckConstraint("unit IN ('people', 'percent')", name="unit"),
    )

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    predicate: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inputs: Mapped[list["DerivedInput"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="DerivedInput.position"
    )


class DerivedInput(Base):
    __tablename__ = "derived_inputs"

    derived_id: Mapped[str] = mapped_column(ForeignKey("derived_figures.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    figure_id: Mapped[str] = mapped_column(ForeignKey("figures.id"), index=True)


class Revision(Base):
    """The full state one change produced, kept forever: the migrations forbid UPDATE and DELETE."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("resource", "resource_id", "number"),
        CheckConstraint("resource IN ('source', 'measure', 'figure', 'derived')", name="resource"),
        # Migration 0007: the corrections and retractions, by date, for the feeds.
        Index(
            "ix_revisions_figure_changes",
            "resource",
            "created_at",
            "id",
            sqlite_where=text(CHANGES),
            postgresql_where=text(CHANGES),
        ),
    )

    # Grows with every change to the dataset. The dataset's version is not this id but the
    # count kept in dataset_state, which a trigger bumps on every revision (migration 0004)
    # and a re-render bumps too: after a fresh load the highest id is 18, the version 19.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource: Mapped[str] = mapped_column(String(10))
    resource_id: Mapped[str] = mapped_column(String(SLUG))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Token(Base):
    """An API token: only the SHA-256 digest of its secret is kept. Revoked tokens stay, so
    that the names in revision history always resolve."""

    __tablename__ = "tokens"
    __table_args__ = (CheckConstraint("scope IN ('write', 'admin')", name="scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(SLUG), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FigureRender(Base):
    """A figure's representations, made once when the data behind them changes (see
    app/services/renders.py) and sent as they are: its JSON object, its CSV line, its ETag."""

    __tablename__ = "figure_renders"

    figure_id: Mapped[str] = mapped_column(ForeignKey("figures.id"), primary_key=True)
    json: Mapped[bytes] = mapped_column(LargeBinary)
    csv: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(200))


class DatasetState(Base):
    """One row: `version` grows with every revision (a trigger counts them, migration 0004), so
    a cache holds an answer while the version it was made at is current; `render_fingerprint`
    names the code the stored renders were made by."""

    __tablename__ = "dataset_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    render_fingerprint: Mapped[str] = mapped_column(String(64))
