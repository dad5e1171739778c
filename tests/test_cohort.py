"""The cohort report: counts right, small counts withheld, self-contained and small, legible,
escaped, and never naming anyone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from casework.catalog import load_case
from casework.cohort import (
    STOPPED,
    choice_counts,
    flows,
    journey_files,
    read_cohort,
    report_html,
)
from casework.cohort_charts import STUDY_BAND, Withhold, paths_svg, spread_svgs
from casework.testing import invoke, play, play_study_path
from casework.trust_model import Walker

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "cases" / "demo.yaml"
SECRET = "I am frightened of getting this wrong"
HOSTILE_TITLE = "<script>alert('title')</script> & friends"
HOSTILE_LABEL = "<img src=x onerror=alert(1)> Explain why you are here"


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo case, and a copy whose title and a choice label are markup."""
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(DEMO, folder / "demo.yaml")
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("id: demo", "id: hostile", 1)
    text = re.sub(r'title: ".*?"', lambda _: f"title: {json.dumps(HOSTILE_TITLE)}", text, count=1)
    text = text.replace(
        "label: Explain why you are here, then listen to her story of the last worker",
        f"label: {json.dumps(HOSTILE_LABEL)}",
    )
    (folder / "hostile.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("CASEWORK_CASES", str(folder))
    return folder


def _last_choices(case: str) -> list[str]:
    """A finished path unlike the study's: the last choice in every scene."""
    scenario = load_case(case)
    walker = Walker(scenario)
    chosen = []
    while not walker.at_ending:
        chosen.append(scenario.scenes[walker.node].choices[-1].id)
        walker.step(chosen[-1])
    return chosen


def _save(folder: Path, student: str, case: str, choices: list[str] | None) -> Path:
    scenario = load_case(case)
    played = play_study_path(scenario) if choices is None else play(scenario, choices)
    played.journey.reflect("first_feelings", SECRET)
    path = folder / student / f"{case}-reflection" / f"{case}.journey.json"
    path.parent.mkdir(parents=True)
    played.journey.save(path)
    return path


@pytest.fixture
def submitted(tmp_path: Path, cases: Path) -> Path:
    """nbgrader's submitted/ folder for five learners, one of whose files is damaged."""
    folder = tmp_path / "submitted"
    study = list(load_case("demo").case.study_path or [])
    _save(folder, "jane.doe", "demo", None)
    _save(folder, "ali.khan", "demo", None)
    _save(folder, "sam.jones", "demo", study[:1])  # stopped after one choice
    _save(folder, "chris.lee", "demo", _last_choices("demo"))
    _save(folder, "pat.brown", "hostile", None)
    broken = folder / "kim.wu" / "demo-reflection" / "demo.journey.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json", encoding="utf-8")
    # Neither a damaged copy set aside by the player nor a temporary file is a journey.
    (broken.parent / "demo.journey.damaged-20260101T000000.json").write_text("{}")
    (broken.parent / ".demo.journey.json.x.tmp").write_text("{}")
    return folder


def test_only_journey_files_are_read(submitted: Path) -> None:
    names = sorted(p.name for p in journey_files(submitted))
    assert names == ["demo.journey.json"] * 5 + ["hostile.journey.json"]


def test_the_cohort_counts_every_usable_journey_and_skips_the_rest(submitted: Path) -> None:
    seen: list[tuple[int, int]] = []
    warnings: list[str] = []
    cohort = read_cohort(
        submitted, progress=lambda done, total: seen.append((done, total)), warn=warnings.append
    )
    assert seen == [(n, 6) for n in range(1, 7)]
    assert cohort.files == 6 and cohort.skipped == 1 and cohort.journeys == 5
    assert list(cohort.cases) == ["demo", "hostile"]
    assert cohort.cases["demo"].learners == 4
    assert len(warnings) == 1 and "kim.wu" in warnings[0]


def test_choice_counts_and_sankey_flows_add_up(submitted: Path) -> None:
    demo = read_cohort(submitted).cases["demo"]
    rows = choice_counts(demo)
    first_scene, chose, choices = rows[0]
    assert first_scene.startswith("Week 0") and chose == 4
    study_first = next(c for c in choices if c[2])
    assert study_first[1] == 3  # chris took the last choice; everyone else the study's
    assert sorted(count for _, count, _ in choices) == [0, 1, 3][-len(choices) :]
    assert sum(chose for _, chose, _ in rows) == sum(len(p) for p in demo.paths)

    counted = flows(demo.scenario, demo.paths)
    assert sum(n for (_, _, target), n in counted.items() if target == STOPPED) == 1
    start = demo.scenario.case.scenes[0].id
    assert sum(n for (source, _, _), n in counted.items() if source == start) == 4
    drawn = paths_svg(demo.scenario, demo.paths, Withhold(1))
    assert STUDY_BAND in drawn, "the study path's bands are not marked"
    assert drawn.count("<path ") == len(counted)  # one band per flow


def test_the_spread_shows_the_median_and_study_path_and_learners_only_when_enough() -> None:
    scenario = load_case("demo")
    study = list(scenario.case.study_path or [])
    paths = [tuple(play(scenario, study[: n % len(study) + 1]).journey.path()) for n in range(6)]
    dims = len(scenario.case.dimensions)
    many = spread_svgs(scenario, paths, Withhold(5))
    assert len(many) == dims
    for _, svg in many:
        # six learners' thin lines, the median (dotted), the study path (dashed)
        assert svg.count("<polyline") == 6 + 1 + 1
        assert 'stroke-dasharray="2 5"' in svg and 'stroke-dasharray="10 6"' in svg
    few = spread_svgs(scenario, paths[:4], Withhold(5))
    for _, svg in few:
        assert svg.count("<polyline") == 1, "with four journeys only the study path is drawn"


def test_withholding_hides_small_counts_and_any_count_that_gives_one_away() -> None:
    rule = Withhold(5)
    assert [rule.text(n) for n in (0, 1, 4, 5, 12)] == [
        "0",
        "fewer than 5",
        "fewer than 5",
        "5",
        "12",
    ]
    # A table that shows its total: the one small count could be found by subtraction, so the
    # next smallest goes too; zeros never point to anyone.
    assert rule.table([11, 1, 0], total_shown=True) == [True, True, False]
    assert rule.table([11, 1, 0], total_shown=False) == [False, True, False]
    assert rule.table([6, 2, 3], total_shown=True) == [False, True, True]
    assert Withhold(1).table([1, 2], total_shown=True) == [False, False]


def test_a_small_group_sees_no_count_below_the_threshold(submitted: Path) -> None:
    html = report_html(read_cohort(submitted))
    cells = re.findall(r'<td class="number[^"]*">([^<]*)</td>', html)
    assert not [c for c in cells if c.strip() in {"1", "2", "3", "4"}], cells
    assert "fewer than 5" in html and "4 journey(s)" in html
    assert "no learner's own curve is drawn" in html
    shown = report_html(read_cohort(submitted), withhold_below=1)
    assert "fewer than" not in shown
    assert re.search(r'<td class="number">3</td>', shown)


def test_the_report_names_no_one_and_holds_no_reflection(submitted: Path) -> None:
    html = report_html(read_cohort(submitted))
    for private in (
        SECRET,
        "jane.doe",
        "ali.khan",
        "sam.jones",
        "pat.brown",
        "kim.wu",
        "submitted",
    ):
        assert private not in html
    assert "journey.json" not in html


def test_the_report_escapes_case_text(submitted: Path) -> None:
    html = report_html(read_cohort(submitted))
    assert HOSTILE_TITLE not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html
    assert "onerror=alert(1)" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_the_report_is_self_contained_and_small(submitted: Path) -> None:
    html = report_html(read_cohort(submitted))
    dims = len(load_case("demo").case.dimensions)
    assert html.count("<svg") == 2 * (1 + dims)  # per case: the paths, one chart a dimension
    assert "<script" not in html, "the page runs no script"
    assert not re.search(r"<link[^>]+href=\"?https?:", html) and "http" not in html
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert len(html.encode()) < 150_000  # it carried 4.6 MB of plotly.js


def test_chart_text_is_projector_size_and_legends_are_apart_from_the_charts(
    submitted: Path,
) -> None:
    html = report_html(read_cohort(submitted))
    sizes = [int(size) for size in re.findall(r'font-size="(\d+)"', html)]
    assert sizes and min(sizes) >= 15
    # The legend is the page's own list, after the charts: it cannot sit on an axis title.
    for section in html.split("<h3>The relationship over the case</h3>")[1:]:
        charts, _, after = section.partition("<ul class='legend'>")
        assert "<svg" in charts and "<svg" not in after.split("</ul>")[0]
        assert "legend" not in charts


def test_the_command_writes_the_report_and_shows_progress(submitted: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "cohort.html"
    result = invoke(["cohort", str(submitted), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.is_file() and 5_000 < out.stat().st_size < 150_000
    assert "reading journeys: 6/6" in result.stderr
    assert "skipped" in result.stderr and "5 journey(s) in 2 case(s), 1 skipped" in result.stderr
    assert result.stdout == ""


def test_the_command_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = invoke(["cohort", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "no such folder" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_the_command_says_when_there_is_nothing_to_report(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(["cohort", str(tmp_path / "empty"), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "no usable journey files" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_the_command_needs_an_output_file(tmp_path: Path) -> None:
    result = invoke(["cohort", str(tmp_path)])
    assert result.exit_code == 2
