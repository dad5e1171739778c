"""The course's cases keep the study apart from invention, cite every quotation, carry notes on
the law where it bears, ask for first answers, and cannot be played without reading.

These hold for the four listed cases (the authors' demonstration case is checked by the
validator tests). The rules come from DESIGN.md, "Rules for scenarios", and the content issue:
quotation marks mean a quotation from a source and nothing else; every scene and debrief part
says whether it is the study's or the course's own; the study path models safe practice.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from casework.case_marks import normalise_quote
from casework.catalog import list_cases
from casework.cli import AUDIT_MARGIN
from casework.paths import strategy_results, study_path_steps
from casework.references import LAW
from casework.scenario import BasisKind, Choice, Scenario, Scene
from casework.validate import check_file

ROOT = Path(__file__).parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
#: Which source document each research source key is (see ../shared/seeds/README.md).
SEED_FILES = {
    "ferguson": "000_a8cdb02e867d411d.txt",
    "ruch": "001_0d5f83fc37807bcd.txt",
    "mason": "002_283f7778f3f9adea.txt",
    "basw": "003_e9cba88c15bb2dc1.txt",
    "pitt": "004_654adf84bfe146de.txt",
}
LISTED = sorted(
    (
        listing.scenario
        for listing in list_cases()
        if listing.scenario and listing.scenario.case.listed
    ),
    key=lambda s: s.id,
)
IDS = [s.id for s in LISTED]
#: At least this many first answers in each long case.
LONG_CASES = {"clarke": 2, "keisha": 2}


def _words(text: str) -> list[str]:
    """Words for comparing a quotation with its source: quotation marks around a word (the
    sources put terms such as 'full up' in single quotes) are not part of it."""
    words = re.findall(r"[a-z0-9']+", normalise_quote(text).replace("\u2019", "'"))
    return [w.strip("'") for w in words if w.strip("'")]


@cache
def _seed_text(key: str) -> str:
    path = SEEDS / SEED_FILES[key]
    if not path.exists():
        pytest.skip(f"the source documents are not beside the repository ({SEEDS})")
    return " " + " ".join(_words(path.read_text(encoding="utf-8", errors="replace"))) + " "


def test_there_are_four_listed_cases() -> None:
    assert IDS == ["clarke", "keisha", "nicholls", "project_x"]


@pytest.mark.parametrize("scenario", LISTED, ids=IDS)
def test_the_case_validates_without_a_single_warning(scenario: Scenario) -> None:
    """No unmarked scene, choice on the study path or debrief part; no uncited quotation
    marks; no study-path option that gives itself away by its length."""
    _, problems = check_file(scenario.path or "")
    assert [str(p) for p in problems] == []


@pytest.mark.parametrize("scenario", LISTED, ids=IDS)
def test_every_quotation_is_in_the_source_it_cites_and_short(scenario: Scenario) -> None:
    quotes = list(scenario.case.quotes)
    for scene in scenario.case.scenes:
        quotes += scene.quotes
        for choice in scene.choices:
            quotes += choice.quotes
    for ending in scenario.case.endings:
        quotes += ending.quotes
    for quote in quotes:
        assert quote.source in SEED_FILES, (
            f"{scenario.id}: '{quote.text}' is quoted from '{quote.source}', which is not one "
            "of the course's source documents"
        )
        words = _words(quote.text)
        assert 0 < len(words) < 12, f"{scenario.id}: '{quote.text}': quote under 12 words"
        assert f" {' '.join(words)} " in _seed_text(quote.source), (
            f"{scenario.id}: '{quote.text}' is not in {quote.source}'s text: quote it exactly"
        )


@pytest.mark.parametrize("scenario", LISTED, ids=IDS)
def test_the_study_marks_name_where_in_the_study(scenario: Scenario) -> None:
    for scene in scenario.case.scenes:
        assert scene.basis is not None, f"{scenario.id}: scene '{scene.id}' has no basis"
        if scene.basis.kind == BasisKind.study:
            assert scene.basis.source in SEED_FILES and scene.basis.locator
    for ending in scenario.case.endings:
        assert ending.basis is not None and not isinstance(ending.debrief, str), ending.id
    assert scenario.case.account is not None


@pytest.mark.parametrize("scenario", LISTED, ids=IDS)
def test_no_surface_strategy_finds_the_study_path(scenario: Scenario) -> None:
    """Always the first shown, the last, the longest label or the shortest: none matches the
    worker in the study more often than chance plus 15 percentage points (200 learners each,
    each with their own option order)."""
    results = strategy_results(scenario, 200)
    chance = next(r.rate for r in results if r.strategy == "at random")
    print(f"\n{scenario.id}: " + ", ".join(f"{r.strategy} {r.rate:.0%}" for r in results))
    for result in results:
        assert result.rate <= chance + AUDIT_MARGIN, (
            f"{scenario.id}: '{result.strategy}' matches the study path at {result.rate:.0%} "
            f"(chance {chance:.0%})"
        )


@pytest.mark.parametrize("case_id,least", sorted(LONG_CASES.items()))
def test_the_long_cases_ask_for_first_answers(case_id: str, least: int) -> None:
    scenario = next(s for s in LISTED if s.id == case_id)
    asked = [s.id for s in scenario.case.scenes if s.first_answer]
    on_path = {scene for scene, _ in study_path_steps(scenario)}
    assert least <= len(asked) <= 4 and set(asked) <= on_path, asked


def _law_on_study_path(scenario: Scenario) -> set[str]:
    cited = set()
    for scene_id, _ in study_path_steps(scenario):
        for note in scenario.scenes[scene_id].law_notes:
            cited |= {e.source for e in note.evidence}
    return cited


#: What each case's notes on law and procedure must cite, on the study path.
LAW_CITED = {
    "clarke": {"children_act_1989", "public_law_outline"},
    "keisha": {"working_together_2023", "children_act_1989"},
    "nicholls": {"uk_gdpr"},
    "project_x": {"nhs_fever", "hse_lone_working"},
}


@pytest.mark.parametrize("scenario", LISTED, ids=IDS)
def test_the_law_is_noted_where_it_bears(scenario: Scenario) -> None:
    cited = _law_on_study_path(scenario)
    assert LAW_CITED[scenario.id] <= cited, sorted(LAW_CITED[scenario.id] - cited)
    for source in scenario.case.sources:
        if source.key in LAW:
            assert " ".join(source.citation.split()) == LAW[source.key]


def _avoids_authority(scenario: Scenario) -> tuple[str | None, float]:
    """Walk the case avoiding every use of authority the case offers a way round (the study
    path's option elsewhere); the ending reached and the first relational line at the end."""
    from casework.paths import walk_to_end

    study = dict(study_path_steps(scenario))

    def pick(scene: Scene) -> Choice:
        avoiding = [c for c in scene.choices if "avoiding authority" in c.concepts]
        if avoiding:
            return avoiding[0]
        chosen = study.get(scene.id)
        return scenario.choice(scene.id, chosen) if chosen else scene.choices[0]

    walker = walk_to_end(scenario, pick)
    path = walker.trajectory()
    return path.ending, path.final[_trust_line(scenario)]


def _trust_line(scenario: Scenario) -> str:
    """The case's first relational line where higher is better (the parent's trust)."""
    return next(
        d.id
        for d in scenario.case.dimensions
        if d.kind.value == "relational" and d.better == "higher"
    )


def test_avoiding_authority_never_buys_a_better_holding_ending_than_the_study_path() -> None:
    """Signals follow the research (DESIGN.md): care and control both count, so a learner who
    gives up every needed use of authority to keep the peace never reaches the study path's
    ending with more trust than the worker in the study had."""
    from casework.paths import play_study_path

    offered = 0
    for scenario in LISTED:
        offered += sum(
            1 for s in scenario.case.scenes for c in s.choices if "avoiding authority" in c.concepts
        )
        study = play_study_path(scenario)
        line = _trust_line(scenario)
        ending, trust = _avoids_authority(scenario)
        if ending == study.ending:
            assert trust <= study.trajectory.final[line] + 1e-9, (
                f"{scenario.id}: avoiding authority ends at {trust:.1f} on '{line}', above the "
                f"study path's {study.trajectory.final[line]:.1f}"
            )
    assert offered >= 3, "the cases offer the choice of avoiding authority at several decisions"
