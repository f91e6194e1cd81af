"""The tables as the tools people open them with read them: pandas, given the column types
the API publishes (GET /v1/pandas/{table}), and Excel's format, read back with openpyxl."""

import io

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
