"""Keyset cursors: every sort's key goes out and comes back as the column holds it, and any
token this API did not make is a 422 at `#/cursor`, never a value that reaches the database."""

import base64
from datetime import UTC, date, datetime, timedelta, timezone

import orjson
import pytest

from app.errors import InvalidInput
from app.paging import SORT_FIELDS, Cursor, Sort

FORGED = "the cursor is not one this API made"


def token(data: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


def refused(raw: str, sort: Sort) -> str:
    with pytest.raises(InvalidInput) as caught:
        Cursor.decode(raw, sort)
    [error] = caught.value.errors or []
    assert (error["pointer"], error["location"]) == ("#/cursor", "query")
    assert caught.value.detail == "invalid input: query cursor"
    return error["detail"]


@pytest.mark.parametrize(
    ("text", "field", "descending"),
    [("id", "id", False), ("-value", "value", True), ("time", "time", False),
     ("-updated_at", "updated_at", True), ("-qualifier", "qualifier", True)],
)  # fmt: skip
def test_a_sort_reads_and_prints_the_same(text: str, field: str, descending: bool) -> None:
    sort = Sort.parse(text)
    assert (sort.field, sort.descending) == (field, descending)
    assert str(sort) == text


@pytest.mark.parametrize("text", ["colour", "-colour", "--id", "", "-", "id-", "ID"])
def test_an_unknown_sort_names_the_ones_there_are(text: str) -> None:
    with pytest.raises(ValueError, match="cannot sort by") as caught:
        Sort.parse(text)
    assert ", ".join(SORT_FIELDS) in str(caught.value)
    assert "(prefix - for descending)" in str(caught.value)


def test_an_unknown_sort_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"^cannot sort by 'colour';") as caught:
        Sort.parse("-colour")
    assert str(caught.value) == (
        "cannot sort by 'colour'; sort by one of id, measure, source, qualifier, value, time, "
        "updated_at, rank (prefix - for descending)"
    )


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("id", "removals-2017"),
        ("-measure", "final-removal-orders"),
        ("source", "khmer-times-2018"),
        ("qualifier", "more_than"),
        ("-value", 1900.0),
        ("value", 0.5),
        ("time", date(2017, 12, 1)),
        ("-updated_at", datetime(2026, 12, 2, 8, 30, 1, 123456, tzinfo=UTC)),
    ],
)
def test_a_cursor_comes_back_as_it_went(sort: str, key: object) -> None:
    cursor = Cursor(Sort.parse(sort), key, "removals-2017")
    raw = cursor.encode()
    assert "=" not in raw  # no padding to escape in a URL
    assert Cursor.decode(raw, Sort.parse(sort)) == cursor


def test_a_time_in_another_zone_is_read_as_utc() -> None:
    moment = datetime(2026, 12, 2, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    raw = token({"s": "updated_at", "k": moment.isoformat(), "i": "removals-2017"})
    back = Cursor.decode(raw, Sort.parse("updated_at"))
    assert back.key == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert back.key.tzinfo is UTC


@pytest.mark.parametrize(
    "offset",
    [
        timedelta(0),
        timedelta(hours=-5, minutes=-30),
        timedelta(minutes=9, seconds=21),  # Paris mean time, as time zone data has it before 1911
        timedelta(hours=5, minutes=53, seconds=28, microseconds=250),
    ],
)
def test_a_moment_comes_back_the_same_instant_whatever_its_offset(offset: timedelta) -> None:
    moment = datetime(1901, 5, 4, 3, 2, 1, 654321, tzinfo=timezone(offset))
    cursor = Cursor(Sort.parse("updated_at"), moment, "removals-2017")
    back = Cursor.decode(cursor.encode(), Sort.parse("updated_at"))
    assert back.key == moment
    assert back.key.utcoffset() == timedelta(0)


def test_an_integer_value_is_read_as_a_float() -> None:
    back = Cursor.decode(token({"s": "value", "k": 28, "i": "removals-2017"}), Sort("value", False))
    assert back.key == 28.0
    assert isinstance(back.key, float)


def test_a_cursor_for_another_sort_says_which() -> None:
    raw = Cursor(Sort.parse("-value"), 28.0, "removals-2017").encode()
    detail = refused(raw, Sort.parse("value"))
    assert detail == (
        "the cursor was made for sort=-value, not sort=value; start again without cursor"
    )
    long = token({"s": "x" * 50, "k": 1, "i": "removals-2017"})
    assert f"made for sort={'x' * 20}, not" in refused(long, Sort.parse("id"))


@pytest.mark.parametrize(
    ("sort", "raw"),
    [
        ("id", "not base64 at all!"),
        ("id", "eyJzIjoiaWQi"),  # a truncated token
        ("id", "!" + Cursor(Sort.parse("id"), "removals-2017", "removals-2017").encode()),
        ("id", Cursor(Sort.parse("id"), "removals-2017", "removals-2017").encode() + "!!!!"),
        ("id", token([1, 2, 3])),
        ("id", token("a string")),
        ("id", token({"s": "id", "k": "removals-2017"})),
        ("id", token({"s": "id", "k": "removals-2017", "i": "removals-2017", "x": 1})),
        ("id", token({"s": 1, "k": "removals-2017", "i": "removals-2017"})),
        ("id", token({"s": "id", "k": "removals-2017", "i": 7})),
        ("id", token({"s": "id", "k": "removals-2017", "i": "Not A Slug"})),
        ("id", token({"s": "id", "k": "Not A Slug", "i": "removals-2017"})),
        ("id", token({"s": "id", "k": 5, "i": "removals-2017"})),
        ("measure", token({"s": "measure", "k": None, "i": "removals-2017"})),
        ("qualifier", token({"s": "qualifier", "k": "roughly", "i": "removals-2017"})),
        ("value", token({"s": "value", "k": "28", "i": "removals-2017"})),
        ("value", token({"s": "value", "k": True, "i": "removals-2017"})),
        ("value", token({"s": "value", "k": None, "i": "removals-2017"})),
        ("value", base64.urlsafe_b64encode(b'{"s":"value","k":1e400,"i":"removals-2017"}')
         .decode()),
        ("value", base64.urlsafe_b64encode(  # an integer beyond any float
            b'{"s":"value","k":' + b"9" * 400 + b',"i":"removals-2017"}').decode()),
        ("time", token({"s": "time", "k": "2017-13-01", "i": "removals-2017"})),
        ("time", token({"s": "time", "k": 2017, "i": "removals-2017"})),
        ("updated_at", token({"s": "updated_at", "k": "2026-12-02T08:00:00",
                              "i": "removals-2017"})),
        ("-updated_at", token({"s": "-updated_at", "k": "0001-01-01T00:00:00+14:00",
                               "i": "removals-2017"})),
    ],
)  # fmt: skip
def test_a_token_this_api_did_not_make_is_a_422_at_the_cursor(sort: str, raw: str) -> None:
    detail = refused(raw, Sort.parse(sort))
    assert detail == (
        f"{FORGED}; follow the `next` link of the previous page, or leave cursor out to start again"
    )
