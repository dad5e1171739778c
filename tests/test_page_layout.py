"""Charts a phone and a screen reader can read, and WCAG 2.2 AA beyond what axe checks.

Real Voila (the session's ``course_server``) and Debian's Chromium. At 360 x 740, 400 x 800
and 1280 x 900, at a case's first choice and at its debrief with the paths not taken drawn, no
two pieces of chart text overlap and nothing scrolls sideways; each chart's summary and table
are in the accessibility tree; every control is at least 24 x 24 CSS px; a focused control is
never hidden; the page reflows at 320 CSS px and at 200% zoom; text spacing overrides clip
nothing; a reader who asks for reduced motion gets none. A failing check leaves a screenshot in
test-artifacts/ (CI keeps the folder).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from casework.catalog import load_case
from casework.chart_text import summary_sentence
from casework.paths import study_path_steps
from casework.store import JourneyStore
from casework.testing.servers import Server
from casework.trust_model import trajectory
from page_checks import (
    CLIPPED_TEXT,
    FOCUS_HIDDEN,
    OVERLAPPING_CHART_TEXT,
    SIDEWAYS_TEXT,
    SMALL_TARGETS,
    TEXT_SPACING_CSS,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CASE = "clarke"
VIEWPORTS = [(360, 740), (400, 800), (1280, 900)]
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"


def _keep_screenshot(page: Page, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)


def _check(page: Page, name: str, script: str, *, empty: bool = True) -> None:
    found = page.evaluate(script)
    problems = found["problems"] if isinstance(found, dict) else found
    if problems:
        shot = _keep_screenshot(page, name)
        raise AssertionError(f"{name}: {problems} (screenshot: {shot})")


@pytest.fixture
def debrief_address(course_server: Server) -> str:
    """A finished journey along the study path, in the server's own store: its personal
    link opens the debrief."""
    assert course_server.data is not None
    scenario = load_case(CASE)
    store = JourneyStore(f"sqlite:///{course_server.data / 'journeys.sqlite'}")
    try:
        token, journey = store.start(scenario)
        for _scene, choice in study_path_steps(scenario):
            journey.choose(scenario, choice)
        journey.go_on()
        store.save(token, journey)
    finally:
        store.close()
    return f"{course_server.url}/voila/render/cases/{CASE}.ipynb?resume={token}"


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        yield page
    finally:
        context.close()


def _at_first_choice(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/voila/render/cases/{CASE}.ipynb", wait_until="commit")
    page.get_by_role("button", name="Begin the case").click()
    for name in ("Continue to the scene", "Show me the options"):
        button = page.get_by_role("button", name=name)
        button.or_(page.locator(".hm-choice").first).first.wait_for()
        if button.count():
            button.click()
    page.locator(".hm-choice").first.wait_for()
    page.locator(".hm-chart .js-plotly-plot .main-svg").first.wait_for()


def _at_debrief_with_ghosts(page: Page, address: str) -> None:
    page.goto(address, wait_until="commit")
    page.locator(".hm-ending").wait_for()
    picker = page.get_by_label("Show the paths not taken at")
    picker.select_option(index=1)
    page.locator(".hm-legend li", has_text="Had you chosen:").first.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('.hm-chart .js-plotly-plot').length >= 4"
    )


def _opened_tree(page: Page) -> str:
    """The chart's part of the accessibility tree, with its table disclosure opened as a
    screen-reader user opens it (it follows the chart and its summary in reading order)."""
    closed = page.locator(".hm-chart details:not([open]) summary")
    before = page.locator(".hm-chart").aria_snapshot()
    assert "The chart as a table" in before, "the disclosure is in the tree, after the summary"
    for index in range(closed.count()):
        closed.nth(index).click()
    return page.locator(".hm-chart").aria_snapshot()


def _each_viewport(page: Page, where: str) -> None:
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)  # plotly redraws to the new width
        found = page.evaluate(OVERLAPPING_CHART_TEXT)
        assert found["count"] > 4, f"{where} at {width}px: no chart text found"
        _check(page, f"{where}-{width}-overlap", OVERLAPPING_CHART_TEXT)
        _check(page, f"{where}-{width}-sideways", SIDEWAYS_TEXT)


def test_at_the_first_choice_the_chart_fits_every_screen_and_reads_as_text(
    tab: Page, course_server: Server
) -> None:
    _at_first_choice(tab, course_server)
    _each_viewport(tab, "first-choice")
    scenario = load_case(CASE)
    tree = _opened_tree(tab)
    assert summary_sentence(scenario, trajectory(scenario, []))[:60] in tree
    assert 'table "Your path so far"' in tree


def test_at_the_debrief_the_small_multiples_stack_on_a_phone_and_read_as_text(
    tab: Page, debrief_address: str
) -> None:
    _at_debrief_with_ghosts(tab, debrief_address)
    _each_viewport(tab, "debrief")
    tab.set_viewport_size({"width": 400, "height": 800})
    tab.wait_for_timeout(600)
    lefts = tab.evaluate(
        "() => Array.from(document.querySelectorAll('.hm-chart .js-plotly-plot')).map("
        "p => Math.round(p.getBoundingClientRect().left))"
    )
    assert len(set(lefts)) == 1, f"on a phone the panels stand one above another: {lefts}"
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.wait_for_timeout(600)
    tree = _opened_tree(tab)
    scenario = load_case(CASE)
    study = trajectory(scenario, study_path_steps(scenario))
    assert summary_sentence(scenario, study)[:60] in tree
    for name in ("Your path", "The path in the study"):
        assert f'table "{name}"' in tree
    assert 'table "Had you chosen:' in tree, "the paths not taken are tables too"


def test_wcag_targets_focus_reflow_spacing_zoom_and_motion(
    tab: Page, course_server: Server, debrief_address: str
) -> None:
    for where, arrive in (
        ("first-choice", lambda: _at_first_choice(tab, course_server)),
        ("debrief", lambda: _at_debrief_with_ghosts(tab, debrief_address)),
    ):
        tab.set_viewport_size({"width": 1280, "height": 900})
        arrive()
        _check(tab, f"{where}-targets", SMALL_TARGETS)
        # Focus is never hidden: Tab through the page's controls.
        for step in range(40):
            tab.keyboard.press("Tab")
            hidden = tab.evaluate(FOCUS_HIDDEN)
            if hidden:
                shot = _keep_screenshot(tab, f"{where}-focus-{step}")
                raise AssertionError(f"{where}: focus hidden ({hidden}); screenshot {shot}")
        # Reflow at 320 CSS px, and 200% zoom of a 1280 px window (640 CSS px).
        for width in (320, 640):
            tab.set_viewport_size({"width": width, "height": 700})
            tab.wait_for_timeout(500)
            _check(tab, f"{where}-reflow-{width}", SIDEWAYS_TEXT)
        # Text spacing (1.4.12): nothing is cut off.
        tab.set_viewport_size({"width": 1280, "height": 900})
        style = tab.add_style_tag(content=TEXT_SPACING_CSS)
        tab.wait_for_timeout(300)
        _check(tab, f"{where}-spacing", CLIPPED_TEXT)
        style.evaluate("node => node.remove()")
    # A reader who asks for reduced motion gets no transitions or animations.
    tab.emulate_media(reduced_motion="reduce")
    durations = tab.evaluate(
        "() => Array.from(document.querySelectorAll('.hm-player button')).map("
        "b => getComputedStyle(b).transitionDuration + '|' + getComputedStyle(b).animationName)"
    )
    assert durations and all(d in ("0s|none",) for d in durations), set(durations)
