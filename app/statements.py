"""Ready-to-print sentences, AP style, generated from a figure's structured fields.

The qualifier is never dropped, a date keeps its precision (no invented day), a sentence never
starts with a numeral, and an unnamed author is left out rather than invented.
"""

from dataclasses import dataclass

from app.dates import parse_partial_date
from app.numbers import format_number
from app.qualifiers import PHRASES, Qualifier

# AP abbreviates these months when a day is given; the others are always spelt out.
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip
_AP_ABBREVIATED = {1: "Jan.", 2: "Feb.", 8: "Aug.", 9: "Sept.", 10: "Oct.", 11: "Nov.",
                   12: "Dec."}  # fmt: skip
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@dataclass(frozen=True)
class Said:
    """Who stated a figure, as the text gives them; `text` is the source's own words."""

    person: str | None = None
    role: str | None = None
    organisation: str | None = None
    text: str | None = None


def month_name(month: int) -> str:
    return _MONTHS[month - 1]


def ap_date(text: str) -> str:
    """ "2017" -> "2017"; "2017-12" -> "December 2017"; "2018-01-25" -> "Jan. 25, 2018"."""
    date = parse_partial_date(text)
    if date.month is None:
        return str(date.year)
    if date.day is None:
        return f"{month_name(date.month)} {date.year}"
    month = _AP_ABBREVIATED.get(date.month, month_name(date.month))
    return f"{month} {date.day}, {date.year}"


def ap_number(value: float, *, percent: bool = False) -> str:
    """AP numerals: one to nine spelt out, 10 and up in figures with commas; 74.4%."""
    if percent:
        return f"{format_number(value)}%"
    if float(value).is_integer() and 0 <= value <= 9:
        return _SMALL[int(value)]
    return format_number(value)


def time_phrase(*, period: tuple[str, str] | None = None, as_of: str | None = None) -> str:
    """ "as of December 2017", "in 2017", "between 2002 and February 2018"."""
    if as_of is not None:
        return f"as of {ap_date(as_of)}"
    assert period is not None
    start, end = period
    if start == end:
        return _when(start)
    return f"between {ap_date(start)} and {ap_date(end)}"


def _when(text: str) -> str:
    """ "on Jan. 25, 2018" for a day; "in December 2017" or "in 2017" otherwise."""
    on = parse_partial_date(text).day is not None
    return f"{'on' if on else 'in'} {ap_date(text)}"


def attribution_phrase(said: Said, publisher: str) -> str | None:
    """Who said it, in the source's words where it has them; None when the publisher did."""
    if said.text:
        return said.text
    parts = [p for p in (said.person, said.role, said.organisation) if p]
    if not parts or parts == [publisher]:
        return None
    return ", ".join(parts)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _core(amount: str, *, subject: str, predicate: str, when: str, percent: bool) -> str:
    counted = f"{amount} of {subject}" if percent else f"{amount} {subject}"
    if amount[:1].isalpha():
        # A qualifier ("more than", "about", "between") leads: no numeral starts the sentence.
        return _capitalise(f"{counted} {predicate} {when}")
    # A bare number is led by its date instead.
    return f"{_capitalise(when)}, {counted} {predicate}"


def statement(
    *,
    value: float,
    qualifier: Qualifier,
    subject: str,
    predicate: str,
    period: tuple[str, str] | None,
    as_of: str | None,
    said: Said,
    publisher: str,
    published: str,
    percent: bool = False,
    retracted: bool = False,
) -> str:
    """One sentence a journalist can print as it stands.

    "More than 1,900 Cambodian nationals residing in the US were subject to a final order of
    removal as of December 2017, according to Brendan Raedy, a spokesman for US Immigration
    and Customs Enforcement (Khmer Times, February 2018)."
    """
    amount = f"{PHRASES[qualifier]} {ap_number(value, percent=percent)}".strip()
    core = _core(
        amount,
        subject=subject,
        predicate=predicate,
        when=time_phrase(period=period, as_of=as_of),
        percent=percent,
    )
    who = attribution_phrase(said, publisher)
    dated = ap_date(published)
    if who:
        sentence = f"{core}, according to {who} ({publisher}, {dated})."
    else:
        sentence = f"{core}, {publisher} reported {_when(published)}."
    return f"Retracted: {sentence}" if retracted else sentence


_OPERATION_WORDS = {"sum": "plus", "difference": "minus", "ratio": "divided by"}


def derived_statement(
    *,
    display: str,
    operation: str,
    inputs: list[str],
    subject: str,
    predicate: str,
    period: tuple[str, str] | None,
    as_of: str | None,
    sources: list[tuple[str, str]],
    percent: bool,
) -> str:
    """ "Less than 74.4% of ... had criminal convictions as of December 2017, derived by
    deportation-stats from 1,412 divided by more than 1,900 (Khmer Times, February 2018)."

    `inputs` are the inputs' displays in order; `sources` their (publisher, published)."""
    core = _core(
        display,
        subject=subject,
        predicate=predicate,
        when=time_phrase(period=period, as_of=as_of),
        percent=percent,
    )
    formula = f" {_OPERATION_WORDS[operation]} ".join(inputs)
    cited = "; ".join(dict.fromkeys(f"{p}, {ap_date(d)}" for p, d in sources))
    return f"{core}, derived by deportation-stats from {formula} ({cited})."
