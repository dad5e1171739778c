"""Every chart in words: a summary per line, the values in a table, a legend that wraps."""

from __future__ import annotations

import re

from casework.catalog import load_case
from casework.chart_text import (
    dimension_legend_html,
    series_legend_html,
    summary_sentence,
    table_html,
    text_equivalent_html,
)
from casework.paths import study_path_steps
from casework.plots import DIMENSION_STYLES, GHOST_COLOUR, STUDY_COLOUR, debrief_series
from casework.trust_model import trajectory


def _contrast(hex_colour: str, against: str = "#ffffff") -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(hex_colour), luminance(against)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_summary_tells_the_story_of_each_line() -> None:
    scenario = load_case("demo")
    path = trajectory(scenario, study_path_steps(scenario))
    sentence = summary_sentence(scenario, path)
    trust = scenario.dimensions["trust"]
    start, end = path.start.values["trust"], path.points[-1].values["trust"]
    assert f"{trust.label} rose from {start:.0f} to {end:.0f}" in sentence
    assert "between week 0 and week 4" in sentence
    assert summary_sentence(scenario, trajectory(scenario, [])).startswith("Nothing has moved yet")


def test_a_dip_against_the_trend_is_named() -> None:
    scenario = load_case("demo")
    # Two acts of care, then a breach: trust rises overall and dips at week 3.
    steps = [
        ("first_visit", "explain_and_listen"),
        ("notes", "show_her"),
        ("busy_week", "postpone"),
    ]
    sentence = summary_sentence(scenario, trajectory(scenario, steps))
    assert "dipping at week 3" in sentence or "fell" in sentence.split(";")[0]


def test_the_table_has_every_point_and_every_dimension_escaped() -> None:
    scenario = load_case("demo")
    path = trajectory(scenario, study_path_steps(scenario))
    html = table_html(scenario, "<b>Your path</b>", path)
    assert html.count("<tr>") == len(path.points) + 1 and "When, and the choice made" in html
    assert "&lt;b&gt;Your path&lt;/b&gt;" in html and "<b>Your path" not in html
    for dimension in scenario.case.dimensions:
        assert dimension.label.replace("'", "&#x27;") in html
    equivalent = text_equivalent_html(scenario, [("Your path", path)])
    assert "<details><summary>The chart as a table</summary>" in equivalent
    assert "A teaching model, not a prediction" in equivalent


def test_legends_show_each_line_by_dash_and_marker_as_well_as_colour() -> None:
    scenario = load_case("clarke")
    legend = dimension_legend_html(scenario)
    assert legend.count("<li>") == len(scenario.case.dimensions)
    dashes = re.findall(r'stroke-dasharray="([^"]+)"', legend)
    assert len(set(dashes)) == len(dashes) == len(scenario.case.dimensions) - 1  # one is solid
    learner = trajectory(scenario, study_path_steps(scenario))
    series = debrief_series(learner, learner, {"x": learner}, {"x": '<img src=x onerror="1">'})
    ghost = series_legend_html(series)
    assert "&lt;img src=x" in ghost and "<img" not in ghost


def test_every_line_colour_has_at_least_3_to_1_contrast_on_white() -> None:
    """WCAG 2.2 1.4.11 (non-text contrast): chart lines at 3:1 against the background."""
    for colour in [c for c, _dash, _marker in DIMENSION_STYLES] + [STUDY_COLOUR, GHOST_COLOUR]:
        assert _contrast(colour) >= 3.0, colour
