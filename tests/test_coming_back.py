"""Coming back exactly where you were, and options in an order of your own, in a real browser.

Real Voila (``casework serve``) and Debian's Chromium. A learner plays three choices, writes a
reflection and reloads: they are on the same step, with their words. The same after their
kernel was killed, and when they open their code in another browser. "Forget me on this
computer" makes a reload start afresh while the code still works. Two learners see a decision's
options in different orders; one learner sees the same order after a reload, a resume by code
and a step back.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from casework.catalog import load_case
from casework.paths import study_path_steps
from casework.scenario import Scenario
from casework.testing.servers import Server
from conftest import watch

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

TEXT = "What I felt <em>here</em> was {n}: stretched, & not sure I was heard."


def _case() -> tuple[str, Scenario, int]:
    """A case and how many study-path choices to take: at least three, ending on a choice
    whose consequence invites a reflection."""
    for case_id in ("nicholls", "project_x", "keisha", "clarke"):
        scenario = load_case(case_id)
        steps = study_path_steps(scenario)
        for taken, (scene, _) in enumerate(steps, start=1):
            if taken >= 3 and scenario.scenes[scene].reflection is not None:
                return case_id, scenario, taken
    raise AssertionError("no case invites a reflection after its third choice")


CASE, SCENARIO, TAKEN = _case()


def _address(server: Server) -> str:
    return f"{server.url}/voila/render/cases/{CASE}.ipynb"


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="commit")
    page.locator(".hm-player").wait_for(state="visible", timeout=90_000)


def _button(page: Page, name: str) -> None:
    """Press a button as a keyboard user does (focus, Enter): a page still laying itself out
    under load cannot move it away from a pointer."""
    button = page.get_by_role("button", name=name).filter(visible=True).first
    button.wait_for(state="visible")
    button.focus()
    page.keyboard.press("Enter")


def _press_exactly(page: Page, label: str) -> None:
    button = page.get_by_role("button", name=label, exact=True).filter(visible=True).first
    button.wait_for(state="visible")
    button.focus()
    page.keyboard.press("Enter")


def _continue(page: Page) -> None:
    button = (
        page.locator(".hm-story button", has_text=re.compile("^Continue to"))
        .filter(visible=True)
        .first
    )
    button.wait_for(state="visible")
    button.focus()
    page.keyboard.press("Enter")


def _past_note_and_first_answer(page: Page, scene_id: str) -> None:
    """On to the scene's options, past its content note and its first-answer question where
    the page shows them (a page that has shown the note once does not show it again)."""
    choices = page.locator(".hm-choice").filter(visible=True).first
    note = page.get_by_role("button", name="Continue to the scene").filter(visible=True)
    first = page.get_by_role("button", name="Show me the options").filter(visible=True)
    for _ in range(6):
        choices.or_(note).or_(first).first.wait_for(state="visible")
        if choices.count():
            break
        for button in (note, first):
            # The page may move on between looking and pressing (focus follows the kernel):
            # press what is there now, and look again.
            if button.count():
                try:
                    button.first.focus(timeout=2_000)
                    page.keyboard.press("Enter")
                except Exception:  # gone already: the next look tells
                    pass
                break
        page.wait_for_timeout(200)
    choices.wait_for(state="visible")
    assert SCENARIO.scenes[scene_id].choices


def _play_and_reflect(page: Page, server: Server, n: int) -> tuple[str, str, str]:
    """Open the case, take TAKEN study-path choices, write a reflection at the last one.
    Returns the resume code, the last choice's label and the text written."""
    _open(page, _address(server))
    _button(page, "Begin the case")
    steps = study_path_steps(SCENARIO)[:TAKEN]
    for index, (scene_id, choice_id) in enumerate(steps):
        _past_note_and_first_answer(page, scene_id)
        label = SCENARIO.choice(scene_id, choice_id).label
        _press_exactly(page, label)
        page.locator(".hm-consequence h3", has_text=f"You chose: {label}").wait_for()
        if index < len(steps) - 1:
            _continue(page)
    text = TEXT.format(n=n)
    page.get_by_role("textbox", name="Your reflection").fill(text)
    page.get_by_text("Saved at").wait_for()
    code = page.locator(".hm-resume code").inner_text().strip()
    return code, label, text


def _on_the_same_step(page: Page, label: str, text: str) -> None:
    page.locator(".hm-consequence h3", has_text=f"You chose: {label}").wait_for(timeout=90_000)
    assert page.get_by_role("textbox", name="Your reflection").input_value() == text
    assert f"Steps so far ({TAKEN})" in page.locator(".hm-timeline").inner_text()


def _kernel_pid(server: Server, page: Page) -> int:
    kernel = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    for process in server.kernels():
        if f"kernel-{kernel}.json" in " ".join(process.cmdline()):
            return process.pid
    raise AssertionError(f"no process for the page's kernel {kernel}")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1280, "height": 900})
    made.set_default_timeout(60_000)
    try:
        yield made
    finally:
        made.close()


def test_reload_kernel_loss_and_a_code_elsewhere_all_return_to_the_same_step(
    context: BrowserContext, browser: Browser, course_server: Server
) -> None:
    page = context.new_page()
    seen = watch(page)
    code, label, text = _play_and_reflect(page, course_server, 1)

    page.reload(wait_until="commit")  # the same browser: no code typed
    _on_the_same_step(page, label, text)
    assert page.locator(".hm-resume code").inner_text().strip() == code

    os.kill(_kernel_pid(course_server, page), signal.SIGKILL)  # the kernel dies mid-case
    page.reload(wait_until="commit")
    _on_the_same_step(page, label, text)

    elsewhere = browser.new_context()  # another browser, with only the code
    try:
        other = elsewhere.new_page()
        _open(other, f"{_address(course_server)}?resume={code.replace('-', '')}")
        _on_the_same_step(other, label, text)
    finally:
        elsewhere.close()
    assert seen.dialogs == []


def test_forget_me_makes_a_reload_start_afresh_and_the_old_code_still_works(
    context: BrowserContext, course_server: Server
) -> None:
    page = context.new_page()
    code, label, text = _play_and_reflect(page, course_server, 2)
    assert any(c["name"] == "hm_resume" for c in context.cookies())
    assert "days after you last use them" in page.locator(".hm-resume").inner_text()
    _button(page, "Forget me on this computer")
    page.get_by_text("This computer has forgotten you").wait_for()
    page.wait_for_function("() => !document.cookie.includes('hm_resume=')")

    page.reload(wait_until="commit")
    page.get_by_role("button", name="Begin the case").wait_for(timeout=90_000)
    fresh = page.locator(".hm-resume code").inner_text().strip()
    assert fresh != code, "a reload after forgetting starts a new journey"

    _open(page, f"{_address(course_server)}?resume={code}")
    _on_the_same_step(page, label, text)


def test_the_copy_buttons_copy_the_code_and_the_link(
    context: BrowserContext, course_server: Server
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _open(page, _address(course_server))
    code = page.locator(".hm-resume code").inner_text().strip()
    page.get_by_role("button", name="Copy the code").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == code
    page.get_by_role("button", name="Copy the link").click()
    assert "resume=" in page.evaluate("() => navigator.clipboard.readText()")


def _first_decision_order(page: Page) -> list[str]:
    scene_id = next(s for s, _ in study_path_steps(SCENARIO) if len(SCENARIO.scenes[s].choices) > 2)
    for step_scene, step_choice in study_path_steps(SCENARIO):
        _past_note_and_first_answer(page, step_scene)
        if step_scene == scene_id:
            return [t.strip() for t in page.locator(".hm-choice").all_inner_texts()]
        label = SCENARIO.choice(step_scene, step_choice).label
        _press_exactly(page, label)
        _continue(page)
    raise AssertionError("the study path never met a decision of three options")


def test_each_learner_has_their_own_order_and_keeps_it(
    browser: Browser, course_server: Server
) -> None:
    orders: list[list[str]] = []
    kept = None
    for _learner in range(5):
        made = browser.new_context()
        try:
            page = made.new_page()
            _open(page, _address(course_server))
            _button(page, "Begin the case")
            order = _first_decision_order(page)
            orders.append(order)
            if kept is None:
                kept = order
                code = page.locator(".hm-resume code").inner_text().strip()
                page.reload(wait_until="commit")  # reload: the same order
                page.locator(".hm-player").wait_for(state="visible", timeout=90_000)
                page.locator(".hm-story button").first.wait_for(timeout=90_000)
                _past_note_and_first_answer(page, page_scene_id(order))
                assert [t.strip() for t in page.locator(".hm-choice").all_inner_texts()] == order
                # a choice, then a step back: the same order
                _press_exactly(page, order[0])
                _button(page, "Step back one choice")
                _past_note_and_first_answer(page, page_scene_id(order))
                assert [t.strip() for t in page.locator(".hm-choice").all_inner_texts()] == order
                # resume by code in another browser: the same order
                elsewhere = browser.new_context()
                try:
                    other = elsewhere.new_page()
                    _open(other, f"{_address(course_server)}?resume={code}")
                    other.locator(".hm-story button").first.wait_for(timeout=90_000)
                    _past_note_and_first_answer(other, page_scene_id(order))
                    shown = [t.strip() for t in other.locator(".hm-choice").all_inner_texts()]
                    assert shown == order
                finally:
                    elsewhere.close()
        finally:
            made.close()
        if len({tuple(o) for o in orders}) > 1:
            break
    assert len({tuple(o) for o in orders}) > 1, f"five learners all saw {orders[0]}"


def page_scene_id(order: list[str]) -> str:
    """The scene whose options are these labels."""
    for scene in SCENARIO.case.scenes:
        if sorted(c.label for c in scene.choices) == sorted(order):
            return scene.id
    raise AssertionError(order)
