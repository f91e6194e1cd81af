"""Rows for CSV, NDJSON and Frictionless Table Schema, derived from the API's response models.

The flattening rule, documented in the README: a nested object's fields become columns named
`parent.child` (`bounds.lower`, `quote_span.start`); a list (`relations`, `inputs`) is one cell
holding JSON text; null is an empty cell; true and false are `true` and `false`; `links` are
left out (they are relative paths to the API itself).
"""

import csv
import io
import types
import typing
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, get_args, get_origin

import orjson
from pydantic import BaseModel

LEFT_OUT = {"links"}


def _unwrap(annotation: Any) -> Any:
    """`X | None`, `Annotated[X, ...]` -> X."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any, str]]:
    """(column name, leaf type, description) for every column of `model`, in field order."""
    found = []
    for name, info in model.model_fields.items():
        if not prefix and name in LEFT_OUT:
            continue
        annotation = _unwrap(info.annotation)
        if _is_model(annotation):
            found += fields(annotation, f"{prefix}{name}.")
        else:
            found.append((f"{prefix}{name}", annotation, info.description or ""))
    return found


def columns(model: type[BaseModel]) -> list[str]:
    return [name for name, _, _ in fields(model)]


def value_at(data: dict[str, Any], dotted: str) -> Any:
    """The value of column `dotted` (`bounds.lower`) in a row's dump; None where absent."""
    for part in dotted.split("."):
        if data is None:
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


class CsvRows:
    """CSV lines for rows of `model` (RFC 4180: CRLF, quotes where needed)."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.names = columns(model)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def _write(self, values: list[str]) -> bytes:
        self._writer.writerow(values)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode("utf-8")

    def header(self) -> bytes:
        return self._write(self.names)

    def line(self, data: dict[str, Any]) -> bytes:
        """The line of one row, given as its JSON-mode dump."""
        return self._write([cell(value_at(data, name)) for name in self.names])


def csv_lines(model: type[BaseModel], rows: Iterable[BaseModel]) -> Iterator[bytes]:
    """The header, then one CSV line per row."""
    lines = CsvRows(model)
    yield lines.header()
    for row in rows:
        yield lines.line(row.model_dump(mode="json"))


def ndjson_lines(rows: Iterable[BaseModel]) -> Iterator[bytes]:
    """One JSON object per line, the same object the JSON list holds in `items`."""
    for row in rows:
        yield orjson.dumps(row.model_dump(mode="json")) + b"\n"


def _field_type(annotation: Any) -> dict[str, Any]:
    origin = get_origin(annotation)
    if origin is Literal:
        return {"type": "string", "constraints": {"enum": [str(a) for a in get_args(annotation)]}}
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {"type": "string", "constraints": {"enum": [m.value for m in annotation]}}
    if origin in (list, tuple) or annotation in (list, tuple):
        return {"type": "array"}
    if origin is dict or annotation is dict:
        return {"type": "object"}
    if origin in (typing.Union, types.UnionType):  # int | float
        return {"type": "number"}
    simple = {bool: "boolean", int: "integer", float: "number", datetime: "datetime",
              date: "date", str: "string"}  # fmt: skip
    return {"type": simple.get(annotation, "string")}


def column_types(model: type[BaseModel]) -> list[tuple[str, str]]:
    """(column name, Table Schema type) for every column of `model`."""
    return [(name, _field_type(annotation)["type"]) for name, annotation, _ in fields(model)]


def table_schema(model: type[BaseModel], primary_key: str = "id") -> dict[str, Any]:
    """A Frictionless Table Schema for the CSV of `model`."""
    described = []
    for name, annotation, description in fields(model):
        field = {"name": name, **_field_type(annotation)}
        if description:
            field["description"] = description
        described.append(field)
    return {"fields": described, "primaryKey": [primary_key], "missingValues": [""]}


# pandas' nullable dtypes for our Table Schema's types: an empty cell is <NA>, so a column
# with gaps keeps its type (no 2017.0 for a year, no NaN float for a missing author).
_PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


def pandas_options(schema: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for `pandas.read_csv` that read every column of the CSV `schema`
    describes in its type: integers, numbers and booleans in pandas' nullable dtypes, full
    dates and timestamps parsed, everything else (partial dates such as 2017-12 among it)
    as text; only an empty cell is missing (a quote reading "NA" stays text)."""
    dtype: dict[str, str] = {}
    dates: list[str] = []
    for field in schema["fields"]:
        if field["type"] in ("date", "datetime"):
            dates.append(field["name"])
        else:
            dtype[field["name"]] = _PANDAS_DTYPES.get(field["type"], "string")
    return {
        "dtype": dtype,
        "parse_dates": dates,
        "keep_default_na": False,
        "na_values": schema.get("missingValues", [""]),
    }
