"""Content negotiation, as RFC 9110 section 12.5.1 says: the weights, the most specific range
deciding, ties to the first offer, and what a malformed header means."""

import pytest

from app.negotiation import OFFERS, choose, negotiate

JSON, CSV, LD = "application/json", "text/csv", "application/ld+json"


@pytest.mark.parametrize(
    ("accept", "offers", "chosen"),
    [
        (None, [JSON, CSV], JSON),
        ("", [JSON, CSV], JSON),
        ("   ", [CSV, JSON], CSV),
        ("text/csv", [JSON, CSV], CSV),
        ("TEXT/CSV", [JSON, CSV], CSV),  # media types are case-insensitive
        ("text/*", [JSON, CSV], CSV),
        ("*/*", [CSV, JSON], CSV),  # a tie goes to the first offer
        ("application/json;q=0.5, text/csv", [JSON, CSV], CSV),
        ("application/json, text/csv;q=0.5", [CSV, JSON], JSON),
        ("text/csv;q=0.5, application/json;q=0.6", [CSV, JSON], JSON),
        ("text/csv;q=0.6, application/json;q=0.5", [JSON, CSV], CSV),
        # The most specific range decides: */* at 1 does not lift text/csv's 0.
        ("*/*, text/csv;q=0", [CSV, JSON], JSON),
        ("text/*;q=0, */*", [CSV, JSON], JSON),
        ("text/*, text/csv;q=0.1, */*;q=0.5", [CSV, JSON], JSON),
        ("text/*;q=0.2, */*;q=0.1", [JSON, CSV], CSV),
        ("image/png", [JSON, CSV], None),
        ("text/csv;q=0", [CSV], None),
        ("application/json;q=0.0001", [JSON], JSON),
        ("application/json; Q=0.3, text/csv; q=0.2", [CSV, JSON], JSON),  # "Q" is "q"
        ("application/json;q=7, text/csv;q=0.9", [CSV, JSON], JSON),  # clamped to 1
        # A range without a weight has q=1: as much as an explicit q=1 or a q=7 clamped to 1,
        # so the tie goes to the first offer.
        ("application/json, text/csv;q=1", [CSV, JSON], CSV),
        ("application/json;q=7, text/csv", [CSV, JSON], CSV),
        ("application/json;q=-1", [JSON], None),  # clamped to 0
        ("application/json;q=high", [JSON], None),  # a malformed weight accepts nothing
        ("application/json;q=0.5=1", [JSON], None),  # so does one with a second "="
        ("application/json;charset=utf-8;q=0.4, text/csv;q=0.3", [CSV, JSON], JSON),
        ("nonsense, text/csv", [JSON, CSV], CSV),  # a range without "/" is ignored
        ("nonsense", [JSON, CSV], None),
        ("text/plain", [JSON, CSV], None),  # a range of another subtype does not match
        ("application/*", [CSV, LD], LD),
        (" application/ld+json ;q=1", [JSON, LD], LD),
    ],
)
def test_choose(accept: str | None, offers: list[str], chosen: str | None) -> None:
    assert choose(accept, offers) == chosen


def test_negotiate_leaves_the_offers_in_the_scope_for_the_cache() -> None:
    scope: dict = {}
    assert negotiate(scope, "text/csv", [JSON, CSV]) == CSV
    assert scope["state"][OFFERS] == (JSON, CSV)
    kept = {"state": {"other": 1}}
    negotiate(kept, None, [LD])
    assert kept["state"] == {"other": 1, OFFERS: (LD,)}
