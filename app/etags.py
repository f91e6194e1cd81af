"""Entity tags: how a body is hashed into a weak ETag, and how If-Match and If-None-Match
lists are read and compared (RFC 9110, section 8.8.3)."""

import hashlib
import re


def etag_hasher() -> "hashlib.blake2b":
    """Hashes a body, whole or chunk by chunk, into the same weak ETag (see `etag_from`)."""
    return hashlib.blake2b(digest_size=16)


def etag_from(hasher: "hashlib.blake2b") -> str:
    return f'W/"{hasher.hexdigest()}"'


def etag_of(body: bytes) -> str:
    hasher = etag_hasher()
    hasher.update(body)
    return etag_from(hasher)


# A list of entity tags, or *, as If-Match and If-None-Match take them (RFC 9110, 8.8.3).
ETAG_LIST_PATTERN = r'^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$'
_ETAG_LIST = re.compile(ETAG_LIST_PATTERN)
# If-Match as the write routes take it: entity tags only. `*` ("any current version") is
# refused there, since it would skip the lost-update check If-Match is sent for.
IF_MATCH_PATTERN = r'^(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*$'


def is_etag_list(value: str) -> bool:
    return _ETAG_LIST.fullmatch(value.strip()) is not None


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110, section 8.8.3.2), as If-None-Match requires."""
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False
