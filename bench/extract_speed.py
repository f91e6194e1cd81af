"""How long the extractor takes on texts near the 1 MiB body limit, ordinary and hostile.

    .venv/bin/python bench/extract_speed.py

Each case is about 1 MiB, the largest text POST /v1/extract accepts. Reading should grow in
proportion to the text: a case far slower than the others means something reads a sentence,
or the whole text, once per number.
"""

import time
from pathlib import Path

from app.dates import parse_partial_date
from app.extract import extract

SEED = (Path(__file__).parent.parent / "data" / "sources").glob("*.txt")
MIB = 2**20


def fill(unit: str) -> str:
    return unit * (MIB // len(unit.encode()))


CASES = {
    "the seed article, again and again": fill(next(SEED).read_text(encoding="utf-8") + "\n"),
    "one short sentence, again and again": fill("28 Cambodians were deported last year. "),
    "a quotation, again and again": fill("“28 Cambodians were deported last year,” he said. "),
    "one line of prose with no sentence end": fill("More than 28 Cambodians, according to ICE, "),
    "number words with no sentence end": fill("one hundred and five thousand "),
    "capitalised words, 2,000-character sentences": fill(("Ab Cd " * 330)[:1990] + ".\n"),
    "bare numbers": " ".join(str(i) for i in range(150_000)),
    "no spaces": fill("x1,"),
}


def main() -> None:
    for name, text in CASES.items():
        started = time.perf_counter()
        found = extract(text, parse_partial_date("2018-02"), publisher="Khmer Times")
        took = time.perf_counter() - started
        print(
            f"{name}: {len(text.encode()) / MIB:.2f} MiB in {took:.2f} s "
            f"({len(found.candidates)} candidates, {len(found.skipped)} skipped)"
        )


if __name__ == "__main__":
    main()
