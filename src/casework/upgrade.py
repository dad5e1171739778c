"""Step-by-step upgrades of older case files, as nbgrader does for its cell metadata.

Each step takes the data of version N and returns version N + 1. A file is upgraded on
load through every step it needs, so an author's old file keeps working and the engine
only ever validates the current format. Steps work on the line-aware data from
:mod:`casework.yaml_lines`, moving entries rather than rebuilding them, so errors found
after an upgrade still point at the author's lines.

Format history:
  1  The first drafts: endings were scenes marked ``ending: true`` with a ``debrief``;
     a choice's push on the dimensions was called ``impact``; evidence was a string
     ``"source: locator"``.
  2  Endings have their own list; ``effects``; evidence entries are ``{source, locator}``.
  3  Marks of what comes from the study and what is the course's own (``basis``), cited
     quotations (``quotes``), first answers before the options (``first_answer``), option
     order (``option_order``: shuffled unless an author keeps it), notes on law and
     procedure (``law_notes``), a debrief in marked parts, and what kind of account a case
     is (``account``). Every new field is optional, so a version 2 file only changes its
     number; ``casework validate`` then warns where the marks are missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casework.scenario import SCHEMA_VERSION
from casework.yaml_lines import LineDict, LineList


class UpgradeError(ValueError):
    """The file's ``schema_version`` cannot be upgraded; the message says what to do."""

    def __init__(self, message: str, loc: tuple[Any, ...] = ("schema_version",)) -> None:
        super().__init__(message)
        self.loc = loc


def _evidence_from_text(entry: Any) -> Any:
    if not isinstance(entry, str):
        return entry
    source, _, locator = entry.partition(":")
    upgraded = LineDict(source=source.strip(), locator=locator.strip() or "not given")
    return upgraded


def upgrade_1_to_2(data: LineDict) -> LineDict:
    """Version 1 → 2: endings get their own list, ``impact`` → ``effects``, evidence as mappings."""
    scenes = data.get("scenes")
    if isinstance(scenes, LineList):
        kept, kept_lines = LineList(), []
        endings = data.get("endings")
        if not isinstance(endings, LineList):
            endings = LineList()
            endings.line = scenes.line
        for index, scene in enumerate(scenes):
            line = scenes.line_of(index)
            if isinstance(scene, LineDict) and scene.get("ending") is True:
                del scene["ending"]
                scene.pop("choices", None)
                scene.setdefault("kind", scene.get("title", "ending"))
                for unused in ("setting", "present"):
                    scene.pop(unused, None)
                endings.append(scene)
                endings.item_lines.append(line)
            else:
                kept.append(scene)
                kept_lines.append(line)
                for choice in scene.get("choices", []) if isinstance(scene, LineDict) else []:
                    if not isinstance(choice, LineDict):
                        continue
                    if "impact" in choice and "effects" not in choice:
                        choice["effects"] = choice.pop("impact")
                        choice.key_lines["effects"] = choice.key_lines.pop("impact", choice.line)
                    evidence = choice.get("evidence")
                    if isinstance(evidence, LineList):
                        for i, entry in enumerate(evidence):
                            upgraded = _evidence_from_text(entry)
                            if isinstance(upgraded, LineDict):
                                upgraded.line = evidence.line_of(i)
                            evidence[i] = upgraded
        kept.item_lines = kept_lines
        kept.line = scenes.line
        data["scenes"] = kept
        if endings:
            data["endings"] = endings
            data.key_lines.setdefault("endings", endings.line)
    data["schema_version"] = 2
    return data


def upgrade_2_to_3(data: LineDict) -> LineDict:
    """Version 2 → 3: only the number changes (the new fields are optional; the validator
    warns where a scene, choice or debrief lacks its study/course mark)."""
    data["schema_version"] = 3
    return data


#: Upgrade steps by the version they start from.
UPGRADES: dict[int, Callable[[LineDict], LineDict]] = {1: upgrade_1_to_2, 2: upgrade_2_to_3}


def upgrade(data: LineDict) -> tuple[LineDict, list[int]]:
    """Bring case data up to :data:`SCHEMA_VERSION`; returns the data and the versions passed."""
    if "schema_version" not in data:
        raise UpgradeError(
            f"add 'schema_version: {SCHEMA_VERSION}' at the top of the file (the format version)",
            loc=(),
        )
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise UpgradeError(
            f"schema_version must be a whole number such as {SCHEMA_VERSION}, not {version!r}"
        )
    if version > SCHEMA_VERSION:
        raise UpgradeError(
            f"schema_version {version} is newer than this version of casework understands "
            f"(up to {SCHEMA_VERSION}): update casework, or write the file in version "
            f"{SCHEMA_VERSION}"
        )
    if version < min(UPGRADES, default=SCHEMA_VERSION):
        raise UpgradeError(
            f"schema_version {version} never existed: the first format is version "
            f"{min(UPGRADES)}; use {SCHEMA_VERSION}"
        )
    passed: list[int] = []
    while version < SCHEMA_VERSION:
        data = UPGRADES[version](data)
        passed.append(version)
        version += 1
    return data, passed
