"""Pick the representation a client prefers from its Accept header (RFC 9110, section 12.5.1)."""

from collections.abc import MutableMapping, Sequence
from typing import Any

# Where a route leaves the media types it chose among, in the request's ASGI state: the
# response cache keys an answer on the one chosen, not on the Accept header as sent.
OFFERS = "depstats.offers"


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        kind, _, subtype = media.partition("/")
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0  # a malformed weight accepts nothing rather than everything
        ranges.append((kind, subtype, quality))
    return ranges


def choose(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers; the first offer on a tie or with no Accept header;
    None when the client accepts none of them (a 406)."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    best, best_quality = None, 0.0
    for offer in offers:
        kind, _, subtype = offer.partition("/")
        # The most specific range that matches decides this offer's weight.
        matches = [
            (
                3
                if (k, s) == (kind, subtype)
                else 2
                if k == kind and s == "*"
                else 1
                if (k, s) == ("*", "*")
                else 0,
                q,
            )
            for k, s, q in ranges
        ]
        specific = [m for m in matches if m[0]]
        if not specific:
            continue
        quality = max(specific)[1]
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def negotiate(
    scope: MutableMapping[str, Any], accept: str | None, offers: Sequence[str]
) -> str | None:
    """`choose`, for a route answering the request of this ASGI scope: it also notes the
    offers in the scope's state (see OFFERS)."""
    scope.setdefault("state", {})[OFFERS] = tuple(offers)
    return choose(accept, offers)
