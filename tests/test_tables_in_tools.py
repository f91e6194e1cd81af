"""The tables as the tools people open them with read them: pandas, given the column types
the API publishes (GET /v1/pandas/{table}), and Excel's format, read back with openpyxl."""

import csv
import io
from datetime import UTC, datetime

import httpx
import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pandas.api import types

from helpers import assert_problem

TABLES = ["figures", "measures", "sources", "derived"]

# What each Table Schema type must become in pandas; written out here, not imported.
IS_TYPE = {
    "integer": types.is_integer_dtype,
    "number": types.is_float_dtype,
    "boolean": types.is_bool_dtype,
    "date": types.is_datetime64_any_dtype,
    "datetime": types.is_datetime64_any_dtype,
    "string": types.is_string_dtype,
    "array": types.is_string_dtype,
    "object": types.is_string_dtype,
}


def read(client: TestClient, table: str) -> pd.DataFrame:
    options = client.get(f"/v1/pandas/{table}").json()
    return pd.read_csv(io.BytesIO(client.get(f"/v1/{table}?format=csv").content), **options)


@pytest.mark.parametrize("table", TABLES)
def test_pandas_reads_every_column_in_the_type_the_data_package_gives_it(
    client: TestClient, table: str
) -> None:
    frame = read(client, table)
    [resource] = [
        r for r in client.get("/v1/datapackage.json").json()["resources"] if r["name"] == table
    ]
    fields = resource["schema"]["fields"]
    assert list(frame.columns) == [f["name"] for f in fields]
    assert len(frame) == client.get(f"/v1/{table}").json()["total"]
    for field in fields:
        dtype = frame[field["name"]].dtype
        assert IS_TYPE[field["type"]](dtype), (field["name"], field["type"], dtype)
        if field["type"] in ("string", "array", "object"):
            assert not types.is_float_dtype(dtype), field["name"]


def test_years_stay_text_and_missing_cells_are_missing_not_floats(client: TestClient) -> None:
    frame = read(client, "figures").set_index("id")
    assert frame.loc["removals-2017", "period.start"] == "2017"  # not 2017.0
    assert frame.loc["final-removal-orders-2017-12", "as_of"] == "2017-12"
    assert frame["source.author"].isna().all()
    assert frame["source.author"].dtype == "string"  # not a column of float NaN
    assert frame.loc["removals-2017", "value"] == 28
    assert not frame.loc["final-removal-orders-2017-12", "bounds.lower_inclusive"]


@pytest.mark.parametrize(
    ("figure", "start", "end"),
    [
        ("final-removal-orders-2017-12", "2017-12-01", "2017-12-31"),
        ("removals-2017", "2017-01-01", "2017-12-31"),
        ("blocked-deportations-2018-01-25", "2018-01-25", "2018-01-25"),
    ],
)
def test_every_figure_format_gives_its_time_bounds_as_full_dates(
    client: TestClient, figure: str, start: str, end: str
) -> None:
    one = client.get(f"/v1/figures/{figure}").json()
    assert (one["time_start"], one["time_end"]) == (start, end)
    ndjson = [
        line
        for line in client.get("/v1/figures?format=ndjson").text.splitlines()
        if f'"id":"{figure}"' in line
    ]
    assert f'"time_start":"{start}","time_end":"{end}"' in ndjson[0]
    frame = read(client, "figures").set_index("id")
    assert frame.loc[figure, "time_start"] == pd.Timestamp(start)
    assert frame.loc[figure, "time_end"] == pd.Timestamp(end)


def test_pandas_options_for_an_unknown_table_are_a_422(client: TestClient) -> None:
    assert_problem(client.get("/v1/pandas/people"), 422)


def test_timestamps_are_read_in_utc(client: TestClient) -> None:
    frame = read(client, "sources")
    created = client.get("/v1/sources").json()["items"][0]["created_at"]
    assert frame["created_at"][0] == pd.Timestamp(created)
    assert str(frame["created_at"][0].tz) == "UTC"


# --- Excel ----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_rows(response: httpx.Response) -> list[tuple]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.active.iter_rows(values_only=True))


# The Python type openpyxl must give each Table Schema type's cells (an empty cell is None).
CELL_TYPES = {
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "date": datetime,
    "datetime": datetime,
    "string": str,
    "array": str,
    "object": str,
}


@pytest.mark.parametrize("table", TABLES)
def test_a_workbook_holds_the_csv_columns_and_rows_with_each_cell_in_its_type(
    client: TestClient, table: str
) -> None:
    rows = workbook_rows(client.get(f"/v1/{table}?format=xlsx"))
    header = next(csv.reader(io.StringIO(client.get(f"/v1/{table}?format=csv").text)))
    assert list(rows[0]) == header
    assert len(rows) - 1 == client.get(f"/v1/{table}").json()["total"]
    [resource] = [
        r for r in client.get("/v1/datapackage.json").json()["resources"] if r["name"] == table
    ]
    kinds = [f["type"] for f in resource["schema"]["fields"]]
    for row in rows[1:]:
        for name, kind, value in zip(header, kinds, row, strict=True):
            if value is not None:
                assert isinstance(value, CELL_TYPES[kind]), (name, kind, value)
                if kind in ("integer", "number"):
                    assert not isinstance(value, bool), name


def test_a_figure_in_the_workbook_reads_as_in_json(client: TestClient) -> None:
    rows = workbook_rows(client.get("/v1/figures?format=xlsx"))
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    figure = client.get("/v1/figures/final-removal-orders-2017-12").json()
    cells = by_id["final-removal-orders-2017-12"]
    assert cells["value"] == 1900
    assert cells["qualifier"] == "more_than"
    assert cells["bounds.lower_inclusive"] is False
    assert cells["as_of"] == "2017-12"  # a month stays a month, as text
    assert cells["time_start"] == datetime(2017, 12, 1)
    assert cells["time_end"] == datetime(2017, 12, 31)
    assert cells["quote"] == figure["quote"]
    assert cells["source.author"] is None
    created = datetime.fromisoformat(figure["created_at"]).astimezone(UTC).replace(tzinfo=None)
    assert abs((cells["created_at"] - created).total_seconds()) < 0.001  # in UTC
    assert by_id["removals-2017"]["period.start"] == "2017"


def test_a_workbook_applies_the_filters_and_is_the_same_bytes_each_time(
    client: TestClient,
) -> None:
    path = "/v1/figures?measure=final-removal-orders&format=xlsx"
    first, second = client.get(path), client.get(path)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert 'filename="figures.xlsx"' in first.headers["content-disposition"]
    ids = [row[0] for row in workbook_rows(first)[1:]]
    listed = client.get("/v1/figures?measure=final-removal-orders").json()["items"]
    assert ids == [f["id"] for f in listed]
    assert client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_accept_can_ask_for_a_workbook(client: TestClient) -> None:
    rows = workbook_rows(client.get("/v1/measures", headers={"Accept": XLSX}))
    assert rows[0][0] == "id"


@pytest.mark.parametrize("table", ["figures", "derived"])
def test_a_page_of_a_workbook_is_refused_saying_what_to_ask(client: TestClient, table: str) -> None:
    after_first = client.get(f"/v1/{table}?limit=1").json()["next"]
    cursor = after_first.split("cursor=")[1].split("&")[0]
    for query in ("limit=2", f"cursor={cursor}"):
        problem = assert_problem(client.get(f"/v1/{table}?format=xlsx&{query}"), 422)
        assert "xlsx is the whole list" in problem["errors"][0]["detail"]


@pytest.mark.parametrize("table", ["figures", "measures"])
def test_more_rows_than_a_sheet_holds_are_refused_before_a_byte_is_written(
    client: TestClient, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import workbooks

    monkeypatch.setattr(workbooks, "MAX_ROWS", 3)  # the real one is 1,048,575
    problem = assert_problem(client.get(f"/v1/{table}?format=xlsx"), 422)
    assert "more than the 3 an Excel sheet holds" in problem["errors"][0]["detail"]
    assert client.get(f"/v1/{table}?format=csv").status_code == 200


def test_a_long_table_is_written_through_temporary_files_with_the_same_cells(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to SMALL rows a workbook is put together in memory, with no file; past it, in
    constant memory through temporary files. A reader finds the same cells either way."""
    import tempfile

    from app import workbooks
    from app.schemas.reads import FigureRead

    figures = [FigureRead.model_validate(f) for f in client.get("/v1/figures").json()["items"]]
    assert len(figures) > 2

    def read(chunks: list[bytes]) -> list[tuple]:
        book = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
        return list(book.active.iter_rows(values_only=True))

    def no_file() -> None:
        raise AssertionError("a short table's workbook wrote a temporary file")

    with monkeypatch.context() as patched:
        patched.setattr(tempfile, "TemporaryFile", no_file)
        in_memory = read(list(workbooks.workbook_chunks(FigureRead, figures)))
    monkeypatch.setattr(workbooks, "SMALL", 2)
    streamed = read(list(workbooks.workbook_chunks(FigureRead, iter(figures))))
    assert streamed == in_memory
    assert [row[0] for row in in_memory[1:]] == [f.id for f in figures]
