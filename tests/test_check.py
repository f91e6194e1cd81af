"""`depstats check` passes on data/ and names the file and figure of each fault in a broken copy."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

FIGURES = "figures/khmer-times-2018-02-us-deportees.toml"
runner = CliRunner()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(data_dir: Path) -> tuple[int, str]:
    result = runner.invoke(cli, ["check", "--data", str(data_dir)])
    return result.exit_code, result.output


def test_check_passes_on_the_curated_data() -> None:
    code, output = check(Path(__file__).parent.parent / "data")
    assert code == 0, output
    assert "ok: 1 source(s), 6 measure(s), 8 figure(s), 3 derived" in output


@pytest.mark.parametrize(
    ("old", "new", "figure", "message"),
    [
        pytest.param(
            "quote_span = { start = 52, end = 265 }\nvalue_span = { start = 52, end = 64 }",
            "quote_span = { start = 53, end = 266 }\nvalue_span = { start = 53, end = 65 }",
            "removals-2017",
            "quote not found at quote_span 53..266",
            id="quote-off-its-span",
        ),
        pytest.param(
            'value = 28\nqualifier = "exact"\nvalue_text = "Twenty-eight"\n'
            "bounds = { lower = 28, lower_inclusive = true, upper = 28, upper_inclusive = true }",
            'value = 29\nqualifier = "exact"\nvalue_text = "Twenty-eight"',
            "removals-2017",
            "value 29 does not match value_text 'Twenty-eight', which reads as 28",
            id="number-word-mismatch",
        ),
        pytest.param(
            'value = 572\nqualifier = "exact"\nvalue_text = "572"\n'
            "bounds = { lower = 572, lower_inclusive = true, upper = 572, upper_inclusive = true }",
            'value = 527\nqualifier = "exact"\nvalue_text = "572"',
            "removals-since-2002",
            "value 527 does not match value_text '572'",
            id="numeral-mismatch",
        ),
        pytest.param(
            'id = "removals-2017"\nmeasure = "removals-us-to-cambodia"',
            'id = "removals-2017"\nmeasure = "removals-to-nowhere"',
            "removals-2017",
            "measure 'removals-to-nowhere' does not exist",
            id="no-such-measure",
        ),
        pytest.param(
            'id = "removals-2017"\nmeasure = "removals-us-to-cambodia"\n'
            'source = "khmer-times-2018-02-us-deportees"',
            'id = "removals-2017"\nmeasure = "removals-us-to-cambodia"\nsource = "no-such-paper"',
            "removals-2017",
            "source 'no-such-paper' does not exist",
            id="no-such-source",
        ),
        pytest.param(
            'relations = [{ type = "part_of", figure = "removals-since-2002" }]',
            'relations = [{ type = "part_of", figure = "removals-since-1999" }]',
            "removals-2017",
            "part_of 'removals-since-1999': no such figure",
            id="no-such-related-figure",
        ),
        pytest.param(
            'id = "removals-since-2002-rounded"',
            'id = "removals-2017"',
            "removals-2017",
            "id repeats",
            id="repeated-id",
        ),
        pytest.param(
            'value_span = { start = 1996, end = 2003 }\nattribution = { organisation = "Khmer '
            'Times" }',
            'value_span = { start = 1996, end = 2003 }\nattribution = { organisation = "Khmer '
            'Times" }\nrelations = [{ type = "part_of", '
            'figure = "non-refugee-admissions-1975-2000" }]',
            "refugee-admissions-1975-2000",
            "is part_of 'non-refugee-admissions-1975-2000' but its lower bound (145000) exceeds "
            "that figure's upper bound (42000)",
            id="part-exceeds-whole",
        ),
        pytest.param(
            "bounds = { lower = 1900, lower_inclusive = false }",
            "bounds = { lower = 1900, lower_inclusive = true }",
            "final-removal-orders-2017-12",
            "are not those that more_than 1900 implies",
            id="bounds-not-implied-by-qualifier",
        ),
        pytest.param(
            'lower_inclusive = false }\nas_of = "2017-12"',
            'lower_inclusive = false }\nperiod = { start = "2017", end = "2017" }',
            "final-removal-orders-2017-12",
            "is a stock: give `as_of`",
            id="stock-with-period",
        ),
    ],
)
def test_check_names_the_file_and_figure_of_each_fault(
    data_copy: Path, old: str, new: str, figure: str, message: str
) -> None:
    edit(data_copy / FIGURES, old, new)
    code, output = check(data_copy)
    assert code == 1
    assert f"{FIGURES}: figure '{figure}'" in output
    assert message in output


def test_a_changed_source_text_fails_its_digest_and_every_quote_after_the_edit(
    data_copy: Path,
) -> None:
    edit(data_copy / "sources/khmer-times-2018-02-us-deportees.txt", "Twenty-eight", "Twenty-nine")
    code, output = check(data_copy)
    assert code == 1
    assert "sources/khmer-times-2018-02-us-deportees.toml" in output
    assert "sha256 2599ce1a" in output and "does not match the text" in output
    # With the source unread its publisher is unknown: "Khmer Times, in its own voice, is
    # not in organisations.toml: add it" was wrong advice.
    assert "organisations.toml" not in output


def test_a_quote_that_occurs_elsewhere_says_where(data_copy: Path) -> None:
    path = data_copy / "sources/khmer-times-2018-02-us-deportees.txt"
    edit(path, "Cambodia committed", "Cambodia firmly committed")
    # Re-sign the text so only the spans are wrong.
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    edit(
        data_copy / "sources/khmer-times-2018-02-us-deportees.toml",
        "2599ce1ab78ea39beb5032e2b3fd3154fb9b832a61b2a2d4ceed1ac1251dade0",
        digest,
    )
    code, output = check(data_copy)
    assert code == 1
    assert "figure 'removals-2017': quote not found at quote_span 52..265" in output
    assert "it occurs at 59..272" in output


def test_invalid_toml_is_reported_with_its_file(data_copy: Path) -> None:
    (data_copy / "figures" / "broken.toml").write_text("[[figure]\nid = ", encoding="utf-8")
    code, output = check(data_copy)
    assert code == 1
    assert "figures/broken.toml: not valid TOML" in output


def test_a_figures_file_that_is_not_toml_is_the_one_problem_not_every_reference_to_it(
    data_copy: Path,
) -> None:
    """Its figures are unknown, so the corrections, relations and derived figures that name
    them would each say "no such figure": 14 problems for one missing bracket."""
    path = data_copy / FIGURES
    path.write_text(
        re.sub(r"(?m)^\[\[figure\]\]$", "[[figure]", path.read_text(encoding="utf-8"), count=1),
        encoding="utf-8",
    )
    code, output = check(data_copy)
    assert code == 1
    assert "1 problem(s)" in output
    assert f"{FIGURES}: not valid TOML" in output and "no such figure" not in output


def test_a_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["check", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_a_restatement_whose_bounds_cannot_hold_the_figure_is_refused(data_copy: Path) -> None:
    # "fewer than 500" cannot restate 572, where "more than 500" can.
    edit(
        data_copy / FIGURES,
        'value = 500\nqualifier = "more_than"\nvalue_text = "500"\n'
        "bounds = { lower = 500, lower_inclusive = false }",
        'value = 500\nqualifier = "fewer_than"\nvalue_text = "500"',
    )
    code, output = check(data_copy)
    assert code == 1
    assert (
        f"{FIGURES}: figure 'removals-since-2002-rounded': restates 'removals-since-2002' "
        "but its bounds cannot contain that figure: fewer than 500 does not allow 572" in output
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'inputs = ["refugee-admissions-1975-2000", "non-refugee-admissions-1975-2000"]',
            'inputs = ["refugee-admissions-1975-2000", "non-refugee-admissions-1975-2001"]',
            "derived 'admissions-1975-2000': input 'non-refugee-admissions-1975-2001': no such "
            "figure",
        ),
        (
            'operation = "ratio"\ninputs = ["final-removal-orders-criminal-2017-12", '
            '"final-removal-orders-2017-12"]',
            'operation = "ratio"\ninputs = ["final-removal-orders-criminal-2017-12"]',
            "derived 'final-removal-orders-criminal-share-2017-12': inputs: List should have at "
            "least 2 items",
        ),
        (
            'operation = "sum"',
            'operation = "ratio"',
            "derived 'admissions-1975-2000': `percent` is the unit of a ratio, and only of a ratio",
        ),
    ],
)
def test_a_broken_derived_figure_is_refused(
    data_copy: Path, old: str, new: str, message: str
) -> None:
    edit(data_copy / "derived.toml", old, new)
    code, output = check(data_copy)
    assert code == 1
    assert f"derived.toml: {message}" in output


def test_a_figure_dated_after_its_source_fails_check(data_copy: Path) -> None:
    edit(data_copy / FIGURES, 'as_of = "2018-01-25"', 'as_of = "2018-03-01"')
    code, output = check(data_copy)
    assert code == 1
    assert (
        "figure 'blocked-deportations-2018-01-25': its date is 2018-03-01, after its "
        "source was published (2018-02)"
    ) in output


def test_a_loop_of_relations_fails_check(data_copy: Path) -> None:
    edit(
        data_copy / FIGURES,
        "value_span = { start = 2852, end = 2857 }",
        'value_span = { start = 2852, end = 2857 }\nrelations = [{ type = "part_of", '
        'figure = "final-removal-orders-criminal-2017-12" }]',
    )
    code, output = check(data_copy)
    assert code == 1
    # Reported on both figures of the loop, the same words as the write API's 422.
    for figure, other in [
        ("final-removal-orders-2017-12", "final-removal-orders-criminal-2017-12"),
        ("final-removal-orders-criminal-2017-12", "final-removal-orders-2017-12"),
    ]:
        assert (
            f"figure {figure!r}: part_of {other!r} makes a loop: that figure is, through "
            f"others, part_of {figure!r}"
        ) in output


def test_a_broken_figure_is_reported_once_not_again_as_missing(data_copy: Path) -> None:
    # final-removal-orders-2017-12 is referred to by a relation and by two derived figures.
    edit(
        data_copy / FIGURES,
        "value_span = { start = 2852, end = 2857 }",
        "value_span = { start = 2853, end = 2858 }",
    )
    code, output = check(data_copy)
    assert code == 1
    assert "1 problem(s)" in output
    assert "no such figure" not in output


def test_a_figure_must_say_who_stated_it(data_copy: Path) -> None:
    edit(
        data_copy / FIGURES,
        'attribution = { organisation = "Khmer Times" }\n'
        'note = "Stated by Khmer Times in its own voice',
        'note = "Stated by Khmer Times in its own voice',
    )
    code, output = check(data_copy)
    assert code == 1
    assert "figure 'blocked-deportations-2018-01-25': attribution: Field required" in output


# --- The words a sentence keeps, when a figure was stated, who stated it, and corrections -----

ORG = "Ministry of Interior’s general department of immigration"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "corrections.toml", f'organisation = "{ORG}", text',
            'organisation = "General Department of Immigration", text',
            f"organisation 'General Department of Immigration' is listed as '{ORG}': name it so",
            id="organisation-by-another-name",
        ),
        pytest.param(
            "corrections.toml", f'organisation = "{ORG}", text',
            'organisation = "Interior Ministry", text',
            "organisation 'Interior Ministry' is not in organisations.toml",
            id="organisation-not-listed",
        ),
        pytest.param(
            "corrections.toml", 'end = "2017" }, stated = "2018-02", ', 'end = "2017" }, ',
            "restates 'removals-since-2002', which was stated 2018-02, but is stated at no "
            "given date: give both the same `stated`",
            id="restatement-stated-apart",
        ),
        pytest.param(
            FIGURES, 'stated = "2018-02"', 'stated = "2017-06"',
            "stated 2017-06, before the end of what it counts (2018-02)",
            id="stated-before-counted",
        ),
        pytest.param(
            FIGURES, 'stated = "2018-02"', 'stated = "2018-03"',
            "stated 2018-03, after its source was published (2018-02)",
            id="stated-after-published",
        ),
        pytest.param(
            "corrections.toml", 'restriction = "convicted of crimes"',
            'restriction = "convicted of felonies"',
            "'convicted of felonies' is not in the quote: a sentence keeps only the source's words",
            id="words-not-in-the-quote",
        ),
        pytest.param(
            "corrections.toml", 'restriction = "convicted of crimes" }',
            'restriction = "convicted of crimes", timing = "cumulative" }',
            "a cumulative count runs from its period's start to its end",
            id="cumulative-over-one-year",
        ),
        pytest.param(
            "corrections.toml", 'timing = "event", agent = "a US district judge"',
            'timing = "event"', "an event is said with who acted: give `agent`",
            id="event-without-agent",
        ),
        pytest.param(
            "corrections.toml", 'timing = "event", agent', "agent",
            'only an event names who acted: give `timing = "event"`',
            id="agent-without-event",
        ),
        pytest.param(
            "measures.toml", 'event = "blocked the immediate removal from the US of"\n', "",
            "measure 'court-blocked-removals' has no `event` words to say an event with",
            id="event-without-measure-words",
        ),
        pytest.param(
            "corrections.toml", 'figure = "removals-2017"', 'figure = "removals-2016"',
            "correction 1 (figure 'removals-2016'): no such figure in figures/",
            id="correction-of-no-figure",
        ),
        pytest.param(
            "corrections.toml", 'set = { wording = { restriction = "convicted of crimes" } }',
            "set = { wording = {} }",
            "correction 1 (figure 'removals-2017'): changes nothing",
            id="correction-that-changes-nothing",
        ),
        pytest.param(
            "corrections.toml", 'set = { wording = { restriction = "convicted of crimes" } }',
            "set = { value = 29 }",
            "correction 1 (figure 'removals-2017'): value_text: value 29 does not match",
            id="correction-leaves-a-figure-invalid",
        ),
    ],
)  # fmt: skip
def test_check_enforces_wording_stated_organisation_and_corrections(
    data_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(data_copy / file, old, new)
    code, output = check(data_copy)
    assert code == 1, output
    assert message in output
