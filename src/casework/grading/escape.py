"""Learner-written text turned into markdown that every page shows as text, never as markup.

nbgrader shows a learner's answer cells in the formgrader (inside the marker's logged-in
Jupyter session) and in the feedback page, by rendering the cell's markdown to HTML with
nothing removed: any HTML the learner typed would be live there, links and images would be
built from their text, and MathJax would typeset their ``$...$``. ``as_text`` makes a cell's
source one line of HTML that only this module writes: a ``div`` holding the learner's text
with every character that could start markup written as a character reference.

- ``& < > " '`` become references, so no tag, attribute or entity of the learner's is ever
  parsed (``&lt;`` typed by a learner shows as ``&lt;``, as typed);
- ``$ \\ ` [ ]`` become references too, so no markdown or maths parser that reads the source
  (nbconvert's, JupyterLab's) finds a link, image, code span or maths delimiter in it;
- line breaks become ``&#10;``: the whole block is one line, so markdown treats it as one raw
  HTML block (ended only by a blank line) and never parses what is inside;
- the ``div`` carries the classes MathJax 2 (``tex2jax_ignore``) and MathJax 3
  (``mathjax_ignore``) skip, and ``white-space: pre-wrap`` keeps the learner's line breaks and
  spacing, so the page shows exactly the characters that were typed.

The learner's markdown formatting is therefore shown as they typed it (``**stuck**``), not
applied: nothing they wrote can become an element. ``text_of`` gives the text back.
"""

from __future__ import annotations

import html

#: The class of the element that holds a learner's text on every page.
LEARNER_TEXT_CLASS = "casework-learner-text"

_OPEN = (
    f'<div class="{LEARNER_TEXT_CLASS} tex2jax_ignore mathjax_ignore" '
    'style="white-space: pre-wrap; overflow-wrap: anywhere;">'
)
_CLOSE = "</div>"
_REFERENCES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        "$": "&#36;",
        "\\": "&#92;",
        "`": "&#96;",
        "[": "&#91;",
        "]": "&#93;",
        "\n": "&#10;",
    }
)


def _normalised(text: str) -> str:
    """Line endings as ``\\n`` (a lone ``\\r`` also ends a line in markdown)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def as_text(text: str) -> str:
    """Markdown (one raw HTML line) that shows ``text`` as text: every character, no markup."""
    return _OPEN + _normalised(text).translate(_REFERENCES) + _CLOSE


def is_as_text(source: str) -> bool:
    """Whether ``source`` is already exactly what ``as_text`` makes of some text.

    Decided from the source alone, never from a flag a submitted notebook could carry: a
    source that passes is, by construction, one that ``as_text`` wrote, and so is safe.
    """
    if not (source.startswith(_OPEN) and source.endswith(_CLOSE)):
        return False
    return as_text(_unescaped(source)) == source


def _unescaped(source: str) -> str:
    return html.unescape(source[len(_OPEN) : len(source) - len(_CLOSE)])


def text_of(source: str) -> str:
    """The learner's text in a source made by ``as_text`` (line endings as ``\\n``); any
    other source is returned as it is."""
    return _unescaped(source) if is_as_text(source) else source


__all__ = ["LEARNER_TEXT_CLASS", "as_text", "is_as_text", "text_of"]
