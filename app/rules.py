"""The rules a figure keeps beyond its own fields, one set for `depstats check` (over the files
of `data/`) and for the write API (over the database): its measure and source exist, a flow
has a period and a stock a date, its quote stands at its spans, its source was not published
before what it counts, and each relation is to another figure that allows it, without a loop.
The words its sentence keeps stand in its quote, and its timing fits its time; it was not
`stated` before the end of what it counts nor after its source was published, and a source's
restatement of its own figure was stated when that figure was. Where a list of organisations
is kept (`data/organisations.toml`), each is named by its one listed name.

Each rule breaks with the field it is about, so that the write API can point at it
(`#/relations/0`) and `depstats check` can name it.
"""

from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from app.dates import parse_partial_date
from app.intervals import Interval, Quantity, combine
from app.qualifiers import Qualifier, display
from app.schemas.inputs import DerivedCreate, FigureCreate, RelationIn

Kind = Literal["flow", "stock"]


@dataclass(frozen=True)
class Broken:
    """A rule a figure breaks: the field it is about, and what is wrong."""

    field: str
    message: str


@dataclass(frozen=True)
class Around:
    """What a figure is checked against, wherever it is kept: its measure's kind and its
    source's text and date (None when there is no such measure or source), the figure another
    id names, and the figures a figure relates to by one kind of relation."""

    measure_kind: Kind | None
    source: tuple[str, str | None] | None  # (text, published: None while unknown)
    figure: Callable[[str], FigureCreate | None]
    targets: Callable[[str, str], Iterable[str]]
    unreported: Container[str] = frozenset()  # ids whose absence is reported elsewhere
    measure_event: str | None = None  # the measure's words for the event that makes its count
    # Every name an organisation is known by -> its one name; None: no list is kept here.
    organisations: Mapping[str, str] | None = None
    publisher: str | None = None  # the source's, which may state a figure in its own voice


def figure_rules(figure: FigureCreate, around: Around) -> list[Broken]:
    broken: list[Broken] = []
    if around.measure_kind is None:
        broken.append(Broken("measure", f"measure {figure.measure!r} does not exist"))
    elif around.measure_kind == "flow" and figure.period is None:
        broken.append(
            Broken("period", f"measure {figure.measure!r} is a flow: give a `period`, not `as_of`")
        )
    elif around.measure_kind == "stock" and figure.as_of is None:
        broken.append(
            Broken("as_of", f"measure {figure.measure!r} is a stock: give `as_of`, not a `period`")
        )
    if around.source is None:
        broken.append(Broken("source", f"source {figure.source!r} does not exist"))
    else:
        text, published = around.source
        broken += [Broken("quote_span", m) for m in quote_findings(figure, text)]
        late = published and dated_after(figure, published)
        if late:
            broken.append(Broken("period" if figure.period else "as_of", late))
        broken += stated_rules(figure, published)
    broken += wording_rules(figure, around) + organisation_rules(figure, around)
    for index, relation in enumerate(figure.relations):
        broken += _relation_rules(figure, relation, f"relations/{index}", around)
    return broken


def _relation_rules(
    figure: FigureCreate, relation: RelationIn, at: str, around: Around
) -> list[Broken]:
    if relation.figure == figure.id:
        return [Broken(f"{at}/figure", f"{relation.type} itself")]
    other = around.figure(relation.figure)
    if other is None:
        if relation.figure in around.unreported:
            return []
        return [Broken(f"{at}/figure", f"{relation.type} {relation.figure!r}: no such figure")]
    check = part_exceeds_whole if relation.type == "part_of" else cannot_restate
    found = [check(figure, other), makes_loop(figure.id, relation, around.targets)]
    if relation.type == "restates":
        found.append(stated_apart(figure, other))
    return [Broken(at, problem) for problem in found if problem]


def wording_rules(figure: FigureCreate, around: Around) -> list[Broken]:
    """A sentence keeps only the quote's words, and says its time as its time allows."""
    wording, broken = figure.wording, []
    for name in ("restriction", "time_words", "agent"):
        words = getattr(wording, name)
        if words is not None and words.lower() not in figure.quote.lower():
            broken.append(
                Broken(
                    f"wording/{name}",
                    f"{words!r} is not in the quote: a sentence keeps only the source's words",
                )
            )
    one_date = figure.as_of is not None or (
        figure.period is not None and figure.period.start == figure.period.end
    )
    if wording.timing == "cumulative" and one_date:
        broken.append(
            Broken(
                "wording/timing",
                "a cumulative count runs from its period's start to its end: give a period "
                "that starts before it ends",
            )
        )
    if wording.timing == "event":
        if not one_date:
            broken.append(Broken("wording/timing", "an event happens on one date: give `as_of`"))
        if wording.agent is None:
            broken.append(Broken("wording/agent", "an event is said with who acted: give `agent`"))
        if around.measure_kind is not None and not around.measure_event:
            broken.append(
                Broken(
                    "wording/timing",
                    f"measure {figure.measure!r} has no `event` words to say an event with",
                )
            )
    elif wording.agent is not None:
        broken.append(
            Broken("wording/agent", 'only an event names who acted: give `timing = "event"`')
        )
    return broken


def stated_rules(figure: FigureCreate, published: str | None) -> list[Broken]:
    """A count is said once it is reckoned, and before its source is published."""
    if figure.stated is None:
        return []
    stated = parse_partial_date(figure.stated)
    end = figure.period.end if figure.period else figure.as_of
    assert end is not None
    broken = []
    if stated.last_day() < parse_partial_date(end).first_day():
        broken.append(
            Broken("stated", f"stated {figure.stated}, before the end of what it counts ({end})")
        )
    if published and stated.first_day() > parse_partial_date(published).last_day():
        broken.append(
            Broken(
                "stated", f"stated {figure.stated}, after its source was published ({published})"
            )
        )
    return broken


def stated_apart(restating: FigureCreate, restated: FigureCreate) -> str | None:
    """One organisation's count that a source gives twice was said once: the two forms have
    the same `stated` (both given, or neither)."""
    same_saying = (restating.source, restating.attribution.organisation) == (
        restated.source,
        restated.attribution.organisation,
    )
    if not same_saying or restating.stated == restated.stated:
        return None
    return (
        f"restates {restated.id!r}, which was stated {restated.stated or 'at no given date'}, "
        f"but is stated {restating.stated or 'at no given date'}: give both the same `stated`"
    )


def organisation_rules(figure: FigureCreate, around: Around) -> list[Broken]:
    """One organisation, one name: the name its list gives it (or the source's publisher)."""
    name = figure.attribution.organisation
    # With no publisher known (its source failed its own check, reported there), whether the
    # name is the publisher's cannot be told: "add it to the list" could be the wrong advice.
    if around.organisations is None or name is None or around.publisher is None:
        return []
    if name == around.publisher:
        return []
    listed = around.organisations.get(name)
    if listed == name:
        return []
    if listed is not None:
        message = f"organisation {name!r} is listed as {listed!r}: name it so"
    else:
        message = (
            f"organisation {name!r} is not in organisations.toml: add it, or name it as listed"
        )
    return [Broken("attribution/organisation", message)]


def makes_loop(
    figure_id: str, relation: RelationIn, targets: Callable[[str, str], Iterable[str]]
) -> str | None:
    """A figure cannot be, through other figures, a part (or a restatement) of itself."""
    seen: set[str] = set()
    frontier = [relation.figure]
    while frontier:
        current = frontier.pop()
        if current == figure_id:
            return (
                f"{relation.type} {relation.figure!r} makes a loop: that figure is, through "
                f"others, {relation.type} {figure_id!r}"
            )
        if current not in seen:
            seen.add(current)
            frontier += targets(current, relation.type)
    return None


def derived_findings(
    item: DerivedCreate,
    figures: dict[str, FigureCreate],
    broken: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Its inputs exist and can be combined (no ratio over zero). An input that is there but
    broken has its own finding; this one says nothing more of it."""
    missing = [i for i in item.inputs if i not in figures]
    if missing:
        return [f"input {i!r}: no such figure" for i in missing if i not in broken]
    try:
        combine(item.operation, [quantity_of(figures[i]) for i in item.inputs])
    except ValueError as exc:
        return [str(exc)]
    return []


def quantity_of(figure: FigureCreate) -> Quantity:
    return Quantity.stated(Qualifier(figure.qualifier), figure.value)


def dated_after(figure: FigureCreate, published: str) -> str | None:
    """A source cannot count what happens after it was published."""
    start = figure.period.start if figure.period else figure.as_of
    assert start is not None
    if parse_partial_date(start).first_day() > parse_partial_date(published).last_day():
        return (
            f"its {'period starts' if figure.period else 'date is'} {start}, after its "
            f"source was published ({published})"
        )
    return None


def quote_findings(figure: FigureCreate, text: str) -> list[str]:
    """Whether the quote and value_text stand at their spans in the source's text."""
    q, v = figure.quote_span, figure.value_span
    found: list[str] = []
    if text[q.start : q.end] != figure.quote:
        where = text.find(figure.quote)
        hint = (
            f"; it occurs at {where}..{where + len(figure.quote)}"
            if where >= 0
            else ("; it occurs nowhere in the text")
        )
        found.append(
            f"quote not found at quote_span {q.start}..{q.end} "
            f"(the text there reads {text[q.start : q.end][:60]!r}){hint}"
        )
    if text[v.start : v.end] != figure.value_text:
        found.append(
            f"value_text {figure.value_text!r} not found at value_span "
            f"{v.start}..{v.end} (the text there reads {text[v.start : v.end]!r})"
        )
    return found


def part_exceeds_whole(part: FigureCreate, whole: FigureCreate) -> str | None:
    """A part can never be more than its whole: the part's lower bound must not exceed the
    whole's upper bound (figures with approximate qualifiers give no bounds: not compared)."""
    low, high = quantity_of(part).interval, quantity_of(whole).interval
    if low is None or high is None or _starts_before_end(low, high):
        return None
    assert low.lower is not None
    assert high.upper is not None
    return (
        f"is part_of {whole.id!r} but its lower bound ({float(low.lower):g}) exceeds that "
        f"figure's upper bound ({float(high.upper):g})"
    )


def cannot_restate(restating: FigureCreate, restated: FigureCreate) -> str | None:
    """A restatement must allow the number it restates: "more than 500" allows 572, "fewer than
    500" does not. Figures with approximate qualifiers give no bounds and are not compared."""
    a, b = quantity_of(restating).interval, quantity_of(restated).interval
    if a is None or b is None:
        return None
    if _starts_before_end(a, b) and _starts_before_end(b, a):
        return None
    return (
        f"restates {restated.id!r} but its bounds cannot contain that figure: "
        f"{_words(restating)} does not allow {_words(restated)}"
    )


def _starts_before_end(a: Interval, b: Interval) -> bool:
    """Whether some number is at or above a's lower bound and at or below b's upper bound."""
    if a.lower is None or b.upper is None:
        return True
    return a.lower < b.upper or (a.lower == b.upper and a.lower_closed and b.upper_closed)


def _words(figure: FigureCreate) -> str:
    return display(Qualifier(figure.qualifier), figure.value)
