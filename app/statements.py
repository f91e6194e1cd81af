"""Ready-to-print sentences, AP style, generated from a figure's structured fields.

The qualifier is never dropped, a date keeps its precision (no invented day), a sentence never
starts with a numeral nor sets two numerals side by side ("2000, 42,000"), and an unnamed
author is left out rather than invented. The source's own words that a reading of them would
change are kept as written: the words that narrow who is counted ("convicted of crimes"), and
its words for a time that a date would interpret ("until the end of the 20th century"). A
running total is said as one ("since 2002, as of February 2018"), and a count an event made
as the event ("On Jan. 25, 2018, a US district judge blocked ...").
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


@dataclass(frozen=True)
class Wording:
    """How a figure's sentence keeps its source's words, beyond its measure's.

    `restriction` narrows who is counted, after the measure's subject ("convicted of crimes");
    `time_words` say the time as the source does, in place of the dates read from them;
    `timing` is "cumulative" (a running total from its period's start to its end) or "event"
    (the count one event made on its date, done by `agent`, "a US district judge", as its
    measure's `event` words say: "blocked the immediate removal from the US of"); None says the
    time by the measure's kind, over a period or as of a date."""

    restriction: str | None = None
    time_words: str | None = None
    timing: str | None = None
    agent: str | None = None


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


def cumulative_phrase(start: str, end: str) -> str:
    """ "since 2002, as of February 2018"; a year's end is said so: "as of the end of 2017"."""
    until = ap_date(end)
    if parse_partial_date(end).month is None:
        until = f"the end of {until}"
    return f"since {ap_date(start)}, as of {until}"


def perfect(predicate: str) -> str:
    """A running total is told in the past perfect: "were removed" -> "had been removed"."""
    head, _, rest = predicate.partition(" ")
    return f"had been {rest}" if head == "were" and rest else predicate


def when_phrase(
    *, period: tuple[str, str] | None, as_of: str | None, wording: Wording | None = None
) -> str:
    """The time as a figure's sentence says it: in the source's words where they are kept; a
    running total since its start, as of its end; an event on its date; else over its period
    or as of its date."""
    wording = wording or Wording()
    point = as_of or (period[0] if period and period[0] == period[1] else None)
    if wording.time_words:
        return wording.time_words
    if wording.timing == "cumulative" and period is not None:
        return cumulative_phrase(*period)
    if wording.timing == "event" and point:
        return _when(point)
    return time_phrase(period=period, as_of=as_of)


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
    if amount[:1].isalpha():
        # A qualifier ("more than", "about") or a spelt number leads: no numeral starts it.
        counted = f"{amount} of {subject}" if percent else f"{amount} {subject}"
        return _capitalise(f"{counted} {predicate} {when}")
    # A bare numeral cannot lead, and a date before it would set two numerals side by side
    # ("Between 1975 and 2000, 42,000"): a count is led by "A total of", a share by its whole.
    if percent:
        return f"Of {subject}, {amount} {predicate} {when}"
    return f"A total of {amount} {subject} {predicate} {when}"


def counted_name(name: str, subject: str, restriction: str | None) -> str:
    """A measure's name narrowed as a figure's source narrows its count: the restriction
    after the subject where the name holds it ("Removals of Cambodian nationals convicted of
    crimes from the US to Cambodia"), else after the whole name ("..., only those convicted
    of crimes"). A title that drops it presents 28 as every removal."""
    if not restriction:
        return name
    at = name.find(subject)
    if at < 0:
        return f"{name}, only those {restriction}"
    end = at + len(subject)
    return f"{name[:end]} {restriction}{name[end:]}"


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
    wording: Wording | None = None,
    event: str | None = None,
) -> str:
    """One sentence a journalist can print as it stands.

    "More than 1,900 Cambodian nationals residing in the US were subject to a final order of
    removal as of December 2017, according to Brendan Raedy, a spokesman for US Immigration
    and Customs Enforcement (Khmer Times, February 2018)."
    """
    amount = f"{PHRASES[qualifier]} {ap_number(value, percent=percent)}".strip()
    wording = wording or Wording()
    if wording.restriction:
        subject = f"{subject} {wording.restriction}"
    when = when_phrase(period=period, as_of=as_of, wording=wording)
    if wording.timing == "event" and event and wording.agent and (as_of or period):
        # The event leads, its date first; the number stands after its verb, never first.
        core = f"{_capitalise(when)}, {wording.agent} {event} {amount} {subject}"
    else:
        if wording.timing == "cumulative" and period is not None:
            predicate = perfect(predicate)
        core = _core(amount, subject=subject, predicate=predicate, when=when, percent=percent)
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
    time_words: str | None = None,
) -> str:
    """ "Less than 74.4% of ... had criminal convictions as of December 2017, derived by
    deportation-stats from 1,412 divided by more than 1,900 (Khmer Times, February 2018)."

    `inputs` are the inputs' displays in order; `sources` their (publisher, published);
    `time_words` the words all its inputs say their time in, if they share them."""
    core = _core(
        display,
        subject=subject,
        predicate=predicate,
        when=time_words or time_phrase(period=period, as_of=as_of),
        percent=percent,
    )
    formula = f" {_OPERATION_WORDS[operation]} ".join(inputs)
    cited = "; ".join(dict.fromkeys(f"{p}, {ap_date(d)}" for p, d in sources))
    return f"{core}, derived by deportation-stats from {formula} ({cited})."
