"""What citeproc-js does to a citation's text, for our prose styles to match it: title case
(the CSL styles' `text-case="title"`), and its HTML output (escapes, `<i>`, the entry's `div`).

Title case is citeproc-js's rule (2.4.63, `CSL.Output.Formatters.title`), not a style guide's:
the text splits at punctuation, quotes, hyphens and dashes, and then at spaces; a word of two
or more letters that is all lower case and not one of the locale's stop words is capitalised;
so are the first word, a word after `:`, `?` or `!`, and a word just before the first hyphen
if nothing but spaces and words came before it (a quirk of citeproc-js's kept here); a word
with a capital letter in it ("US", "iPhone") is left as written; and the title's last word is
capitalised even if it is a stop word.
"""

import re

# citeproc-js's CSL.SKIP_WORDS, the one-word entries (a phrase such as "as of" never matches a
# single word there, so neither is kept here).
_STOP_TEXT = (
    "about above across afore after against al along alongside amid amidst among amongst anenst "
    "apropos apud around as aside astride at athwart atop barring before behind below beneath "
    "beside besides between beyond but by circa despite down during et except for forenenst "
    "from given in inside into lest like modulo near next notwithstanding of off on onto out "
    "over per plus pro qua sans since than through throughout thruout till to toward towards "
    "under underneath until unto up upon versus vs. v. vs v via vis-à-vis with within without "
    "or yet so and nor a an the de d' von van c ca"
)
_STOP_WORDS = frozenset(_STOP_TEXT.split())
# The marks citeproc-js splits a text at before it looks at words (its tagDoppel).
_MARKS = re.compile(
    "(\u2018|\u2019|\u201c|\u201d| \"| '|\"|'|[-\u2013\u2014/.,;?!:]|\\[|\\]|\\(|\\))"
)
_SPACES = re.compile("([\u00a0 \u2000-\u200b\u205f\u3000]+)")


def title_case(text: str) -> str:
    """ "Re-entry and non-citizens: a follow-up" -> "Re-Entry and Non-Citizens: A Follow-up"."""
    pieces = _MARKS.split(text)  # words at even places, marks at odd
    first, after_mark = True, False
    last: tuple[int, list[str], int] | None = None  # the last word: its piece, words, place
    for at in range(0, len(pieces), 2):
        if at:
            after_mark = after_mark or pieces[at - 1].endswith((":", "?", "!"))
        # citeproc-js passes the following mark only when it reads the text's first stretch
        # (its later calls give the mark in another argument's place): so only a word before
        # the first hyphen, if it ends that stretch, is capitalised for it ("Up-to-Date").
        before_hyphen = at == 0 and len(pieces) > 1 and pieces[1] == "-"
        words = _SPACES.split(pieces[at])  # words at even places, spaces at odd
        ending = len(words) - 1  # the stretch's last word: "" when it ends in spaces
        for i in range(0, len(words), 2):
            word = words[i]
            if not word:
                continue
            lower = word.lower()
            if word == lower and (
                (len(word) > 1 and lower not in _STOP_WORDS)
                or (i == ending and before_hyphen)
                or first
                or after_mark
            ):
                words[i] = word[0].upper() + word[1:]
            first = after_mark = False
            last = (at, words, i)
        pieces[at] = "".join(words)
    if last:  # a stop word that ends the title is capitalised: "Come Home To"
        at, words, i = last
        if len(words[i]) > 1 and words[i].lower() in _STOP_WORDS:
            words[i] = words[i][0].upper() + words[i][1:]
            pieces[at] = "".join(words)
    return "".join(pieces)


def smart(text: str) -> str:
    """Straight double quotes as citeproc-js prints them: curly, opening at a word's start."""
    return re.sub(r'(^|(?<=[\s(\[]))"', "\u201c", text).replace('"', "\u201d")


def quoted(title: str) -> str:
    """A title's opening, set inside double quotes as citeproc-js sets it: its own double
    quotes become single ones (“a” -> ‘a’), so that quotes nest. The caller closes it."""
    return "\u201c" + smart(title).replace("\u201c", "\u2018").replace("\u201d", "\u2019")


# Italics are marked while an entry is written and become <i> (or nothing) when it is done, so
# that the whole entry is escaped once and no markup of ours is escaped with it.
_ITALIC, _ROMAN = "\x01", "\x02"


def italic(text: str) -> str:
    return f"{_ITALIC}{text}{_ROMAN}"


def entry(text: str, html: bool) -> str:
    """One reference list entry: a line of text, or citeproc-js's HTML: its `div`, numeric
    entities for `&`, `<` and `>`, `<i>` for italics."""
    if not html:
        return text.replace(_ITALIC, "").replace(_ROMAN, "")
    escaped = text.replace("&", "&#38;").replace("<", "&#60;").replace(">", "&#62;")
    escaped = escaped.replace(_ITALIC, "<i>").replace(_ROMAN, "</i>")
    return f'<div class="csl-entry">{escaped}</div>'
