"""Log lines that a client cannot forge: every value is escaped before it is written.

In the text format a request's path, query or an error's message could otherwise carry a
line break (and a whole second, made-up line), a NUL or a terminal escape. Every record's
message is escaped here, whoever wrote it (our loggers, uvicorn's); a traceback's lines are
indented, so that only a record's first line starts at the margin. The JSON format escapes
by being JSON.
"""

import logging
from typing import Any

from uvicorn.logging import DefaultFormatter

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# overrides that can make a line read otherwise than it is written.
_UNSAFE = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]
_UNSAFE += [*range(0x2066, 0x206A)]
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _UNSAFE}


def printable(text: str) -> str:
    """`text` with every character that could break or disguise a log line escaped."""
    return text.translate(_ESCAPES)


class TextFormatter(DefaultFormatter):
    """uvicorn's formatter (a level prefix, colours on a terminal), escaping each message."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = printable(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return "\n".join(
            "    " + printable(line) for line in super().formatException(ei).split("\n")
        )

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return "\n".join("    " + printable(line) for line in stack_info.split("\n"))
