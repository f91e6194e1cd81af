"""Numbers as printed: parse "1,900", "Twenty-eight" or "1.5 million"; format AP style."""

import re
from decimal import Decimal

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}

# Digits, either ungrouped or grouped by commas in threes, with an optional decimal part.
_NUMERAL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def parse_number(text: str) -> Decimal:
    """The value of a number as printed: numerals, number words, or a numeral and a scale word.

    Raises ValueError, saying why, for anything else.
    """
    words = text.strip().lower().replace("-", " ").split()
    if not words:
        raise ValueError("no number given")
    if _NUMERAL.fullmatch(words[0]):
        value = Decimal(words[0].replace(",", ""))
        if len(words) == 1:
            return value
        if len(words) == 2 and words[1] in _SCALES:
            return value * _SCALES[words[1]]
        raise ValueError(f"{text!r} is not a number")
    if words[-1] == "dozen" and len(words) > 1 and "dozen" not in words[:-1]:
        # "a dozen", "two dozen": twelves
        return Decimal(12) if words[:-1] == ["a"] else parse_number(" ".join(words[:-1])) * 12
    # "one thousand, one hundred": commas between word groups carry no value.
    spelt = " ".join(words).replace(",", " ").split()
    if not spelt:  # "," alone
        raise ValueError(f"{text!r} is not a number")
    return Decimal(_words_to_int(spelt))


def _words_to_int(words: list[str]) -> int:
    """Read English number words: groups below a thousand, each followed by a smaller scale."""
    if words == ["zero"]:
        return 0
    total, i, last_scale = 0, 0, None
    while i < len(words):
        group, i = _group(words, i)
        scale = 1
        if i < len(words) and words[i] in _SCALES:
            scale = _SCALES[words[i]]
            i += 1
        if last_scale is not None and scale >= last_scale:
            raise ValueError(f"{' '.join(words)!r}: scales must fall from left to right")
        last_scale = scale
        total += group * scale
        if i < len(words) and words[i] == "and":
            i += 1
            if i == len(words):
                raise ValueError(f"{' '.join(words)!r} ends with 'and'")
        if scale == 1 and i < len(words):
            raise ValueError(f"{' '.join(words)!r}: unexpected {words[i]!r}")
    return total


def _group(words: list[str], i: int) -> tuple[int, int]:
    """One group from 1 to 999 ("a hundred and five", "twenty eight") starting at words[i]."""
    value, start = 0, i
    if i + 1 < len(words) and words[i + 1] == "hundred":
        hundreds = 1 if words[i] == "a" else _UNITS.get(words[i], 0)
        if not 1 <= hundreds <= 9:
            raise ValueError(f"{words[i]!r} cannot count hundreds")
        value, i = hundreds * 100, i + 2
        if i < len(words) and words[i] == "and":
            i += 1
            if i == len(words) or not (words[i] in _TENS or _UNITS.get(words[i], 0) > 0):
                raise ValueError(
                    f"{' '.join(words)!r}: 'and' after 'hundred' must be followed by tens or units"
                )
    elif words[i] == "a" and i + 1 < len(words) and words[i + 1] in _SCALES:
        return 1, i + 1
    if i < len(words) and words[i] in _TENS:
        value += _TENS[words[i]]
        i += 1
        if i < len(words) and 1 <= _UNITS.get(words[i], 0) <= 9:
            value += _UNITS[words[i]]
            i += 1
    elif i < len(words) and _UNITS.get(words[i], 0) > 0:  # "one" to "nineteen"
        value += _UNITS[words[i]]
        i += 1
    if i == start:
        raise ValueError(f"{words[start]!r} is not a number word")
    return value, i


def format_number(value: float | int | Decimal) -> str:
    """AP style numerals: thousands separated by commas, no trailing zeros ("1,900", "74.4")."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"
