"""A table as an Excel workbook (`?format=xlsx`), for the people who open files in Excel:
the CSV's columns and rows, with each cell in its type (numbers as numbers, booleans as
booleans, full dates and timestamps as Excel dates), written with XlsxWriter, then handed
out in chunks. A table of up to SMALL rows is put together in memory; a longer one in
constant memory through temporary files (XlsxWriter's files for a short workbook cost about
ten times its work on this project's disk: it weighs in baking every measure's workbook)."""

import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from app.tabular import cell, column_types, value_at

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's sheet holds 1,048,576 rows; one is the header.
MAX_ROWS = 1_048_575
CHUNK = 64 * 1024
SMALL = 1_000  # rows; at most a few MB held while a workbook is put together in memory
# Fixed, so that a workbook is a pure function of its rows (XlsxWriter would stamp the time).
CREATED = datetime(2018, 2, 1)


def workbook_chunks(model: type[BaseModel], rows: Iterable[BaseModel]) -> Iterator[bytes]:
    """The workbook of `rows` (one sheet, named after nothing but "data"), in chunks."""
    import xlsxwriter  # imported when first used, as a workbook is rarely asked for (0.03 s)

    rows = iter(rows)
    first = list(itertools.islice(rows, SMALL + 1))
    small = len(first) <= SMALL
    with io.BytesIO() if small else tempfile.TemporaryFile() as out:
        options = {"in_memory": True} if small else {"constant_memory": True}
        book = xlsxwriter.Workbook(out, {**options, "strings_to_numbers": False})
        book.set_properties({"created": CREATED})
        sheet = book.add_worksheet("data")
        bold = book.add_format({"bold": True})
        formats = {
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        columns = column_types(model)
        for at, (name, _) in enumerate(columns):
            sheet.write_string(0, at, name, bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(itertools.chain(first, rows), start=1):
            if number > MAX_ROWS:
                raise ValueError(f"more than {MAX_ROWS:,} rows: an Excel sheet holds no more")
            data = row.model_dump(mode="python")
            for at, (name, kind) in enumerate(columns):
                _write(sheet, number, at, kind, value_at(data, name), formats)
        book.close()
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _write(sheet: Any, row: int, column: int, kind: str, value: Any, formats: dict) -> None:
    if value is None:
        return  # an empty cell, as in the CSV
    if isinstance(value, Enum):
        value = value.value
    if kind in ("integer", "number") and isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, value)
    elif kind == "boolean" and isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif kind == "datetime" and isinstance(value, datetime):
        # Excel keeps no time zone: timestamps are written in UTC (the README says so).
        naive = value.astimezone(UTC).replace(tzinfo=None)
        sheet.write_datetime(row, column, naive, formats["datetime"])
    elif kind == "date" and isinstance(value, date):
        sheet.write_datetime(
            row, column, datetime(value.year, value.month, value.day), formats["date"]
        )
    else:
        # Text as text, never a formula: a quote that starts with "=" stays a quote.
        sheet.write_string(row, column, cell(value))
