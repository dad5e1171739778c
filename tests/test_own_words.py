"""Own words: no run of 12 or more words shared with any source document.

The course retells published research; it must not copy it. Short quotations (under 12
words, in quotation marks, cited) are fine. Bibliographic entries (the ``sources`` of a
case file, reference lists) are facts and are left out of the check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
RUN = 12


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def _shingles(words: list[str]) -> set[str]:
    return {" ".join(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.fixture(scope="module")
def seed_shingles() -> set[str]:
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        pytest.skip(f"the source documents are not beside the repository ({SEEDS})")
    found: set[str] = set()
    for seed in seeds:
        found |= _shingles(_words(seed.read_text(encoding="utf-8", errors="replace")))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _case_text(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("sources", None)
    return _strings(data)


def _notebook_text(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"]]


def _markdown_text(path: Path) -> list[str]:
    """Markdown with any 'References' or 'Sources' section left out."""
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            skipping = bool(re.match(r"#+\s*(references|sources|reference list)\b", line, re.I))
        if not skipping:
            kept.append(line)
    return ["\n".join(kept)]


def _texts() -> list[tuple[str, list[str]]]:
    items: list[tuple[str, list[str]]] = []
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        items.append((str(path.relative_to(ROOT)), _case_text(path)))
    for folder in ("course", "exercises"):
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            items.append((str(path.relative_to(ROOT)), _notebook_text(path)))
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        if path.name != "references.md":
            items.append((str(path.relative_to(ROOT)), _markdown_text(path)))
    return items


TEXTS = _texts()


@pytest.mark.parametrize(("name", "texts"), TEXTS, ids=[name for name, _ in TEXTS])
def test_no_run_of_twelve_words_is_copied_from_a_source(
    name: str, texts: list[str], seed_shingles: set[str]
) -> None:
    copied = sorted({s for text in texts for s in _shingles(_words(text)) if s in seed_shingles})
    assert not copied, f"{name} copies from the sources; rewrite in your own words: {copied[:3]}"


def test_the_check_catches_a_copied_sentence(seed_shingles: set[str]) -> None:
    seed = next(iter(sorted(SEEDS.glob("*.txt"))))
    words = _words(seed.read_text(encoding="utf-8"))[200:215]
    assert _shingles(words) & seed_shingles
