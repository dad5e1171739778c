"""The cohort report: counts right, self-contained, escaped, and never naming anyone."""

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
    journey_files,
    read_cohort,
    report_html,
    sankey_figure,
    spread_figure,
)
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

    sankey = sankey_figure(demo).data[0]
    labels = list(sankey.node.label)
    stopped = labels.index("Stopped before an ending")
    into_stopped = sum(
        v for t, v in zip(sankey.link.target, sankey.link.value, strict=True) if t == stopped
    )
    assert into_stopped == 1
    assert STOPPED not in labels
    out_of_start = sum(
        v for s, v in zip(sankey.link.source, sankey.link.value, strict=True) if s == 0
    )
    assert out_of_start == 4
    green = [c for c in sankey.link.color if c.startswith("rgba(0, 109, 78")]
    assert green, "the study path's bands are not marked"


def test_the_spread_shows_every_learner_the_median_and_the_study_path(submitted: Path) -> None:
    demo = read_cohort(submitted).cases["demo"]
    figure = spread_figure(demo)
    dimensions = len(demo.scenario.case.dimensions)
    assert len(figure.data) == dimensions * (demo.learners + 2)
    names = {trace.name for trace in figure.data if trace.showlegend}
    assert names == {
        "One learner (each thin line)",
        "The middle of the group (median)",
        "The path in the study",
    }


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


def test_the_report_is_self_contained(submitted: Path) -> None:
    html = report_html(read_cohort(submitted))
    assert html.count("Plotly.newPlot") == 4  # two figures per case
    assert not re.search(r"<script[^>]+src=", html), "the page loads a script from elsewhere"
    assert not re.search(r"<link[^>]+href=\"?https?:", html)
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html


def test_the_command_writes_the_report_and_shows_progress(submitted: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "cohort.html"
    result = invoke(["cohort", str(submitted), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.is_file() and out.stat().st_size > 1_000_000  # plotly.js is inside
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
