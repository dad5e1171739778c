"""Every case played in Debian's headless Chromium, by keyboard only, against the real server.

The server is the session's ``course_server``: Voila started by ``casework serve``, exactly as
``make start`` runs it. A learner's hands are Tab, Shift+Tab, Enter and Space; nothing is
clicked with a mouse. Along each case's study path the tests check what a learner should see:
each consequence, a chart that plotly really drew and that gains a point per choice, a
reflection that outlives a reload of the page, the debrief, step back and restart. axe-core
checks every page at its first scene, after a choice and at the ending (no serious or critical
violation), and a 400 px-wide window must never make text scroll sideways.

Without /usr/bin/chromium the ``browser`` fixture skips these tests with its reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework.catalog import load_case
from casework.paths import study_path_steps
from casework.scenario import Ending, Scenario
from casework.trust_model import trajectory
from conftest import Server, free_port, get, running_course, seen_on, tab_to
from page_checks import SIDEWAYS_TEXT

CASES = ("clarke", "keisha", "nicholls", "project_x")
ERROR_BANNER = "There was an error when executing cell"
#: axe-core impacts a learner page must never have (WCAG 2.2 AA and axe's best practices).
BLOCKING_IMPACTS = {"serious", "critical"}
REFLECTION = "What stays with me is how {case} made me slow down, and listen <first>."


# --- what the page shows ---------------------------------------------------------------------

#: The focused element described as a keyboard user's screen reader would name it.
DESCRIBE_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'BODY', name: ''};
  const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
  const name = (e.innerText || e.getAttribute('aria-label') || label || e.value || '').trim();
  return {tag: e.tagName, name: name};
}"""

#: Markers per trace in every plotly chart on the page: [[n, n, n, n], ...].
CHART_POINTS = """() => Array.from(document.querySelectorAll('.hm-chart .js-plotly-plot')).map(
  plot => Array.from(plot.querySelectorAll('.scatterlayer .trace')).map(
    trace => trace.querySelectorAll('path.point').length))"""


def focus(page: Any) -> dict[str, str]:
    return page.evaluate(DESCRIBE_FOCUS)


def press_on(page: Any, name: str, key: str = "Enter") -> None:
    """Tab to the control whose name starts with ``name`` and press ``key`` on it."""
    if not focus(page)["name"].startswith(name):
        tab_to(page, name, limit=200)
    page.keyboard.press(key)


def wait_for_focus(page: Any, name: str) -> None:
    """The focused control's name comes to start with ``name`` (names change with the kernel)."""
    try:
        page.wait_for_function(
            f"(name) => ({DESCRIBE_FOCUS})().name.startsWith(name)", arg=name, timeout=20_000
        )
    except Exception as error:
        raise AssertionError(f"focus should be on {name!r}, found {focus(page)}") from error


def chart_points(page: Any) -> list[list[int]]:
    return page.evaluate(CHART_POINTS)


def wait_for_points(page: Any, expected: int) -> None:
    """The live chart is drawn as SVG and each of its lines has ``expected`` markers."""
    try:
        page.wait_for_function(
            f"() => {{ const p = ({CHART_POINTS})(); return p.length === 1 && p[0].length > 0 "
            f"&& p[0].every(n => n === {expected}); }}",
            timeout=20_000,
        )
    except Exception as error:
        chart = page.evaluate(
            "() => (document.querySelector('.hm-chart') || {outerHTML: ''}).outerHTML"
        )
        raise AssertionError(
            f"the chart should show {expected} points per line, it shows {chart_points(page)}: "
            f"{chart[:1500]}"
        ) from error


def wait_for_text(page: Any, selector: str, text: str) -> None:
    try:
        page.locator(selector, has_text=text).first.wait_for(state="visible", timeout=20_000)
    except Exception as error:
        shown = page.locator(selector).all_inner_texts()
        raise AssertionError(f"{selector} never showed {text!r}; it shows {shown}") from error


def assert_accessible(page: Any, where: str) -> None:
    """axe-core finds nothing serious or critical (moderate findings are listed, not fatal)."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    blocking = [
        f"{v['impact']} {v['id']}: {v['help']} at "
        + ", ".join(f"{node['target']} {node['html'][:200]}" for node in v["nodes"][:5])
        for v in response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"axe-core, {where}:\n" + "\n".join(blocking)


def assert_fits_400px(page: Any, where: str) -> None:
    size = page.viewport_size
    page.set_viewport_size({"width": 400, "height": 800})
    try:
        page.wait_for_timeout(400)  # plotly and the widgets relayout on resize
        problems = page.evaluate(SIDEWAYS_TEXT)
        assert not problems, f"at 400 px wide, {where}:\n" + "\n".join(problems)
    finally:
        page.set_viewport_size(size)


def assert_page_is_clean(page: Any, server: Server) -> None:
    """No error banner, no traceback, no dialog, and nothing asked of any other server."""
    html = page.content()
    assert ERROR_BANNER not in html and "Traceback (most recent call last)" not in html
    assert not seen_on(page).dialogs, seen_on(page).dialogs
    own = (server.url, "data:", "blob:", "about:")
    elsewhere = sorted({url for url in seen_on(page).requests if not url.startswith(own)})
    assert not elsewhere, f"third-party requests: {elsewhere}"


def open_case(page: Any, server: Server, case_id: str, query: str = "") -> None:
    page.goto(f"{server.url}/voila/render/cases/{case_id}.ipynb{query}", wait_until="commit")
    wait_for_player(page, server)


def wait_for_player(page: Any, server: Server) -> None:
    try:
        page.locator(".hm-player").wait_for(state="visible", timeout=90_000)
    except Exception as error:
        shown = page.evaluate("() => document.body ? document.body.innerText.slice(0, 500) : ''")
        log = server.log.read_text(errors="replace")[-2000:]
        raise AssertionError(f"no player on {page.url}; page shows {shown!r}\n{log}") from error


# --- the path a learner takes ----------------------------------------------------------------


def expected_points(scenario: Scenario, steps: list[tuple[str, str]], taken: int) -> int:
    """Markers per line on the live chart after ``taken`` choices, as the model draws it."""
    return len(trajectory(scenario, steps[:taken]).points)


def mark_stale(page: Any) -> None:
    """Mark what the story shows now, so that waits see only what the kernel draws next."""
    page.evaluate(
        "() => document.querySelectorAll('.hm-story *').forEach(e => e.dataset.stale = 1)"
    )


def reach_scene(page: Any, title: str, *, focus_moves: bool = True) -> None:
    """Wait for a scene, passing its content note by keyboard if it has one.

    Call ``mark_stale`` before the key press that leads here. After Continue, focus moves by
    itself to the note's button or the first choice (``focus_moves``); after step back or
    restart it stays on that button, so the learner Tabs to the note's button.
    """
    note = page.locator(".hm-story button:not([data-stale])", has_text="Continue to the scene")
    heading = page.locator(".hm-scene h3:not([data-stale])", has_text=title)
    heading.or_(note).first.wait_for(state="visible")
    if note.count():
        if focus_moves:
            wait_for_focus(page, "Continue to the scene")
        else:
            tab_to(page, "Continue to the scene", limit=200)
        page.keyboard.press("Space")
    heading.wait_for(state="visible")


def choose(page: Any, labels: list[str], label: str, key: str) -> None:
    """Reach a choice with Tab and Shift+Tab from the first one, then press ``key``."""
    wait_for_focus(page, labels[0])
    index = labels.index(label)
    if index < len(labels) - 1:
        for _ in range(index + 1):
            page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")
    else:
        for _ in range(index):
            page.keyboard.press("Tab")
    assert focus(page)["name"] == label
    page.keyboard.press(key)


def choice_labels(page: Any, scene: Any) -> list[str]:
    """The scene's choice buttons, once all of them are drawn."""
    choices = page.locator(".hm-choice:not([data-stale])")
    choices.nth(len(scene.choices) - 1).wait_for(state="visible")
    return [text.strip() for text in choices.all_inner_texts()]


def write_reflection_and_reload(
    page: Any, server: Server, case_id: str, scene: Any, label: str, *, by_link: bool
) -> None:
    """Type a reflection, load the page again (by the personal link, or a plain reload, which
    the browser's memory of the code brings back), and find the learner on the same step with
    the words where they were written."""
    text = REFLECTION.format(case=case_id)
    tab_to_textbox(page, "Your reflection")
    page.keyboard.type(text)
    page.keyboard.press("Tab")  # out of the text box: no keyboard trap
    assert focus(page)["tag"] != "TEXTAREA"
    page.keyboard.press("Shift+Tab")
    assert focus(page)["tag"] == "TEXTAREA"
    wait_for_text(page, ".hm-status", "Saved at")
    code = page.locator(".hm-resume code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{1,4})+", code), code

    if by_link:
        # The personal link in the resume panel, followed with Enter, loads the page again.
        for _ in range(200):
            page.keyboard.press("Tab")
            if "resume=" in (page.evaluate("() => document.activeElement.href || ''")):
                break
        else:
            raise AssertionError("Tab never reached the personal resume link")
        with page.expect_navigation(wait_until="commit"):
            page.keyboard.press("Enter")
        wait_for_player(page, server)
        page.locator(".hm-resume code").wait_for(state="visible")
        assert page.locator(".hm-resume code").inner_text().strip() == code
    else:
        # A plain reload: this browser keeps the code for the page and brings the learner back.
        page.reload(wait_until="commit")
        wait_for_player(page, server)
        page.locator(".hm-resume code").wait_for(state="visible")
        assert page.locator(".hm-resume code").inner_text().strip() == code

    # Back on the very step: the consequence of this scene's choice, the text in its box.
    wait_for_text(page, ".hm-consequence h3", f"You chose: {label}")
    assert page.locator(".hm-reflection textarea").input_value() == text
    # Focus starts at the top of a new page: the learner Tabs on to the button that goes on.
    nxt = page.locator(".hm-story button", has_text=re.compile("^(Continue to|See how)"))
    tab_to(page, nxt.first.inner_text().strip(), limit=300)


def answer_first(page: Any, scene: Any) -> None:
    """Where the case asks first, write a sentence in the box, then ask for the options."""
    page.locator(".hm-first").wait_for(state="visible")
    assert page.locator(".hm-choice:not([data-stale])").count() == 0, "no option before"
    tab_to_textbox(page, "What I would do")
    page.keyboard.type(f"I would slow down and ask what {scene.title} means to them.")
    wait_for_text(page, ".hm-status", "Saved at")
    press_on(page, "Show me the options")
    wait_for_text(page, ".hm-first-answer", "Before the options, you wrote")


def tab_to_textbox(page: Any, label: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focus(page)
        if now["tag"] in {"TEXTAREA", "INPUT"} and now["name"].startswith(label):
            return
        if now["tag"] == "TEXTAREA" and page.evaluate(
            "() => (document.activeElement.labels[0] || {}).innerText || ''"
        ).startswith(label):
            return
    raise AssertionError(f"Tab never reached the text box {label!r}")


# --- the tests -------------------------------------------------------------------------------


def test_the_landing_page_is_accessible_and_leads_to_every_case(
    page: Any, course_server: Server
) -> None:
    page.goto(course_server.url + "/voila/render/index.ipynb", wait_until="commit")
    page.locator("#cases-heading").wait_for(state="visible", timeout=90_000)
    for case_id in CASES:
        link = page.locator(f'a[href="cases/{case_id}.ipynb"]')
        assert link.count() == 1, f"the case list should link {case_id}'s app page"
        assert link.inner_text().strip() == load_case(case_id).title
    assert_accessible(page, "on the landing page")
    assert_fits_400px(page, "on the landing page")
    assert_page_is_clean(page, course_server)

    # A keyboard user follows a case's link in the list with Enter.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('href')") == (
            "cases/keisha.ipynb"
        ):
            break
    else:
        raise AssertionError("Tab never reached the link to the Keisha case")
    # JupyterLab's renderer opens links from a page's output in a new tab.
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    case_page = opened.value
    case_page.wait_for_load_state("commit")
    assert case_page.url == course_server.url + "/voila/render/cases/keisha.ipynb"
    case_page.close()


@pytest.mark.parametrize("case_id", CASES)
def test_a_case_played_to_its_end_by_keyboard(
    page: Any, course_server: Server, case_id: str
) -> None:
    scenario = load_case(case_id)
    steps = study_path_steps(scenario)
    reflect_at = next(
        (i for i, (scene, _) in enumerate(steps) if scenario.scenes[scene].reflection), None
    )
    assert reflect_at is not None, f"{case_id}'s study path should invite a reflection"

    open_case(page, course_server, case_id)
    wait_for_text(page, ".hm-intro", "Content note")
    wait_for_points(page, 1)  # the chart is drawn before the first choice: the start
    mark_stale(page)
    press_on(page, "Begin the case", "Enter")
    first_scene = scenario.scenes[steps[0][0]]
    reach_scene(page, first_scene.title)
    assert_accessible(page, f"{case_id}, first scene")
    assert_fits_400px(page, f"{case_id}, first scene")

    for taken, (scene_id, choice_id) in enumerate(steps):
        scene = scenario.scenes[scene_id]
        choice = scenario.choice(scene_id, choice_id)
        if taken:
            reach_scene(page, scene.title)
        if scene.first_answer is not None:
            answer_first(page, scene)
        labels = choice_labels(page, scene)
        # Every option, in this learner's own order (tests/test_option_order.py).
        assert sorted(labels) == sorted(c.label for c in scene.choices)
        before = expected_points(scenario, steps, taken)
        wait_for_points(page, before)
        choose(page, labels, choice.label, "Space" if taken % 2 else "Enter")

        # The consequence, in the learner's view, and a chart one choice longer.
        wait_for_text(page, ".hm-consequence h3", f"You chose: {choice.label}")
        first_words = " ".join(choice.consequence.split()[:8])
        assert first_words in " ".join(page.locator(".hm-consequence").inner_text().split())
        after = expected_points(scenario, steps, taken + 1)
        assert after >= before + 1
        wait_for_points(page, after)
        if taken == 0:
            assert_accessible(page, f"{case_id}, after the first choice")
            assert_fits_400px(page, f"{case_id}, after the first choice")
        if taken == reflect_at:
            write_reflection_and_reload(
                page,
                course_server,
                case_id,
                scene,
                choice.label,
                by_link=case_id in {"keisha", "project_x"},
            )
            wait_for_points(page, after)

        # The consequence's button has the focus: Enter goes on.
        nxt = scenario.node(trajectory(scenario, steps[: taken + 1]).position)
        wanted = "See how the case ends" if isinstance(nxt, Ending) else "Continue to"
        assert focus(page)["name"].startswith(wanted), focus(page)
        mark_stale(page)
        page.keyboard.press("Enter")

    # The ending and its debrief, with the chart of both paths.
    ending = nxt
    assert isinstance(ending, Ending)
    wait_for_text(page, ".hm-ending h3", f"Ending: {ending.title}")
    ending_text = " ".join(page.locator(".hm-ending").inner_text().split())
    assert "Debrief" in ending_text
    first_part = ending.debrief_parts()[0]
    first_part = first_part if isinstance(first_part, str) else first_part.text
    assert " ".join(first_part.split()[:8]) in ending_text
    assert f"at {len(steps)} of {len(steps)} decisions" in ending_text
    # The debrief's small multiples: one chart per dimension, the study's path in the legend.
    page.wait_for_function(
        "(panels) => document.querySelectorAll('.hm-chart .js-plotly-plot .main-svg').length"
        " >= panels && document.querySelector('.hm-chart .hm-legend').innerText.includes("
        "'The path in the study')",
        arg=len(scenario.case.dimensions),
        timeout=20_000,
    )
    assert_accessible(page, f"{case_id}, at the ending")
    assert_fits_400px(page, f"{case_id}, at the ending")

    # Step back from the ending: the last scene's choices again, the chart a choice shorter.
    mark_stale(page)
    press_on(page, "Step back one choice")
    reach_scene(page, scenario.scenes[steps[-1][0]].title, focus_moves=False)
    wait_for_points(page, expected_points(scenario, steps, len(steps) - 1))

    # Start again: the button asks to be pressed twice, then the first scene and one point.
    press_on(page, "Start the case again", "Enter")
    wait_for_focus(page, "Press again to start again")
    mark_stale(page)
    page.keyboard.press("Space")
    wait_for_text(page, ".hm-status", "You are back at the start")
    reach_scene(page, first_scene.title, focus_moves=False)
    wait_for_points(page, 1)
    assert_page_is_clean(page, course_server)


# --- a closed page's kernel -----------------------------------------------------------------


def test_leaving_a_page_stops_its_kernel_and_keeps_the_learner_s_reflection(
    browser: Any, course_server: Server
) -> None:
    """Each page view holds a kernel (about 80 MB). Voila stops it when the page is left only
    if the browser holds its _xsrf cookie, which the course's template fetches; a reflection
    typed just before leaving is still saved (the kernel writes it as it exits)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{course_server.url}/voila/render/cases/nicholls.ipynb", wait_until="commit")
        wait_for_player(page, course_server)
        scenario = load_case("nicholls")
        first_scene, first_choice = study_path_steps(scenario)[0]
        page.get_by_role("button", name="Begin the case").click()
        if scenario.scenes[first_scene].content_note:
            page.get_by_role("button", name="Continue to the scene").click()
        page.get_by_role("button", name=scenario.choice(first_scene, first_choice).label).click()
        page.get_by_text("You chose:").wait_for()
        kernel = page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        code = page.locator(".hm-resume code").inner_text().strip()
        assert get(f"{course_server.url}/api/kernels/{kernel}")[0] == 200
        assert any(c["name"] == "_xsrf" for c in context.cookies())
        # Typed, and the page left at once: before the kernel's save (a second later) is due.
        page.get_by_role("textbox", name="Your reflection").fill("written just before leaving")
        page.goto("about:blank")  # the learner leaves: Voila's page asks for its kernel's end
        deadline = time.monotonic() + 30
        while get(f"{course_server.url}/api/kernels/{kernel}")[0] != 404:
            assert time.monotonic() < deadline, "the page's kernel was still running after 30 s"
            time.sleep(0.5)
    finally:
        context.close()
    from casework.store import JourneyStore

    assert course_server.data is not None
    store = JourneyStore(f"sqlite:///{course_server.data / 'journeys.sqlite'}")
    try:
        journey = store.load(code, load_case("nicholls"))
    finally:
        store.close()
    assert journey is not None
    assert "written just before leaving" in journey.reflections.values()


# --- preheated kernels ---------------------------------------------------------------------

#: A pool of one preheated kernel for one case page, refilled at once for the next learner.
PREHEAT = {"pool_size": 1, "only": "cases/nicholls", "fill_delay": 0}
#: The cell timeout for this server, shorter than ``make start``'s minute so that a pooled
#: kernel can be kept waiting past it within a test.
PREHEAT_CELL_TIMEOUT = 10


@pytest.fixture(scope="module")
def preheated_server(
    browser: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Path]]:
    """The course served as ``make start`` serves it, plus a pool of preheated kernels."""
    from casework.serve import preheat_arguments, voila_command, voila_environment

    port = free_port()
    command = [
        *voila_command(port=port, cell_timeout=PREHEAT_CELL_TIMEOUT),
        *preheat_arguments(**PREHEAT),
    ]
    folder = tmp_path_factory.mktemp("preheated")
    with running_course(command, port, folder, voila_environment()) as server:
        assert server.data is not None
        yield server, server.data


def kernels_waiting(server: Server) -> set[str]:
    """The ids of the kernels the server runs now (before a visit: the pool's), read from
    its kernel processes (standalone Voila serves no list of kernels)."""
    import re

    import psutil

    found = set()
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            command = " ".join(child.cmdline())
        except psutil.Error:  # a kernel just stopped
            continue
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", command)
        if match and "ipykernel" in command:
            found.add(match.group(1))
    return found


def page_kernel(page: Any) -> str:
    return page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )


def wait_for_pool(server: Server) -> set[str]:
    """Wait until the pool holds a kernel, and return what it holds."""
    deadline = time.monotonic() + 60
    while not (waiting := kernels_waiting(server)):
        assert time.monotonic() < deadline, "the pool never filled"
        time.sleep(0.5)
    return waiting


def test_a_preheated_page_reads_its_own_address_and_no_one_elses(
    browser: Any, preheated_server: tuple[Server, Path]
) -> None:
    """A preheated kernel is started before its request: Voila hands the address over later,
    and gives the kernel that refills the pool the previous request's address (with that
    learner's resume code) in its environment. Each page must resume from its own address."""
    from casework.store import JourneyStore, display_token

    server, data = preheated_server
    scenario = load_case("nicholls")
    store = JourneyStore(f"sqlite:///{data / 'journeys.sqlite'}")
    token, journey = store.start(scenario)
    journey.choose(scenario, study_path_steps(scenario)[0][1])
    store.save(token, journey)
    store.close()
    address = f"{server.url}/voila/render/cases/nicholls.ipynb"

    first = browser.new_context()
    try:
        page = first.new_page()
        pool = wait_for_pool(server)
        page.goto(f"{address}?resume={token}", wait_until="commit")
        wait_for_player(page, server)
        assert page_kernel(page) in pool, "the page did not come from the pool"
        page.locator(".hm-resume code").wait_for()
        assert page.locator(".hm-resume code").inner_text().strip() == display_token(token)
        assert "Steps so far (1)" in page.locator(".hm-timeline").inner_text()
    finally:
        first.close()

    # The next learner opens the page without a code, in the kernel that refilled the pool.
    second = browser.new_context()
    try:
        page = second.new_page()
        pool = wait_for_pool(server)
        page.goto(address, wait_until="commit")
        wait_for_player(page, server)
        assert page_kernel(page) in pool, "the page did not come from the pool"
        page.get_by_role("button", name="Begin the case").wait_for()
        code = page.locator(".hm-resume code").inner_text().strip()
        assert code and code != display_token(token), "a page resumed another learner's journey"
        link = page.locator(".hm-resume a").get_attribute("href") or ""
        assert link.startswith(address) and token not in link
    finally:
        second.close()


def test_a_pooled_page_still_opens_after_waiting_longer_than_the_cell_timeout(
    browser: Any, preheated_server: tuple[Server, Path]
) -> None:
    """A pooled kernel may wait an hour for its learner. The page's cell must not wait with
    it: a cell open past the cell timeout is an error, and the learner would get a broken page.
    """
    server, _ = preheated_server
    pool = wait_for_pool(server)
    time.sleep(PREHEAT_CELL_TIMEOUT + 4)  # the pool's kernel has now waited past the timeout
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{server.url}/voila/render/cases/nicholls.ipynb", wait_until="commit")
        wait_for_player(page, server)
        assert page_kernel(page) in pool, "the page did not come from the pool"
        page.get_by_role("button", name="Begin the case").wait_for()
        assert "error" not in page.locator("body").inner_text().lower()
    finally:
        context.close()
    assert "timed out" not in server.log.read_text(errors="replace")


def test_a_preheated_page_is_ready_before_its_learner_and_brings_them_back_on_reload(
    browser: Any, preheated_server: tuple[Server, Path]
) -> None:
    """The pool builds the whole player before anyone comes; the hand-over only adds what
    depends on the learner. A reload then comes from the pool too, and finds the learner's
    journey by the code their browser keeps (the cookie reaches the kernel with the request)."""
    server, _ = preheated_server
    scenario = load_case("nicholls")
    first_scene, first_choice = study_path_steps(scenario)[0]
    label = scenario.choice(first_scene, first_choice).label
    context = browser.new_context()
    try:
        page = context.new_page()
        pool = wait_for_pool(server)
        page.goto(f"{server.url}/voila/render/cases/nicholls.ipynb", wait_until="commit")
        wait_for_player(page, server)
        assert page_kernel(page) in pool, "the page did not come from the pool"
        page.get_by_role("button", name="Begin the case").click()
        if scenario.scenes[first_scene].content_note:
            page.get_by_role("button", name="Continue to the scene").click()
        if scenario.scenes[first_scene].first_answer:
            page.get_by_role("button", name="Show me the options").click()
        page.get_by_role("button", name=label, exact=True).click()
        page.locator(".hm-consequence h3", has_text=f"You chose: {label}").wait_for()
        code = page.locator(".hm-resume code").inner_text().strip()
        pool = wait_for_pool(server)
        page.reload(wait_until="commit")
        wait_for_player(page, server)
        assert page_kernel(page) in pool, "the reloaded page did not come from the pool"
        page.locator(".hm-consequence h3", has_text=f"You chose: {label}").wait_for()
        assert page.locator(".hm-resume code").inner_text().strip() == code
    finally:
        context.close()
