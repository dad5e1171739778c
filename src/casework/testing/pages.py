"""A case page in Chromium, driven as a learner drives it and timed on the page's own clock.

Two benchmarks open the Clarke case in Debian's headless Chromium and must measure the same
thing in the same way: ``benchmarks/voila_speed.py`` (the course under Voila, against a static
floor page) and ``benchmarks/learner_server_memory.py`` (a learner's own Jupyter Server, as
JupyterHub runs it). One copy of how a page is opened, when it counts as usable, and how a
choice is made and timed keeps their figures comparable: a change here changes both.

Times come from the page (``performance.now()``, polled every animation frame), so they
include the browser drawing the answer and leave out Playwright's round trips. What a page
must show next is worked out from the model (``Progress``), not read back from the page, so
a page that shows the wrong thing fails instead of being timed. Playwright (the ``browser``
extra) is driven here, never imported: callers pass in its objects.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from casework.catalog import load_case
from casework.paths import study_path_steps
from casework.scenario import Ending, Scene
from casework.trust_model import trajectory

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

__all__ = [
    "CASE",
    "CLICK_UNTIL",
    "CONSEQUENCE_SHOWN",
    "MARKS",
    "PAGE",
    "SCENE_SHOWN",
    "Progress",
    "click_until",
    "first_scene_args",
    "open_page",
    "pass_note",
    "play",
    "restart",
]

#: The case the benchmarks play: the longest of the course's, with content notes and endings.
CASE = "clarke"
#: Its page under Voila, on ``casework serve`` and in a learner's server alike.
PAGE = f"/voila/render/cases/{CASE}.ipynb"

#: Installed into every page before it loads: marks, on the page's own clock (ms from the
#: start of navigation), when the first button is live and when the chart is drawn. Voila
#: draws widgets only once the page's kernel answers, so "clickable" is when a learner can
#: first do anything.
MARKS = """(() => {
  const marks = {};
  window.__marks = marks;
  const look = () => {
    if (!marks.clickable) {
      for (const b of document.querySelectorAll('button')) {
        if (b.textContent.trim() === 'Begin the case' && b.offsetParent !== null && !b.disabled) {
          marks.clickable = performance.now();
          break;
        }
      }
    }
    if (!marks.chart && document.querySelector('.js-plotly-plot .scatterlayer path.point'))
      marks.chart = performance.now();
    if (!marks.clickable || !marks.chart) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""

#: Click a button by its text and resolve with the milliseconds until ``ready`` holds, polled
#: every frame (so the time includes the browser drawing it).
CLICK_UNTIL = """async ([selector, label, ready, args]) => {
  const button = Array.from(document.querySelectorAll(selector))
    .find(b => b.textContent.trim() === label);
  if (!button) throw new Error('no button ' + label);
  const done = new Function('args', ready);
  const started = performance.now();
  button.click();
  return await new Promise((resolve, reject) => {
    const look = () => {
      if (done(args)) resolve(performance.now() - started);
      else if (performance.now() - started > 30000) reject(new Error('no answer to ' + label));
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
}"""

#: Ready after a choice: its consequence is shown and the chart has the expected points.
CONSEQUENCE_SHOWN = """
  const heading = document.querySelector('.hm-consequence h3');
  const trace = document.querySelector('.hm-chart .js-plotly-plot .scatterlayer .trace');
  return !!heading && heading.textContent.includes(args.label) && !!trace
    && trace.querySelectorAll('path.point').length === args.points;
"""
#: Ready after Continue: the next scene's choices, or its content note, are shown.
SCENE_SHOWN = """
  const heading = document.querySelector('.hm-scene h3');
  const note = Array.from(document.querySelectorAll('.hm-story button'))
    .find(b => b.textContent.trim() === 'Continue to the scene');
  return !!note || (!!heading && heading.textContent.includes(args.title)
    && document.querySelectorAll('.hm-choice').length === args.choices);
"""


async def open_page(
    browser: Browser, url: str, context: BrowserContext | None = None, timeout_s: float = 100
) -> tuple[BrowserContext, Page, dict[str, Any]]:
    """Open ``url`` in a fresh browser (cold cache) or ``context``; wait for its first button.

    Returns the context, the page and its timing in ms from the start of navigation:
    ``clickable`` and ``chart`` (from ``MARKS``), and the navigation's ``first_byte``,
    ``html_done`` and ``dom_ready``. A page that never finishes (Voila's lost-reply fault,
    about one load in forty on a busy machine; cells time out after a minute) is reloaded
    once, as a learner would, and its time counts from the first attempt (``reloaded``).
    """
    if context is None:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.add_init_script(MARKS)
    page = await context.new_page()
    started = time.monotonic()
    reloaded = False
    for attempt in range(2):
        await page.goto(url, wait_until="commit", timeout=180_000)
        try:
            await page.wait_for_function(
                "() => window.__marks && window.__marks.clickable && window.__marks.chart",
                timeout=timeout_s * 1000,
            )
            break
        except Exception as error:
            if attempt:
                marks = await page.evaluate("() => JSON.stringify(window.__marks || {})")
                raise RuntimeError(f"{error!s:.60} (marks reached: {marks})") from error
            reloaded = True
    timing: dict[str, Any] = await page.evaluate(
        """() => { const n = performance.getEntriesByType('navigation')[0] || {};
        return {clickable: window.__marks.clickable, chart: window.__marks.chart,
                first_byte: n.responseStart, html_done: n.responseEnd,
                dom_ready: n.domContentLoadedEventEnd};}"""
    )
    if reloaded:
        waited = (time.monotonic() - started) * 1000
        timing |= {"reloaded": True, "clickable": waited, "chart": waited}
    return context, page, timing


class Progress:
    """Where a learner is in the case, by the model: what the page must show next."""

    def __init__(self, case: str = CASE) -> None:
        self.scenario = load_case(case)
        self.taken: list[tuple[str, str]] = []

    def node(self) -> Scene | Ending:
        """The scene or ending the choices taken so far lead to."""
        return self.scenario.node(trajectory(self.scenario, self.taken).position)

    def scene(self) -> Scene:
        """The scene the learner is in: ``play`` starts again at every ending, so one."""
        node = self.node()
        assert isinstance(node, Scene), f"{node.id} is an ending"
        return node

    def points(self) -> int:
        """How many points the chart shows after the choices taken so far."""
        return len(trajectory(self.scenario, self.taken).points)


async def play(
    page: Page, choices: int, seed: int, *, floor: bool = False
) -> dict[str, list[float]]:
    """Make ``choices`` choices (the study path first, then random ones), timing each choice
    and each Continue. Restarts the case at every ending.

    Returns ``clicks`` (ms from a click on a choice to its consequence and the chart with one
    more point) and ``continues`` (ms from Continue to the next scene). ``floor``: the static
    page of ``benchmarks/voila_speed.py``, which knows only the study path and has no
    "Start the case again".
    """
    rng = random.Random(seed)
    study = study_path_steps(Progress().scenario)
    clicks: list[float] = []
    continues: list[float] = []
    path = Progress()
    await click_until(page, "button", "Begin the case", SCENE_SHOWN, first_scene_args(path))
    round_ = 0
    while len(clicks) < choices:
        node = path.scene()
        await pass_note(page, node.title)
        index = len(path.taken)
        if floor:
            choice = node.choices[[c.id for c in node.choices].index(study[index][1])]
        elif round_ == 0 and index < len(study):
            choice = path.scenario.choice(node.id, study[index][1])
        else:
            choice = rng.choice(node.choices)
        path.taken.append((node.id, choice.id))
        points = path.points()
        clicks.append(
            await click_until(
                page,
                ".hm-choice",
                choice.label,
                CONSEQUENCE_SHOWN,
                {"label": choice.label, "points": points},
            )
        )
        nxt = path.node()
        if isinstance(nxt, Ending) or (floor and len(path.taken) == len(study)):
            round_ += 1
            path.taken = []
            if floor:
                await click_until(page, "button", "Continue", SCENE_SHOWN, first_scene_args(path))
            else:
                await restart(page, path)
            continue
        label = "Continue" if floor else (await page.locator(".hm-primary").last.inner_text())
        continues.append(
            await click_until(
                page,
                "button",
                label.strip(),
                SCENE_SHOWN,
                {"title": nxt.title, "choices": len(nxt.choices)},
            )
        )
    return {"clicks": clicks, "continues": continues}


def first_scene_args(path: Progress) -> dict[str, Any]:
    """What ``SCENE_SHOWN`` waits for at the learner's scene: its title and its choices."""
    node = path.scene()
    return {"title": node.title, "choices": len(node.choices)}


async def click_until(page: Page, selector: str, label: str, ready: str, args: Any) -> float:
    """Click the ``selector`` button labelled ``label``; ms until the script ``ready`` (a
    function body of ``args``, like ``SCENE_SHOWN``) holds on the page."""
    return float(await page.evaluate(CLICK_UNTIL, [selector, label, ready, args]))


async def pass_note(page: Page, title: str) -> None:
    """Pass a scene's content note, if it has one, and wait for the scene titled ``title``."""
    note = page.locator(".hm-story button", has_text="Continue to the scene")
    if await note.count():
        await note.click()
    await page.locator(".hm-scene h3", has_text=title).wait_for(timeout=30_000)


async def restart(page: Page, path: Progress) -> None:
    """Start the case again as a learner does: the button, then its confirmation."""
    button = page.get_by_role("button", name="Start the case again")
    await button.click()
    await page.get_by_role("button", name="Press again to start again").click()
    await page.locator(".hm-status", has_text="back at the start").wait_for(timeout=30_000)
