"""Checking a case file for its author: every problem as ``path:line: what to change``.

Three layers, each reported with the author's line numbers:
1. reading (size, encoding, YAML syntax, duplicate keys) — :mod:`casework.yaml_lines`;
2. the schema (fields, types, ids) — pydantic errors translated into plain requests;
3. the case as a whole: references between parts and the shape of the scenario graph.
Graph checks walk each scene and choice a bounded number of times (no enumeration of
paths), so a case of thousands of scenes checks in well under a second.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from casework.case_checks import CaseChecker
from casework.case_marks import lint
from casework.scenario import SCHEMA_VERSION, Case, Scenario
from casework.trust_model import study_path_steps
from casework.upgrade import UpgradeError, upgrade
from casework.yaml_lines import (
    LineDict,
    Problem,
    YamlProblems,
    collector_paused,
    line_for,
    read_yaml,
)


class CaseFileError(ValueError):
    """A case file that cannot be used; ``problems`` name each line and what to change."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the schema layer -------------------------------------------------------------------

_FIELD_NAMES: dict[str, str] = {
    "scenes": "scene",
    "endings": "ending",
    "choices": "choice",
    "dimensions": "dimension",
    "sources": "source",
    "phases": "phase",
    "evidence": "evidence entry",
    "quotes": "quotation",
    "law_notes": "law note",
}


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """A reader's name for a location: "scene 'court', choice 'appeal'"."""
    parts: list[str] = []
    node = data
    for index, part in enumerate(loc):
        nxt = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(node, dict) and part in node:
            child = node[part]
            if isinstance(child, list) and isinstance(nxt, int) and part in _FIELD_NAMES:
                item = child[nxt] if 0 <= nxt < len(child) else None
                ident = None
                if isinstance(item, dict):
                    ident = item.get("id", item.get("key"))
                label = _FIELD_NAMES[part]
                parts.append(f"{label} '{ident}'" if ident else f"{label} {nxt + 1}")
            node = child
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
    return ", ".join(parts)


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    from casework import scenario as s

    model: Any = Case
    container = {
        "scenes": s.Scene,
        "endings": s.Ending,
        "choices": s.Choice,
        "dimensions": s.Dimension,
        "sources": s.Source,
        "phases": s.Phase,
        "evidence": s.Evidence,
        "reflection": s.Reflection,
        "basis": s.Basis,
        "quotes": s.Quote,
        "law_notes": s.LawNote,
        "first_answer": s.FirstAnswer,
        "account": s.CaseAccount,
        "debrief": s.DebriefPart,
    }
    for part in loc:
        if isinstance(part, str) and part in container:
            model = container[part]
    return list(model.model_fields)


def _schema_message(error: Any, data: Any) -> str:
    loc: tuple[Any, ...] = tuple(error["loc"])
    kind = error["type"]
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    where = _where(data, loc)
    prefix = f"{where}: " if where else ""
    value = error.get("input")
    if kind == "missing":
        return f"{prefix}add the required field '{field}'"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        close = difflib.get_close_matches(str(field), allowed, n=1)
        hint = (
            f"did you mean '{close[0]}'?" if close else f"the fields here are: {', '.join(allowed)}"
        )
        return f"{prefix}unknown field '{field}': {hint}"
    if kind == "string_pattern_mismatch":
        return (
            f"{prefix}'{value}' is not a valid id for '{field}': use lower-case letters, digits "
            "and underscores, starting with a letter (e.g. first_visit)"
        )
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type"}:
        return f"{prefix}'{field}' must be a number, not {_plain(value)}"
    if kind in {"string_type"}:
        return f"{prefix}'{field}' must be text, not {_kind_of(value)} {_plain(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{prefix}'{field}' must be true or false, not {value!r}"
    if kind in {"list_type"}:
        return f"{prefix}'{field}' must be a list (lines starting with '- '), not {_plain(value)}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"{prefix}'{field}' must be a mapping of fields (key: value), not {_plain(value)}"
    if kind == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{prefix}'{field}' must be one of {expected}, not {value!r}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{prefix}'{field}' must be {expected}, not {value!r}"
    if kind == "too_short":
        if field == "concepts":
            return f"{prefix}list at least one practice concept under 'concepts'"
        return f"{prefix}'{field}' needs at least one entry"
    if kind == "string_too_short":
        return f"{prefix}'{field}' is empty: write something there"
    if kind == "string_too_long":
        return f"{prefix}'{field}' is too long: keep ids under 64 characters"
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{prefix}the condition on '{field}': {reason}"
    if kind == "greater_than_equal":
        return f"{prefix}'{field}' must be 0 or more, not {value!r}"
    return f"{prefix}'{field}': {error['msg']}"


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "the value"


def _plain(value: Any, limit: int = 60) -> str:
    """A value as an author wrote it, without our line-keeping subclasses, kept short."""
    if isinstance(value, dict):
        value = dict(value)
    elif isinstance(value, list):
        value = list(value)
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _schema_problems(path: str, data: Any, error: ValidationError) -> list[Problem]:
    errors = error.errors()
    # A misspelt field shows up twice (unknown 'nxt', missing 'next'): say it once.
    misspelt: set[tuple[Any, ...]] = set()
    for item in errors:
        if item["type"] == "extra_forbidden":
            loc = tuple(item["loc"])
            close = difflib.get_close_matches(str(loc[-1]), _allowed_fields(loc[:-1]), n=1)
            if close:
                misspelt.add((*loc[:-1], close[0]))
    problems = []
    for item in errors:
        loc = tuple(item["loc"])
        if item["type"] == "missing" and loc in misspelt:
            continue
        problems.append(Problem(path, line_for(data, loc), _schema_message(item, data)))
    return problems


def check_bytes(path: str, raw: bytes) -> tuple[Scenario | None, list[Problem]]:
    """Validate the bytes of a case file; the scenario if it is usable, and every problem."""
    with collector_paused():
        return _check_bytes(path, raw)


def _check_bytes(path: str, raw: bytes) -> tuple[Scenario | None, list[Problem]]:
    try:
        data = read_yaml(path, raw)
    except YamlProblems as error:
        return None, error.problems
    if not isinstance(data, LineDict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        return None, [
            Problem(
                path,
                getattr(data, "line", 1),
                f"the file must be a mapping of fields (schema_version: {SCHEMA_VERSION}, "
                f"id: ..., title: ...), but it is {kind}",
            )
        ]
    try:
        data, _ = upgrade(data)
    except UpgradeError as error:
        return None, [Problem(path, line_for(data, error.loc), str(error))]
    try:
        case = Case.model_validate(data)
    except ValidationError as error:
        return None, sorted(_schema_problems(path, data, error))
    problems = CaseChecker(path, data, case).run()
    if problems:
        return None, sorted(problems)
    scenario = Scenario(case, path)
    text = raw.decode("utf-8", errors="replace").splitlines()
    return scenario, sorted(lint(path, data, case, study_path_steps(scenario), text))


def check_file(path: str | Path) -> tuple[Scenario | None, list[Problem]]:
    shown = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        return None, [Problem(shown, 1, f"cannot read the file: {error.strerror or error}")]
    return check_bytes(shown, raw)


def load_scenario(path: str | Path) -> Scenario:
    """A valid scenario from a file, or :class:`CaseFileError` listing every problem."""
    scenario, problems = check_file(path)
    if scenario is None:
        raise CaseFileError(problems)
    return scenario
