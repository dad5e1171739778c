"""Marks of what comes from the study, cited quotations, law notes, and the author's lint.

Errors (``mark_errors``, part of validation): marks and quotations cite declared sources, a
study mark says where in the study, and an option that reassures falsely or promises what the
worker cannot keep never counts as reliable. Warnings (``lint``, reported by ``casework
validate`` without failing it): parts left unmarked, quotation marks around words that are
not a cited quotation, and option labels that give the study's choice away by their length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from casework.scenario import Basis, BasisKind, Case, Quote
from casework.yaml_lines import LineDict, Problem, line_for

#: Concepts the sources warn against, which can never count as a reliable act.
NEVER_RELIABLE = frozenset(
    {
        "false reassurance",
        "collusion",
        "unauthorised promise",
        "unauthorized promise",
        "false promise",
    }
)


def _bases(case: Case) -> Iterator[tuple[tuple[Any, ...], Basis]]:
    """Every study/course mark in a case, with where it is."""
    for i, scene in enumerate(case.scenes):
        if scene.basis:
            yield ("scenes", i), scene.basis
        for j, choice in enumerate(scene.choices):
            if choice.basis:
                yield ("scenes", i, "choices", j), choice.basis
    for i, ending in enumerate(case.endings):
        if ending.basis:
            yield ("endings", i), ending.basis
        if not isinstance(ending.debrief, str):
            for k, part in enumerate(ending.debrief):
                yield ("endings", i, "debrief", k), part.basis


def _quotes(case: Case) -> Iterator[tuple[tuple[Any, ...], Quote]]:
    """Every declared quotation in a case, with where it is."""
    for k, quote in enumerate(case.quotes):
        yield ("quotes", k), quote
    for i, scene in enumerate(case.scenes):
        for k, quote in enumerate(scene.quotes):
            yield ("scenes", i, "quotes", k), quote
        for j, choice in enumerate(scene.choices):
            for k, quote in enumerate(choice.quotes):
                yield ("scenes", i, "choices", j, "quotes", k), quote
    for i, ending in enumerate(case.endings):
        for k, quote in enumerate(ending.quotes):
            yield ("endings", i, "quotes", k), quote


def mark_errors(path: str, data: LineDict, case: Case) -> list[Problem]:
    """Study/course marks, quotations and law notes cite sources the case declares, and
    an option that reassures falsely or promises what the worker cannot keep is never
    counted as reliable (reliability is keeping your word, not saying what a parent
    wants to hear: ferguson, "Reliability and regular contact")."""
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(path, line_for(data, loc), message))

    sources = {s.key for s in case.sources}
    for loc, basis in _bases(case):
        if basis.kind == BasisKind.study:
            if basis.source is None or basis.locator is None:
                add(
                    (*loc, "basis"),
                    "a basis of kind 'study' needs the 'source' and the 'locator' (where in "
                    "the study): add them, or use kind 'course' for the course's own scenario",
                )
            elif basis.source not in sources:
                add(
                    (*loc, "basis", "source"),
                    f"basis source '{basis.source}' is not declared under 'sources'",
                )
        elif basis.source is not None:
            add(
                (*loc, "basis", "kind"),
                "a basis with a source is from the study: use kind 'study' (kind 'course' "
                "means the course invented it)",
            )
    for loc, quote in _quotes(case):
        if quote.source not in sources:
            add(
                (*loc, "source"),
                f"the quotation '{quote.text[:40]}' cites source '{quote.source}', which is "
                "not declared under 'sources'",
            )
    for i, scene in enumerate(case.scenes):
        for k, note in enumerate(scene.law_notes):
            for m, entry in enumerate(note.evidence):
                if entry.source not in sources:
                    add(
                        ("scenes", i, "law_notes", k, "evidence", m, "source"),
                        f"law note '{note.topic}' cites '{entry.source}', which is not "
                        "declared under 'sources' (add the statute or guidance there)",
                    )
        for j, choice in enumerate(scene.choices):
            warned = sorted({c.lower() for c in choice.concepts} & NEVER_RELIABLE)
            if choice.reliable and warned:
                add(
                    ("scenes", i, "choices", j, "reliable"),
                    f"choice '{choice.id}' illustrates {', '.join(warned)}, which the "
                    "sources warn against, so it cannot be 'reliable: true' (reliability "
                    "is keeping your word): remove 'reliable'",
                )
    return problems


# --- the author's lint: warnings -------------------------------------------------------------

#: A study-path label this much longer than the longest other option gives itself away...
LONGER_BY = 1.25
#: ...when it is also at least this many characters longer.
LONGER_BY_AT_LEAST = 12

_QUOTED = re.compile(
    r"\"(?P<straight>[^\"\n]{1,200}?)\""  # "straight double"
    r"|\u201c(?P<curly>[^\u201d\n]{1,200}?)\u201d"  # curly double
    r"|\u2018(?P<single>[^\u2019\n]{1,200}?)\u2019(?!\w)"  # curly single (not an apostrophe)
    r"|(?<![\w'])'(?P<plain>[^'\n]{1,200}?)'(?![\w'])"  # straight single, at word edges
)


def quoted_spans(text: str) -> list[str]:
    """The words inside quotation marks in a text (apostrophes are not quotation marks)."""
    found = []
    for match in _QUOTED.finditer(text):
        span = next(g for g in match.groups() if g is not None)
        if span.strip():
            found.append(span)
    return found


def normalise_quote(text: str) -> str:
    """For comparing quotations: one kind of quote mark, single spaces, no edge punctuation."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    return " ".join(text.split()).strip(" .,;:!?-\u2026")


def _texts(case: Case) -> Iterator[tuple[tuple[Any, ...], str, list[Quote]]]:
    """Every learner-facing text, where it is, and the quotations declared for it."""
    top = list(case.quotes)
    for field in ("title", "summary", "content_note", "anonymisation"):
        yield (field,), getattr(case, field), top
    if case.account:
        yield ("account", "description"), case.account.description, top
    for i, d in enumerate(case.dimensions):
        yield ("dimensions", i, "label"), d.label, top
        yield ("dimensions", i, "meaning"), d.meaning, top
    for i, scene in enumerate(case.scenes):
        here = top + scene.quotes
        texts: list[tuple[tuple[Any, ...], str | None]] = [
            (("scenes", i, "title"), scene.title),
            (("scenes", i, "setting"), scene.setting),
            (("scenes", i, "narrative"), scene.narrative),
            (("scenes", i, "content_note"), scene.content_note),
            (
                ("scenes", i, "reflection", "prompt"),
                scene.reflection.prompt if scene.reflection else None,
            ),
            (
                ("scenes", i, "first_answer", "prompt"),
                scene.first_answer.prompt if scene.first_answer else None,
            ),
            (("scenes", i, "basis", "note"), scene.basis.note if scene.basis else None),
        ]
        texts += [(("scenes", i, "present", k), who) for k, who in enumerate(scene.present)]
        for k, note in enumerate(scene.law_notes):
            texts += [(("scenes", i, "law_notes", k, "text"), note.text)]
        for loc, text in texts:
            if text:
                yield loc, text, here
        for j, choice in enumerate(scene.choices):
            mine = here + choice.quotes
            yield ("scenes", i, "choices", j, "label"), choice.label, mine
            yield ("scenes", i, "choices", j, "consequence"), choice.consequence, mine
            if choice.basis and choice.basis.note:
                yield ("scenes", i, "choices", j, "basis", "note"), choice.basis.note, mine
    for i, ending in enumerate(case.endings):
        here = top + ending.quotes
        yield ("endings", i, "title"), ending.title, here
        yield ("endings", i, "narrative"), ending.narrative, here
        for k, part in enumerate(ending.debrief_parts()):
            text = part if isinstance(part, str) else part.text
            loc = (
                ("endings", i, "debrief")
                if isinstance(part, str)
                else ("endings", i, "debrief", k, "text")
            )
            yield loc, text, here
        if ending.reflection:
            yield ("endings", i, "reflection", "prompt"), ending.reflection.prompt, here


def _line_holding(lines: list[str], start: int, words: str) -> int:
    """The first line from ``start`` (1-based) that holds the start of ``words``; a folded
    paragraph breaks lines anywhere, so only the first word or two are looked for."""
    first = " ".join(words.split()[:2])
    for number in range(start, min(start + 60, len(lines)) + 1):
        if first and first in lines[number - 1]:
            return number
    head = words.split()[0] if words.split() else ""
    for number in range(start, min(start + 60, len(lines)) + 1):
        if head and head in lines[number - 1]:
            return number
    return start


def lint(
    path: str,
    data: LineDict,
    case: Case,
    study: list[tuple[str, str]],
    lines: list[str] | None = None,
) -> list[Problem]:
    """Warnings for the author: nothing here makes a case invalid, all of it makes it teach
    less well (DESIGN.md, "Rules for scenarios"). ``lines``, the file's text, lets a warning
    about words inside a folded paragraph point at the line that holds them."""
    warnings: list[Problem] = []

    def warn(loc: tuple[Any, ...], message: str, words: str | None = None) -> None:
        line = line_for(data, loc)
        if words and lines:
            line = _line_holding(lines, line, words)
        warnings.append(Problem(path, line, message, warning=True))

    if case.account is None:
        warn(
            ("id",),
            "say what kind of account this case is: add 'account' with its kind "
            "(study_case, illustrative_vignette or composite) and a description",
        )
    study_scenes = dict(study)
    for i, scene in enumerate(case.scenes):
        for k, who in enumerate(scene.present):
            if who.count("(") != who.count(")"):
                warn(
                    ("scenes", i, "present", k),
                    f"'{who}' in 'present' has an unclosed bracket: a comma inside [...] splits "
                    "an entry in two; put the whole entry in quotation marks",
                )
        if scene.basis is None:
            warn(
                ("scenes", i, "id"),
                f"scene '{scene.id}' has no 'basis': say whether it "
                "reports the study (kind: study, source, locator) or is the course's own "
                "(kind: course)",
            )
        chosen = study_scenes.get(scene.id)
        for j, choice in enumerate(scene.choices):
            if choice.id == chosen and choice.basis is None:
                warn(
                    ("scenes", i, "choices", j, "id"),
                    f"choice '{choice.id}' is on the "
                    "study path but has no 'basis': say whether its consequence is what the "
                    "study reports",
                )
    for i, ending in enumerate(case.endings):
        if ending.basis is None:
            warn(
                ("endings", i, "id"),
                f"ending '{ending.id}' has no 'basis': say whether it "
                "happened in the study or is the course's own",
            )
        if isinstance(ending.debrief, str):
            warn(
                ("endings", i, "debrief"),
                f"ending '{ending.id}': write the debrief as a "
                "list of parts, each with its 'basis', so learners can tell the study's "
                "findings from the course's own points",
            )
    for loc, text, quotes in _texts(case):
        declared = {normalise_quote(q.text) for q in quotes}
        for span in quoted_spans(text):
            if normalise_quote(span) not in declared:
                warn(
                    loc,
                    f"quotation marks around '{span[:50]}': quotation marks mean a "
                    "quotation, so cite it under 'quotes' (text, source, locator), or remove "
                    "the marks",
                    words=span,
                )
    longest = decisions = 0
    for scene_id, choice_id in study:
        index, scene = next((i, s) for i, s in enumerate(case.scenes) if s.id == scene_id)
        if len(scene.choices) < 2:
            continue
        decisions += 1
        mine = next(c for c in scene.choices if c.id == choice_id)
        others = [len(c.label) for c in scene.choices if c.id != choice_id]
        if len(mine.label) > max(others):
            longest += 1
        if len(mine.label) > LONGER_BY * max(others) and (
            len(mine.label) - max(others) >= LONGER_BY_AT_LEAST
        ):
            j = scene.choices.index(mine)
            warn(
                ("scenes", index, "choices", j, "label"),
                f"the study path's option "
                f"'{choice_id}' is much longer than the others here ({len(mine.label)} "
                f"characters against at most {max(others)}): a learner can find it by its "
                "length; make the options alike in length, tone and hedging",
            )
    if decisions and longest * 2 > decisions:
        warn(
            ("study_path",),
            f"the study path's option is the longest label at {longest} of "
            f"{decisions} decisions: a learner who always picks the longest finds the study "
            "path; make the options alike in length",
        )
    return warnings
