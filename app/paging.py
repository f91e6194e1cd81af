"""Keyset cursors: an opaque token holding the sort and the last row's sort key and id."""

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from app.errors import InvalidInput

# How each sortable field's key is written into a cursor and read back.
_KEY_TYPES: dict[str, type] = {
    "id": str, "measure": str, "source": str, "qualifier": str,
    "value": float, "time": date, "updated_at": datetime,
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
        """Read a token from `next`; anything else (edited, truncated, other sort) is a 422."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = orjson.loads(raw)
            made_for, key, last_id = data["s"], data["k"], data["i"]
            if not isinstance(last_id, str) or not isinstance(made_for, str):
                raise TypeError
            if made_for == str(sort):
                key = _read_key(sort.field, key)
        except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
            raise _invalid(
                "the cursor is not one this API made; follow the `next` link of "
                "the previous page, or leave cursor out to start again"
            ) from None
        if made_for != str(sort):
            raise _invalid(f"the cursor was made for sort={made_for[:20]}, not sort={sort}")
        return cls(sort, key, last_id)


def _read_key(field: str, key: Any) -> Any:
    kind = _KEY_TYPES[field]
    if kind is str and isinstance(key, str):
        return key
    if kind is float and isinstance(key, int | float) and not isinstance(key, bool):
        return float(key)
    if kind is date and isinstance(key, str):
        return date.fromisoformat(key)
    if kind is datetime and isinstance(key, str):
        return datetime.fromisoformat(key)
    raise TypeError(f"bad cursor key for {field}")


def _invalid(detail: str) -> InvalidInput:
    return InvalidInput(
        "invalid input: query cursor",
        errors=[{"pointer": "#/cursor", "location": "query", "detail": detail}],
    )
