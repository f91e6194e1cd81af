"""How well the extractor reads a labelled set: precision, recall, and the right qualifier.

A labelled set is a folder of `<name>.txt` texts, each beside a `<name>.toml` that says when
and by whom it was published, every claim a careful reader takes from it (`[[claim]]`: value,
qualifier, value_text, value_span, and `part = "headline"` for a number in the headline) and
the numbers that are not counts (`[[skip]]`). A TOML may name its text elsewhere with
`text = "relative/path.txt"`.

A candidate matches a labelled claim when their values are equal and their spans overlap;
each claim matches at most one candidate. The body and the headline are scored apart: a
headline's claims against the headline's candidates, the body's against the body's.
"""

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.dates import parse_partial_date
from app.extract import Candidate, Extraction, KnownMeasure, Part, extract

PARTS: tuple[Part, ...] = ("body", "headline")


@dataclass
class Labelled:
    name: str
    text: str
    labels: dict[str, Any]

    def run(self, measures: Iterable[KnownMeasure] = ()) -> Extraction:
        """The extractor on this text; without measures, no candidate is given one (a score
        counts values and qualifiers, not measures)."""
        return extract(
            self.text,
            parse_partial_date(self.labels["published"]),
            publisher=self.labels.get("publisher"),
            measures=measures,
        )


@dataclass
class Score:
    claims: int = 0
    candidates: int = 0
    found: int = 0
    right_qualifier: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    wrong_qualifier: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.found / self.candidates if self.candidates else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.claims if self.claims else 1.0

    @property
    def qualifier_share(self) -> float:
        """Claims found with the right qualifier, out of every labelled claim."""
        return self.right_qualifier / self.claims if self.claims else 1.0


def read_labelled(folder: Path) -> list[Labelled]:
    """The labelled texts of a folder; a ValueError names a TOML that cannot be read."""
    out = []
    for path in sorted(folder.glob("*.toml")):
        try:
            labels = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path}: {error}") from None
        for claim in labels.get("claim", []):
            if claim.get("part", "body") not in PARTS:
                part = claim["part"]
                raise ValueError(f"{path}: a claim's part is body or headline, not {part!r}")
        text_path = path.parent / labels.get("text", f"{path.stem}.txt")
        out.append(Labelled(path.stem, text_path.read_text(encoding="utf-8"), labels))
    return out


def overlaps(a: dict[str, int], b: dict[str, int]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def match(
    claims: list[dict[str, Any]], candidates: list[Candidate]
) -> list[tuple[dict[str, Any], Candidate | None]]:
    """Each labelled claim and the candidate that matches it, if any (one candidate per claim)."""
    free = list(candidates)
    pairs: list[tuple[dict[str, Any], Candidate | None]] = []
    for claim in claims:
        found = next(
            (
                c
                for c in free
                if c.value == Decimal(str(claim["value"]))
                and overlaps(
                    claim["value_span"], {"start": c.value_span[0], "end": c.value_span[1]}
                )
            ),
            None,
        )
        if found is not None:
            free.remove(found)
        pairs.append((claim, found))
    return pairs


def part_of(claim: dict[str, Any]) -> Part:
    """Where a labelled claim stands: `part = "headline"`, or the body by default."""
    return "headline" if claim.get("part") == "headline" else "body"


def score(labelled: list[Labelled]) -> dict[Part, Score]:
    """The body's score and the headline's, each of its own claims and candidates."""
    totals: dict[Part, Score] = {part: Score() for part in PARTS}
    for item in labelled:
        found = item.run().candidates
        for part, total in totals.items():
            claims = [c for c in item.labels.get("claim", []) if part_of(c) == part]
            _add(total, item.name, claims, [c for c in found if c.part == part])
    return totals


def _add(total: Score, name: str, claims: list[dict[str, Any]], found: list[Candidate]) -> None:
    """Add one text's claims of one part, matched against its candidates of that part."""
    pairs = match(claims, found)
    matched = {id(c) for _, c in pairs if c is not None}
    total.claims += len(claims)
    total.candidates += len(found)
    for claim, candidate in pairs:
        where = f"{name}: {claim['value_text']!r} at {claim['value_span']['start']}"
        if candidate is None:
            total.missed.append(where)
            continue
        total.found += 1
        if candidate.qualifier.value == claim["qualifier"]:
            total.right_qualifier += 1
        else:
            total.wrong_qualifier.append(
                f"{where}: {candidate.qualifier.value}, labelled {claim['qualifier']}"
            )
    total.extra += [
        f"{name}: {c.value_text!r} at {c.value_span[0]}" for c in found if id(c) not in matched
    ]
