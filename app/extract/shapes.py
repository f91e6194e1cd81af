"""What the extractor proposes: candidates in the shape of `data/figures/*.toml`, the numbers
it skipped, and the same candidates written as `[[figure]]` blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

from app.dates import PartialDate
from app.qualifiers import Qualifier, bounds_for

# Where in the text a number stands: its headline, or the body under it.
Part = Literal["headline", "body"]


@dataclass
class Skipped:
    """A number the extractor read and did not propose, and why."""

    text: str
    span: tuple[int, int]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": {"start": self.span[0], "end": self.span[1]},
            "reason": self.reason,
        }


@dataclass(eq=False)  # each candidate is itself: relations point at one, not at its twin
class Candidate:
    """A proposed figure, in the shape `data/figures/*.toml` uses, with the reasons behind it."""

    id: str
    source: str | None
    value: Decimal
    qualifier: Qualifier
    value_text: str
    value_span: tuple[int, int]
    quote: str
    quote_span: tuple[int, int]
    measure: str | None = None
    period: tuple[PartialDate, PartialDate] | None = None
    as_of: PartialDate | None = None
    stated: PartialDate | None = None
    attribution: dict[str, str] = field(default_factory=dict)
    relations: list[tuple[str, str]] = field(default_factory=list)  # (type, the other's id)
    links: list[tuple[str, Candidate]] = field(default_factory=list, repr=False)  # until named
    note: str | None = None
    reasons: list[str] = field(default_factory=list)
    sentence: int = field(default=-1, repr=False)  # which sentence of the text, while read
    open_end: PartialDate | None = None  # "so far": the period's end, waiting for its start
    part: Part = "body"  # where the number stands: the headline or the body

    def as_dict(self) -> dict[str, Any]:
        """The candidate as the API and `--format json` give it: `data/`'s field names."""
        value = int(self.value) if self.value == self.value.to_integral_value() else self.value
        found = bounds_for(self.qualifier, float(value))
        return {
            "id": self.id,
            "measure": self.measure,
            "source": self.source,
            "value": value if isinstance(value, int) else float(value),
            "qualifier": self.qualifier.value,
            "value_text": self.value_text,
            "bounds": None if found is None else _bounds_dict(found),
            "period": None
            if self.period is None
            else {"start": str(self.period[0]), "end": str(self.period[1])},
            "as_of": None if self.as_of is None else str(self.as_of),
            "stated": None if self.stated is None else str(self.stated),
            "quote": self.quote,
            "quote_span": {"start": self.quote_span[0], "end": self.quote_span[1]},
            "value_span": {"start": self.value_span[0], "end": self.value_span[1]},
            "part": self.part,
            "attribution": self.attribution,
            "relations": [{"type": t, "figure": f} for t, f in self.relations],
            "note": self.note,
            "reasons": self.reasons,
        }


@dataclass
class Extraction:
    candidates: list[Candidate]
    skipped: list[Skipped]


def _bounds_dict(found: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for side in ("lower", "upper"):
        bound = getattr(found, side)
        if bound is not None:
            out[side] = int(bound) if float(bound).is_integer() else bound
            out[f"{side}_inclusive"] = getattr(found, f"{side}_inclusive")
    return out


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings and numbers are TOML's; tables are inline."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    # JSON escapes every control character but DEL, which TOML refuses raw as well.
    return orjson.dumps(value).decode().replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    """A comment line: TOML allows no control character in one but the tab."""
    return "# " + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def to_toml(extraction: Extraction, *, heading: str) -> str:
    """The candidates as `[[figure]]` blocks of `data/figures/*.toml`, each under the reasons
    for it, and the skipped numbers at the end, all as comments. What the text does not give
    (a measure, a period) is left for the reviewer to fill in, and `depstats check` refuses
    the file until they do."""
    lines = [_comment(line) for line in heading.splitlines()]
    for candidate in extraction.candidates:
        d = candidate.as_dict()
        lines += ["", "[[figure]]"] + [_comment(reason) for reason in d["reasons"]]
        for name in ("id", "measure", "source", "value", "qualifier", "value_text", "bounds"):
            if d[name] is None and name == "measure":
                lines.append('measure = ""  # no known measure fits: choose one')
            elif d[name] is None and name == "source":
                lines.append('source = ""  # the id of the source in data/sources/')
            elif d[name] is not None:
                lines.append(f"{name} = {_toml(d[name])}")
        if d["period"] is None and d["as_of"] is None:
            lines.append("# the text gives no time: add `period` (a flow) or `as_of` (a stock)")
        for name in ("period", "as_of", "stated", "quote", "quote_span", "value_span"):
            if d[name] is not None:
                lines.append(f"{name} = {_toml(d[name])}")
        if d["attribution"]:
            lines.append(f"attribution = {_toml(d['attribution'])}")
        else:
            lines.append("attribution = {}  # say who stated it")
        if d["relations"]:
            lines.append(f"relations = {_toml(d['relations'])}")
        if d["note"]:
            lines.append(f"note = {_toml(d['note'])}")
    if extraction.skipped:
        lines += ["", "# Numbers read and not proposed:"]
        lines += [
            _comment(f"  {_toml(s.text)} at {s.span[0]}..{s.span[1]}: {s.reason}")
            for s in extraction.skipped
        ]
    return "\n".join(lines) + "\n"
