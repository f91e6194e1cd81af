"""Keyset cursors: an opaque token holding the sort and the last row's sort key and id."""

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

from app.errors import invalid_field
from app.ids import SLUG
from app.qualifiers import Qualifier

# How each sortable field's key is written into a cursor and read back.
_KEY_TYPES: dict[str, type] = {
    "id": str, "measure": str, "source": str, "qualifier": Qualifier,
    "value": float, "time": date, "updated_at": datetime,
    "rank": float,  # how well a figure matches `q` (lower is better): only with `q`
}  # fmt: skip
SORT_FIELDS = tuple(_KEY_TYPES)


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    @classmethod
    def parse(cls, text: str) -> "Sort":
        field = text.removeprefix("-")
        if field not in _KEY_TYPES:
            raise ValueError(
                f"cannot sort by {field!r}; sort by one of {', '.join(SORT_FIELDS)}"
                " (prefix - for descending)"
            )
        return cls(field, text.startswith("-"))

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


@dataclass(frozen=True)
class Cursor:
    sort: Sort
    key: Any
    id: str

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, date) else self.key
        raw = orjson.dumps({"s": str(self.sort), "k": key, "i": self.id})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: Sort) -> "Cursor":
        """Read a token from `next`, checked as a whole: its shape, its sort, the type of its
        key and its id. Anything else (edited, truncated, forged, other sort) is a 422, never
        a value that reaches the database unchecked."""
        try:
            # Strict: a character outside the URL-safe alphabet is an edit, not noise to skip.
            padded = token + "=" * (-len(token) % 4)
            raw = base64.b64decode(padded, altchars=b"-_", validate=True)
            data = orjson.loads(raw)
            if not isinstance(data, dict) or set(data) != {"s", "k", "i"}:
                raise TypeError  # not a cursor
            made_for, key, last_id = data["s"], data["k"], data["i"]
            if not isinstance(made_for, str) or not isinstance(last_id, str):
                raise TypeError  # not a cursor
            if made_for == str(sort):
                key = _read_key(sort.field, key)
                if not SLUG.fullmatch(last_id):
                    raise TypeError  # not an id
        except (binascii.Error, ValueError, TypeError, OverflowError, orjson.JSONDecodeError):
            raise invalid_field(
                "query",
                "cursor",
                "the cursor is not one this API made; follow the `next` link of "
                "the previous page, or leave cursor out to start again",
            ) from None
        if made_for != str(sort):
            raise invalid_field(
                "query",
                "cursor",
                f"the cursor was made for sort={made_for[:20]}, not sort={sort}; "
                "start again without cursor",
            )
        return cls(sort, key, last_id)


def _read_key(field: str, key: Any) -> Any:
    """The sort key as the column holds it, or TypeError/ValueError/OverflowError (which
    `Cursor.decode` turns into its 422, hence no message of their own)."""
    kind = _KEY_TYPES[field]
    if not isinstance(key, str) and kind is not float:
        raise TypeError
    if kind is str:  # the other sortable text columns hold ids
        if not SLUG.fullmatch(key):
            raise ValueError
        return key
    if kind is Qualifier:
        return Qualifier(key).value
    if kind is float:
        if not isinstance(key, int | float) or isinstance(key, bool):
            raise TypeError
        value = float(key)  # OverflowError for an integer beyond a float
        if not math.isfinite(value):  # 1e400 reads as infinity
            raise ValueError
        return value
    if kind is date:
        return date.fromisoformat(key)
    moment = datetime.fromisoformat(key)
    if moment.tzinfo is None:  # a cursor's time must say its offset
        raise ValueError
    return moment.astimezone(UTC)  # OverflowError at the ends of the calendar
