"""Reading YAML while keeping the line of every key and list item.

Authors need errors that name a line. PyYAML (with libyaml when present) composes the
document into nodes that carry their positions; we build plain Python data from those
nodes ourselves, in dict and list subclasses that remember where each entry was. Because
the line travels with the data, it survives the schema upgrades that move data around.

The reader refuses, with a message rather than a traceback: files over a size limit,
bytes that are not UTF-8, YAML syntax errors, tags that are not plain data, duplicate
keys, nesting deeper than a limit, and aliases that expand into huge documents.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from casework.scenario import SCHEMA_VERSION

try:  # libyaml is about ten times faster; PyYAML falls back to pure Python without it.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Largest case file read, in bytes. A 5,000-scene case is about 6 MB.
MAX_BYTES = 16 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted (a case file needs about 8).
MAX_DEPTH = 64
#: Most values a document may expand to through aliases (guards against "billion laughs").
MAX_EXPANDED_NODES = 2_000_000


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, with the line to look at and what to change."""

    path: str
    line: int
    message: str
    #: A warning does not make the file invalid: it asks the author to look again.
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class LineDict(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 1
    key_lines: dict[Any, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that remembers its own line and the line of each item."""

    line: int = 1
    item_lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class YamlProblems(Exception):
    """The file could not be read as YAML data; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a document is read and checked.

    Reading creates hundreds of thousands of small objects and none of them form cycles;
    with the collector running, it rescans the growing heap again and again, and checking
    a 5,000-scene case took five times longer (benchmarks/validate_speed.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def line_for(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of ``loc`` that exists in ``data`` (1 if none)."""
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        in_mapping = isinstance(node, LineDict) and part in node
        in_list = isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            line = node.line_of(part)
            node = node[part]
        else:
            break
    return line


def _byte_line(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode(path: str, raw: bytes) -> str:
    """UTF-8 text, or a problem naming the line of the first bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _byte_line(raw, error.start)
        raise YamlProblems(
            [
                Problem(
                    path,
                    line,
                    f"byte 0x{raw[error.start]:02x} is not UTF-8 text: save the file as UTF-8 "
                    "(in most editors: File > Save with encoding > UTF-8)",
                )
            ]
        ) from None
    return text.removeprefix("\ufeff")


def _mark_line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 1


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.sizes: dict[int, int] = {}

    def size(self, node: yaml.Node, depth: int = 0) -> int:
        """How many values ``node`` expands to, aliases counted every time they appear."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise YamlProblems([self._too_deep(node)])
        total = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += self.size(key, depth + 1) + self.size(value, depth + 1)
                if total > MAX_EXPANDED_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += self.size(item, depth + 1)
                if total > MAX_EXPANDED_NODES:
                    break
        self.sizes[id(node)] = total
        return total

    def _too_deep(self, node: yaml.Node) -> Problem:
        return Problem(
            self.path,
            _mark_line(node.start_mark),
            f"the data is nested more than {MAX_DEPTH} levels deep here: a case file needs "
            "only a few levels (see cases/demo.yaml)",
        )

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise YamlProblems([self._too_deep(node)])
        if (
            isinstance(node, yaml.MappingNode | yaml.SequenceNode)
            and node.tag not in _PLAIN_COLLECTION_TAGS
        ):
            raise YamlProblems([self._not_plain(node)])
        if isinstance(node, yaml.MappingNode):
            mapping = LineDict()
            mapping.line = _mark_line(node.start_mark)
            for key_node, value_node in self._merged(node):
                key = self.build(key_node, depth + 1)
                key_line = _mark_line(key_node.start_mark)
                if isinstance(key, list | dict):
                    self.problems.append(
                        Problem(
                            self.path, key_line, "a key must be a plain word, not a list or mapping"
                        )
                    )
                    continue
                if key in mapping:
                    first = mapping.line_of(key)
                    self.problems.append(
                        Problem(
                            self.path,
                            key_line,
                            f"'{key}' is given twice in this mapping (first on line {first}): "
                            "keep one",
                        )
                    )
                    continue
                mapping[key] = self.build(value_node, depth + 1)
                mapping.key_lines[key] = key_line
            return mapping
        if isinstance(node, yaml.SequenceNode):
            items = LineList()
            items.line = _mark_line(node.start_mark)
            for item in node.value:
                items.append(self.build(item, depth + 1))
                items.item_lines.append(_mark_line(item.start_mark))
            return items
        if node.tag == _STRING_TAG:
            return node.value  # most scalars: no resolving or constructing needed
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise YamlProblems([self._not_plain(node)]) from None

    def _not_plain(self, node: yaml.Node) -> Problem:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        return Problem(
            self.path,
            _mark_line(node.start_mark),
            f"the tag {tag} is not plain data: remove it and write the value as text, a "
            "number, a list or a mapping",
        )

    @staticmethod
    def _merged(node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """Mapping entries with YAML merge keys (``<<: *defaults``) expanded in place."""
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        yield from _Builder._merged(source)
            else:
                yield key_node, value_node


_OPEN_QUOTE = re.compile(r"""^\s*(?:-\s+)?[\w-]+:\s*(["'])(?!.*\1\s*(?:#.*)?$)""")


def _unclosed_quote(text: str, problem_line: int) -> int | None:
    """The line of a ``key: "value`` whose quote never closes, before the error, if any."""
    lines = text.splitlines()
    for number in range(min(problem_line, len(lines)), 0, -1):
        if _OPEN_QUOTE.match(lines[number - 1]):
            return number
    return None


#: Tags that mean plain data; anything else (``!!python/...``, custom tags) is refused.
_STRING_TAG = "tag:yaml.org,2002:str"
_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def read_yaml(path: str, raw: bytes) -> Any:
    """Parse one YAML document into line-aware data, or raise :class:`YamlProblems`."""
    if len(raw) > MAX_BYTES:
        megabytes = len(raw) / 1_048_576
        raise YamlProblems(
            [
                Problem(
                    path,
                    1,
                    f"the file is {megabytes:.1f} MB; a case file may be at most "
                    f"{MAX_BYTES // 1_048_576} MB: split it into smaller cases",
                )
            ]
        )
    text = decode(path, raw)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise YamlProblems(
            [
                Problem(
                    path,
                    1,
                    f"the file is empty: a case file starts with 'schema_version: "
                    f"{SCHEMA_VERSION}' and 'id: ...' (copy cases/demo.yaml to begin)",
                )
            ]
        )
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = error.problem or "the YAML could not be read"
        context = f" ({error.context})" if error.context else ""
        if error.context and "single document" in error.context:
            raise YamlProblems(
                [
                    Problem(
                        path,
                        _mark_line(mark),
                        "YAML syntax: a second document starts here ('---'): a case file is "
                        "one document, so remove this '---' or move the rest to its own file",
                    )
                ]
            ) from None
        opened = _unclosed_quote(text, _mark_line(mark))
        if opened is not None:
            raise YamlProblems(
                [
                    Problem(
                        path,
                        opened,
                        "YAML syntax: a quotation mark opened on this line is not closed on it "
                        f"(the reader only noticed on line {_mark_line(mark)}): close the quote, "
                        "or use > for text that runs over several lines",
                    )
                ]
            ) from None
        raise YamlProblems(
            [
                Problem(
                    path,
                    _mark_line(mark),
                    f"YAML syntax: {what}{context}: check the indentation and quoting on this "
                    "line and the one before",
                )
            ]
        ) from None
    except yaml.YAMLError as error:
        raise YamlProblems([Problem(path, 1, f"YAML syntax: {error}")]) from None
    except RecursionError:
        raise YamlProblems(
            [Problem(path, 1, f"the data is nested too deeply: keep it under {MAX_DEPTH} levels")]
        ) from None
    if node is None:
        raise YamlProblems([Problem(path, 1, "the file holds no data: start from cases/demo.yaml")])
    builder = _Builder(path)
    if builder.size(node) > MAX_EXPANDED_NODES:
        raise YamlProblems(
            [
                Problem(
                    path,
                    1,
                    f"the file's aliases (*name) expand to more than {MAX_EXPANDED_NODES:,} "
                    "values: write the repeated parts out, or use fewer aliases",
                )
            ]
        )
    data = builder.build(node)
    if builder.problems:
        raise YamlProblems(builder.problems)
    return data
