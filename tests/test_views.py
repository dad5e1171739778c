"""What the learner reads: structured, and never markup from case text or reflections."""

from __future__ import annotations

from casework.catalog import load_case
from casework.journey import Journey
from casework.scenario import Case, Scenario
from casework.views import (
    case_intro_html,
    reflections_markdown,
    scene_html,
    short_citation,
)

INJECTED = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def _poisoned() -> Scenario:
    demo = load_case("demo")
    data = demo.case.model_dump()
    data["title"] = INJECTED
    data["content_note"] = INJECTED
    data["scenes"][0]["narrative"] = INJECTED
    data["scenes"][0]["setting"] = INJECTED
    return Scenario(Case.model_validate(data))


def test_authored_text_is_escaped_everywhere() -> None:
    scenario = _poisoned()
    for html in (case_intro_html(scenario), scene_html(scenario, scenario.start)):
        assert "<script>" not in html and "<img" not in html
        assert "&lt;script&gt;" in html


def test_reflections_download_shows_markup_as_text() -> None:
    demo = load_case("demo")
    journey = Journey.new(demo)
    journey.reflect("first_feelings", INJECTED)
    text = reflections_markdown(demo, journey)
    assert "<script>" not in text and "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert text.startswith("# My reflections: A first month with a new family")


def test_short_citations() -> None:
    demo = load_case("demo")
    assert short_citation(demo, "ferguson") == "Ferguson et al. (2022)"
    assert short_citation(demo, "mason") == "Mason (2012)"


def test_scene_facts_are_a_description_list() -> None:
    demo = load_case("demo")
    html = scene_html(demo, demo.start)
    assert "<dl" in html and "<dt>When</dt><dd>Week 0</dd>" in html
    assert "<h3" in html and "What do you do?" in html
