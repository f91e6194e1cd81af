"""Who a text says stated its numbers: "according to X", "X said", a spokesman, a report
named before, "he said", and who speaks a quotation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.dates import PartialDate

_NAME = (  # two or more capitalised words, not starting with a word that opens a sentence
    r"(?!(?:In|On|By|At|Of|And|But|So|Since|From|After|Before|During|The|Last|This)\b)"
    # At most six words, taken whole: a run of capitalised words is read in time linear in it.
    r"[A-Z][\w’'.-]+(?:[ \t]+(?:[A-Z][\w’'.-]+|bin|van|de|al)){1,5}"
)
_ORG = r"(?:the[ \t]+)?[A-Z][^,;:“”\"]{0,80}?"
_PERSON_ROLE = re.compile(
    rf"(?P<text>(?P<person>{_NAME}),[ \t]+(?:an?[ \t]+|the[ \t]+)?(?P<role>[a-z][\w -]*?)"
    rf"[ \t]+(?:for|of|at|with|from)[ \t]+(?P<org>{_ORG})),[ \t]+"
    r"(?:said|told|says|added|wrote|spoke)\b"
)
_ROLE_PERSON_SAID = re.compile(
    rf"(?P<text>(?P<org>{_ORG})[ \t]+(?P<role>spokes(?:man|woman|person))[ \t]+(?P<person>{_NAME}))"
    r"[ \t]+(?:said|told|says|added)\b"
)
_REPORT = re.compile(
    r"(?P<text>\b(?:an?|the)[ \t]+(?:[\w-]+[ \t]+){0,3}?(?:report|study|survey|review|audit|data|"
    r"figures|statistics)[ \t]+(?:by|from|of|released[ \t]+by|published[ \t]+by)[ \t]+"
    # The organisation: capitalised words ("the Interior Ministry"), or else lowercase words
    # up to what follows a report's name ("the immigration department released yesterday").
    r"(?P<org>(?:the[ \t]+)?(?:(?-i:[A-Z][\w’'-]*(?:[ \t]+(?:(?:of|for|and|on)[ \t]+)?"
    r"[A-Z][\w’'-]*)*)(?![\w’'-])|[\w’' -]+?(?=[ \t]+(?:released|published|issued|on|in|last|"
    r"this|yesterday|showed|shows|said|says|found)\b|[,.;]|$))))",
    re.I,
)
_ACCORDING = re.compile(r"\baccording[ \t]+to[ \t]+(?P<who>[^,.;“”]+)", re.I)
_SAID_BY = re.compile(
    rf"(?:,|”)[ \t]*(?:said|says|added|told[ \t]+\w+)[ \t]+(?P<who>{_NAME}|the[ \t]+[\w ’'-]+?)"
    rf"(?:,[ \t]+(?:an?[ \t]+|the[ \t]+)?(?P<role>[a-z][\w -]*?)[ \t]+(?:for|of|at|with)[ \t]+"
    r"(?P<org>(?:the[ \t]+)?[\w’'][^,;:“”\"]*?))?[ \t]*[.,]"
)
_WHO_SAID = re.compile(
    rf"(?:^|[”,][ \t]*|\b)(?P<who>{_NAME}|(?:[Tt]he|[Aa]n?)[ \t]+[\w ’'-]+?|[Hh]e|[Ss]he|[Ii]t|"
    r"[A-Z][\w-]*’s[ \t]+[\w ’'-]+?|[A-Z]{2,}[\w-]*|"
    r"[Tt]hey|(?:[a-z]+[ \t]+)?(?:officials|lawyers|attorneys|police|authorities|advocates|"
    r"activists|groups|prosecutors|sources|experts|officers))[ \t]+(?P<verb>said|says|say|added|"
    r"told|announced|stated|found|showed|shows|show|reported|published|released|issued)\b"
)
# "Luka Meas, 48, who arrived on the flight, said": the subject, named before a comma.
_SUBJECT_SAID = re.compile(rf"^(?P<who>{_NAME}),[^“”]*?\b(?:said|says|told)\b")
# "One of the returnees, Sokha Chan, 38, said": a person named with their age.
_AGED_SAID = re.compile(rf"\b(?P<who>{_NAME}),[ \t]*\d{{1,3}},[^“”]*?\b(?:said|says|told)\b")
# Words that make a name an organisation's: "Human Rights Watch said" is not a person.
_ORG_WORDS = re.compile(
    r"\b(?:Watch|Ministry|Department|Institute|Agency|Organi[sz]ation|Movement|Cent(?:er|re)|"
    r"Office|Service|Police|Court|Council|Commission|Committee|Association|Union|Foundation|"
    r"Group|Justice|Enforcement|Security|Embassy|Government|University|News|Times|Post|"
    r"Network|Coalition|Project|Fund|Bank|Bureau|Administration|Authority|Institution)\b"
)
_PUBLISHED = re.compile(r"^(?:published|released|issued)$")


def _trim_the(text: str) -> str:
    return re.sub(r"^(?:the|an?)[ \t]+", "", text.strip(), flags=re.I)


@dataclass
class Speakers:
    """Who the text has named so far, for "he said" and "the report said"."""

    publisher: str | None
    person: dict[str, str] | None = None
    report: dict[str, str] | None = None
    report_stated: PartialDate | None = None
    person_stated: PartialDate | None = None

    def voice(self) -> dict[str, str]:
        return {"organisation": self.publisher} if self.publisher else {}


def attribution_of(
    body: str, speakers: Speakers, stated: PartialDate | None
) -> tuple[dict[str, str], PartialDate | None, str] | None:
    """Who the sentence says stated its numbers, when it was said, and the words that say so."""
    report = _REPORT.search(body)
    if report:
        speakers.report = {
            "organisation": _trim_the(report.group("org")),
            "text": report.group("text"),
        }
        speakers.report_stated = stated
    m = _PERSON_ROLE.search(body) or _ROLE_PERSON_SAID.search(body)
    if m:
        found = {
            "person": m.group("person"),
            "role": m.group("role"),
            "organisation": _trim_the(m.group("org")),
            "text": m.group("text"),
        }
        speakers.person, speakers.person_stated = found, stated
        return found, stated, "named with their role"
    m = _ACCORDING.search(body)
    if m:
        who = m.group("who").strip()
        if report and report.start() >= m.start():
            return dict(speakers.report or {}), stated, "“according to” a report"
        if re.match(r"(?:the|this|that)[ \t]+(?:report|study|survey|data|figures)\b", who, re.I):
            return dict(speakers.report or {}), speakers.report_stated, "the report named before"
        return {"organisation": _trim_the(who), "text": who}, stated, "“according to”"
    m = _SAID_BY.search(body)
    if m:
        return _speaker(m.group("who"), m, speakers, stated)
    m = _AGED_SAID.search(body) or _SUBJECT_SAID.search(body)
    if m:
        return _speaker(m.group("who"), None, speakers, stated)
    m = _WHO_SAID.search(body)
    if m:
        if _PUBLISHED.match(m.group("verb")) and not report:  # "The ministry published figures"
            who = m.group("who")
            speakers.report = {"organisation": _trim_the(who), "text": who}
            speakers.report_stated = stated
        return _speaker(m.group("who"), None, speakers, stated)
    return None


def _speaker(
    who: str, m: re.Match[str] | None, speakers: Speakers, stated: PartialDate | None
) -> tuple[dict[str, str], PartialDate | None, str] | None:
    lower = who.lower()
    if lower in {"he", "she"}:
        if speakers.person is None:
            return None
        return dict(speakers.person), stated or speakers.person_stated, "“he/she said”"
    if lower in {"it", "they"} or re.search(r"\b(?:report|study|survey|data|figures)\b", lower):
        if speakers.report is None:
            return None
        return dict(speakers.report), stated or speakers.report_stated, "the report named before"
    if re.match(r"[a-z]", who) and not re.match(r"(?:the|an?)[ \t]", lower):  # "lawyers said"
        return {"text": who}, stated, "“said”"
    if re.match(r"(?:the|an?)[ \t]", lower):
        return {"organisation": _trim_the(who), "text": who}, stated, "“said”"
    if _ORG_WORDS.search(who) or re.fullmatch(r"[A-Z]{2,}[\w-]*", who) or "’s " in who:
        return {"organisation": who, "text": who}, stated, "“said”"  # "ICE said"
    found = {"person": who, "text": who}
    if m is not None and m.group("role"):
        found.update(role=m.group("role"), organisation=_trim_the(m.group("org")))
        found["text"] = m.group(0)[m.start("who") - m.start() : m.end("org") - m.start()]
    speakers.person, speakers.person_stated = found, stated
    return found, stated, "“said”"
