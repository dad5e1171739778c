"""The marking tools on their own: the rubric as data, the path record, the learner's check,
the late penalty, agreement between markers (against worked examples) and the moderation
sample. The whole term, with nbgrader's real commands, is tests/test_nbgrader_pipeline.py."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest

from casework.catalog import load_case
from casework.grading import assignments, notebooks
from casework.grading.agreement import exact_agreement, strength, weighted_kappa, within_one
from casework.grading.checks import check_work, concept_answer
from casework.grading.gradebook import LearnerMarks
from casework.grading.late import CourseLatePenalty, days_late, late_words
from casework.grading.moderation import draw_sample
from casework.grading.record import path_record
from casework.grading.rubric import CRITERIA, OVERALL, criterion_of, level_of, rubric
from casework.testing import play, play_study_path

ROOT = Path(__file__).parents[1]
DAY = 24 * 60 * 60


# --- the rubric -------------------------------------------------------------------------------


def test_every_criterion_has_four_levels_as_the_rubric_words_them() -> None:
    criteria = rubric()
    assert list(criteria) == list(CRITERIA)
    text = (ROOT / "docs" / "rubric.md").read_text(encoding="utf-8")
    flat = " ".join(text.replace("*", "").split())
    for criterion in criteria.values():
        assert [level.level for level in criterion.levels] == [1, 2, 3, 4]
        for level in criterion.levels:
            assert level.text and level.text in flat, (criterion.id, level.level)
    assert criteria["decision"].title == "1. The decision and the dilemma"
    assert [level.name for level in criteria[OVERALL].levels] == [
        "Habitual action (not yet reflecting)",
        "Understanding",
        "Reflection",
        "Critical reflection",
    ]
    assert criteria["feelings"].levels[2].text.startswith("As for 2, and you explore")


def test_grade_cells_name_their_criterion_and_scores_are_levels() -> None:
    assert criterion_of("clarke-perspectives") == "perspectives"
    assert criterion_of("keisha-overall-level") == OVERALL
    assert criterion_of("clarke-concept-check") is None
    assert [level_of(s) for s in (None, 0, 2.0, 3.6, 9)] == [None, 0, 2, 4, 4]


# --- the path record -------------------------------------------------------------------------


def test_the_record_sets_each_decision_against_the_study_s_and_gives_the_chart() -> None:
    scenario = load_case("clarke")
    study = list(scenario.case.study_path or [])
    last = scenario.case.scenes[1].choices[-1].id
    played = play(scenario, [study[0], last] if last != study[1] else study[:2])
    record = path_record(played)
    first = scenario.case.scenes[0]
    assert record.splitlines()[0] == f"Your path through {scenario.title}"
    assert f"1. Month {first.time:g}: {first.title}" in record
    assert "The study's path:  the same choice" in record
    assert "Decisions on the study's path that your path did not reach:" in record
    assert "Your ending: not reached yet" in record
    assert (
        f"The study's ending: {scenario.endings[play_study_path(scenario).ending].title}" in record
    )
    for dimension in scenario.case.dimensions:
        assert f"{dimension.label} ({dimension.min:g} to {dimension.max:g}" in record
    assert "A teaching model, not a prediction" in record


def test_the_record_never_prints_what_a_learner_wrote() -> None:
    played = play_study_path(load_case("keisha"))
    played.journey.reflect("anything", "PRIVATE: what I wrote in the player")
    assert "PRIVATE" not in path_record(played)


# --- the learner's check ----------------------------------------------------------------------


def _released(tmp_path: Path, case: str = "clarke") -> Path:
    """An assignment as learners get it: the builder's notebook with the solutions replaced by
    the placeholders the course's nbgrader_config.py gives nbgrader."""
    assignment = next(a for a in assignments.ASSIGNMENTS if a.case == case)
    book = notebooks.notebook(assignment)
    for cell in book.cells:
        if cell.metadata.nbgrader.get("solution"):
            markdown = cell.cell_type == "markdown"
            cell.source = assignments.TEXT_STUB if markdown else assignments.CODE_STUB
    path = tmp_path / assignment.notebook
    nbformat.write(book, path)
    return path


def test_the_check_names_each_empty_section_and_what_is_ready(tmp_path: Path) -> None:
    path = _released(tmp_path)
    found = check_work(path)
    assert [i.ready for i in found.items] == [False] * 7
    assert "no saved journey" in found.items[0].text
    assert found.items[1].text == "the concept answer needs one word between the quotes."
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        grade_id = cell.metadata.nbgrader.get("grade_id")
        if grade_id == "clarke-concept-answer":
            cell.source = 'answer = "reliability"'
        if grade_id in ("clarke-decision", "clarke-learning"):
            cell.source = "I chose to wait at the door."
    nbformat.write(book, path)
    play_study_path(load_case("clarke")).journey.save(tmp_path / "clarke.journey.json")
    report = check_work(path).report()
    assert "Ready:       the journey reached an ending" in report
    assert 'Ready:       the concept answer is one word ("reliability")' in report
    assert "Ready:       Section 1, The decision and the dilemma (7 words)" in report
    assert "Still to do: Section 2, Feelings and use of self is empty" in report
    assert "3 thing(s) still to do" in report
    assert check_work(tmp_path / "missing.ipynb").saved is None


def test_the_concept_answer_is_read_without_running_it() -> None:
    assert concept_answer('answer = "Reliability"') == "Reliability"
    assert concept_answer('import os\nanswer = os.system("x")') is None
    assert concept_answer("answer = ") is None


# --- the late penalty -------------------------------------------------------------------------


def test_the_late_penalty_counts_days_or_parts_of_days_and_stops_at_the_score() -> None:
    policy = CourseLatePenalty(points_per_day=1.4, zero_after_days=5, grace_minutes=10)
    assert policy.late_submission_penalty("x", 20, 9 * 60) is None  # within the grace period
    assert policy.late_submission_penalty("x", 20, 11 * 60) == pytest.approx(1.4)
    assert policy.late_submission_penalty("x", 20, DAY + 2 * 3600) == pytest.approx(2.8)
    assert policy.late_submission_penalty("x", 2, 3 * DAY) == 2  # never below zero
    assert policy.late_submission_penalty("x", 20, 5 * DAY + 11 * 60) == 20  # over five days
    assert CourseLatePenalty().late_submission_penalty("x", 20, DAY) is None  # nbgrader's none
    assert days_late(0) == 0 and days_late(1) == 1 and days_late(DAY) == 1
    assert [late_words(s) for s in (0, 59, 61 * 60, DAY + 2 * 3600)] == [
        "",
        "1 minute",
        "1 hour",
        "1 day 2 hours",
    ]


# --- agreement --------------------------------------------------------------------------------


def test_kappa_matches_artstein_and_poesio_and_scikit_learn() -> None:
    """The worked examples of Artstein and Poesio (2008, table 4), as scikit-learn's own tests
    of ``cohen_kappa_score`` give them (0.8013; 0.9315, 0.9412 and 0.9541 weighted)."""
    first = [0] * 46 + [1] * 44 + [2] * 10
    assert weighted_kappa(first, [0] * 52 + [1] * 32 + [2] * 16, "none") == pytest.approx(
        0.8013, abs=5e-5
    )
    second = [0] * 50 + [1] * 40 + [2] * 10
    assert weighted_kappa(first, second, "none") == pytest.approx(0.9315, abs=5e-5)
    assert weighted_kappa(first, second, "linear") == pytest.approx(0.9412, abs=5e-5)
    assert weighted_kappa(first, second, "quadratic") == pytest.approx(0.9541, abs=5e-5)


def test_kappa_matches_the_guide_s_worked_example() -> None:
    """docs/educator-guide.md works this example by hand: five scripts, two markers.

    Pairs (1,1) (2,3) (3,3) (3,2) (4,4); each marker gave 1, 2, 3, 3, 4, so the chance
    distribution is 1/5, 1/5, 2/5, 1/5 for both. Quadratic: observed sum(w O) = 2/5; expected
    E[(X-Y)^2] = 2 Var(X) = 2 x 26/25 = 52/25; kappa = 1 - (2/5)/(52/25) = 21/26. Linear:
    observed 2/5, expected 28/25, kappa = 9/14. Unweighted: observed agreement 3/5, chance 7/25,
    kappa = (3/5 - 7/25) / (1 - 7/25) = 4/9."""
    first, second = [1, 2, 3, 3, 4], [1, 3, 3, 2, 4]
    assert weighted_kappa(first, second, "quadratic") == pytest.approx(float(Fraction(21, 26)))
    assert weighted_kappa(first, second, "linear") == pytest.approx(float(Fraction(9, 14)))
    assert weighted_kappa(first, second, "none") == pytest.approx(float(Fraction(4, 9)))
    assert exact_agreement(first, second) == pytest.approx(0.6)
    assert within_one(first, second) == 1.0
    assert weighted_kappa([3, 3], [3, 3]) is None  # one level throughout: undefined
    assert weighted_kappa(first, first) == 1.0
    assert [strength(k) for k in (-0.1, 0.1, 0.5, 21 / 26, 0.9, None)] == [
        "poor",
        "slight",
        "moderate",
        "almost perfect",
        "almost perfect",
        "not defined (one level throughout)",
    ]
    with pytest.raises(ValueError):
        weighted_kappa([1], [1, 2])


# --- the moderation sample --------------------------------------------------------------------


def _marks(student: str, score: float, levels: tuple[int, ...]) -> LearnerMarks:
    row = LearnerMarks(student, "", "", "", submitted=True, max_score=28, marked=True)
    row.timestamp = datetime(2026, 3, 1)
    row.raw_score = score
    row.parts = dict(zip(CRITERIA, map(float, levels), strict=True))
    return row


def test_the_sample_takes_every_fail_and_top_mark_and_at_least_one_in_ten(tmp_path: Path) -> None:
    group = [_marks(f"s{n:02d}", 18, (3, 3, 2, 3, 2, 3)) for n in range(30)]
    group[4] = _marks("s04", 8, (1, 1, 1, 1, 1, 1))  # below the pass mark (11.2)
    group[9] = _marks("s09", 22, (4, 3, 3, 3, 3, 3))  # the top level on a criterion
    unmarked = _marks("s99", 10, (1, 1, 1, 1, 1, 1))
    unmarked.marked = False
    sample = draw_sample(tmp_path, "clarke-reflection", [*group, unmarked], seed=7)
    assert len(sample.students) == 5  # one in ten of 30 is 3; never fewer than five
    assert {"s04", "s09"} <= set(sample.students)
    assert sample.why["s04"] == ["below the pass mark (11.2)"]
    assert sample.why["s09"] == ["top level on 1. The decision and the dilemma"]
    assert sample.not_marked == ["s99"]
    again = draw_sample(tmp_path, "clarke-reflection", [*group, unmarked], seed=7)
    assert again.students == sample.students  # the same seed, the same draw
    big = [_marks(f"b{n:03d}", 18, (3, 3, 2, 3, 2, 3)) for n in range(120)]
    assert len(draw_sample(tmp_path, "clarke-reflection", big, seed=1).students) == 12


def test_formgrader_gets_the_rubric_only_from_the_course() -> None:
    """Each criterion cell gets its levels from docs/rubric.md; a rubric a submitted notebook
    carries in its own metadata is dropped, on any cell."""
    from casework.grading.formgrade import RubricForMarkers

    def cell(grade_id: str, **meta: object) -> nbformat.NotebookNode:
        made = nbformat.v4.new_markdown_cell("text")
        made.metadata["nbgrader"] = {"grade_id": grade_id, **meta}
        made.metadata["casework"] = {"rubric": {"title": "forged", "levels": []}}
        return made

    answer = cell("clarke-feelings", solution=True, grade=True, points=4)
    added = cell("", solution=False)
    book = nbformat.v4.new_notebook(cells=[answer, added])
    RubricForMarkers().preprocess(book, {})
    given = book.cells[0].metadata.casework.rubric
    assert given["title"] == "2. Feelings and use of self"
    assert [level["level"] for level in given["levels"]] == [1, 2, 3, 4]
    assert "rubric" not in book.cells[1].metadata.casework
