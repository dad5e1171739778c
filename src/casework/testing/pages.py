"""A case page in Chromium, driven as a learner drives it and timed on the page's own clock.

Two benchmarks open the Clarke case in Debian's headless Chromium and must measure the same
thing in the same way: ``benchmarks/voila_speed.py`` (the course under Voila, against a static
floor page) and ``benchmarks/learner_server_memory.py`` (a learner's own Jupyter Server, as
JupyterHub runs it). One copy of how a page is opened, when it counts as usable, and how a
choice is made and timed keeps their figures comparable: a change here changes both.

Times come from the page (``performance.now()``, polled every animation frame), so they
include the browser drawing the answer and leave out Playwright's round trips. Each visit
also records, through Chromium's DevTools protocol, what it fetched (requests, bytes on the
wire, what came from the browser's cache, any other host) and how long the page's main
thread was busy, and running scripts, before its first button and before its chart. What a page
must show next is worked out from the model (``Progress``), not read back from the page, so
a page that shows the wrong thing fails instead of being timed. Playwright (the ``browser``
extra) is driven here, never imported: callers pass in its objects.
"""

from __future__ import annotations

import random
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from casework.catalog import load_case
from casework.paths import study_path_steps
from casework.scenario import Ending, Scene
from casework.trust_model import trajectory

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, CDPSession, Page

__all__ = [
    "CASE",
    "CLICK_UNTIL",
    "CONSEQUENCE_SHOWN",
    "MARKS",
    "PAGE",
    "SCENE_SHOWN",
    "Progress",
    "Visit",
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
#: start of navigation), when the first button is live, when the chart is drawn and when the
#: page's kernel websocket opened (``ws_open``). Voila draws widgets only once the page's
#: kernel answers, so "clickable" is when a learner can first do anything.
MARKS = """(() => {
  const marks = {};
  window.__marks = marks;
  if (window.WebSocket) {
    const Plain = window.WebSocket;
    window.WebSocket = class extends Plain {
      constructor(...args) {
        super(...args);
        this.addEventListener('open', () => {
          if (!marks.ws_open && String(args[0]).includes('/channels'))
            marks.ws_open = performance.now();
        });
      }
    };
  }
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
#: Ready after Continue: the next scene's choices, its content note, or the question it asks
#: before showing its options (a "first answer"), are shown.
SCENE_SHOWN = """
  const heading = document.querySelector('.hm-scene h3');
  const note = Array.from(document.querySelectorAll('.hm-story button'))
    .find(b => ['Continue to the scene', 'Show me the options'].includes(b.textContent.trim()));
  return !!note || (!!heading && heading.textContent.includes(args.title)
    && document.querySelectorAll('.hm-choice').length === args.choices);
"""


class Visit:
    """What one page visit fetched, seen through Chromium's DevTools protocol (``Network``),
    and the main thread's busy time (``Performance`` metrics) when asked for."""

    def __init__(self, session: CDPSession, origin: str) -> None:
        self.session = session
        self.origin = origin
        self.requests: dict[str, dict[str, Any]] = {}
        session.on("Network.requestWillBeSent", self._sent)
        session.on("Network.requestServedFromCache", self._cached)
        session.on("Network.responseReceived", self._response)
        session.on("Network.loadingFinished", self._finished)

    @classmethod
    async def start(cls, context: BrowserContext, page: Page, url: str) -> Visit:
        session = await context.new_cdp_session(page)
        visit = cls(session, urlsplit(url).netloc)
        await session.send("Network.enable")
        await session.send("Performance.enable")
        return visit

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if not url.startswith(("data:", "blob:")):
            entry = self.requests.setdefault(event["requestId"], {"bytes": 0, "cached": False})
            entry["url"] = url

    def _cached(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self.requests:
            self.requests[event["requestId"]]["cached"] = True

    def _response(self, event: dict[str, Any]) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            response = event["response"]
            entry["status"] = response.get("status")
            entry["cached"] |= bool(
                response.get("fromDiskCache") or response.get("fromMemoryCache")
            )
            headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            entry["encoding"] = headers.get("content-encoding")

    def _finished(self, event: dict[str, Any]) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is not None:
            entry["bytes"] = int(event.get("encodedDataLength") or 0)

    async def busy(self) -> dict[str, float]:
        """The page's main thread so far (ms): all its tasks, and running scripts."""
        answer = await self.session.send("Performance.getMetrics")
        metrics = {m["name"]: m["value"] for m in answer["metrics"]}
        return {
            "task_ms": round(metrics.get("TaskDuration", 0.0) * 1000, 1),
            "script_ms": round(metrics.get("ScriptDuration", 0.0) * 1000, 1),
        }

    def network(self) -> dict[str, Any]:
        """Requests so far: how many, bytes on the wire (headers included; nothing for what
        came from the cache), how many came from the cache, were revalidated (304) or went
        to another host than the page's."""
        entries = list(self.requests.values())
        return {
            "requests": len(entries),
            "bytes": sum(e["bytes"] for e in entries),
            "from_cache": sum(1 for e in entries if e["cached"]),
            "revalidated": sum(1 for e in entries if e.get("status") == 304),
            "compressed": sum(1 for e in entries if e.get("encoding")),
            "third_party": sorted(
                {
                    urlsplit(e["url"]).netloc
                    for e in entries
                    if urlsplit(e["url"]).netloc not in ("", self.origin)
                }
            ),
        }

    async def detach(self) -> None:
        with suppress(Exception):
            await self.session.detach()


async def open_page(
    browser: Browser, url: str, context: BrowserContext | None = None, timeout_s: float = 100
) -> tuple[BrowserContext, Page, dict[str, Any]]:
    """Open ``url`` in a fresh browser (cold cache) or ``context``; wait for its first button
    and its chart.

    Returns the context, the page and its timing in ms from the start of navigation:
    ``clickable``, ``chart`` and ``ws_open`` (from ``MARKS``), the navigation's
    ``first_byte``, ``html_done``, ``dom_ready`` (DOMContentLoaded) and ``load``; what the
    visit fetched (``Visit.network``: ``requests``, ``bytes``...); and the main thread's busy
    time before the first button (``task_ms``, ``script_ms``) and before the chart
    (``chart_task_ms``, ``chart_script_ms``). A page that never finishes (Voila's lost-reply
    fault, about one load in forty on a busy machine; cells time out after a minute) is
    reloaded once, as a learner would, and its time counts from the first attempt
    (``reloaded``).
    """
    if context is None:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        await context.add_init_script(MARKS)
    page = await context.new_page()
    visit = await Visit.start(context, page, url)
    started = time.monotonic()
    reloaded = False
    busy: dict[str, float] = {}
    for attempt in range(2):
        await page.goto(url, wait_until="commit", timeout=180_000)
        try:
            await page.wait_for_function(
                "() => window.__marks && window.__marks.clickable", timeout=timeout_s * 1000
            )
            busy = await visit.busy()
            await page.wait_for_function(
                "() => window.__marks.chart",
                timeout=max(1.0, timeout_s - (time.monotonic() - started)) * 1000,
            )
            break
        except Exception as error:
            if attempt:
                marks = await page.evaluate("() => JSON.stringify(window.__marks || {})")
                raise RuntimeError(f"{error!s:.60} (marks reached: {marks})") from error
            reloaded = True
    at_chart = await visit.busy()
    timing: dict[str, Any] = await page.evaluate(
        """() => { const n = performance.getEntriesByType('navigation')[0] || {};
        const m = window.__marks;
        return {clickable: m.clickable, chart: m.chart, ws_open: m.ws_open || null,
                first_byte: n.responseStart, html_done: n.responseEnd,
                dom_ready: n.domContentLoadedEventEnd, load: n.loadEventEnd || null};}"""
    )
    timing |= busy | {f"chart_{key}": value for key, value in at_chart.items()}
    timing |= visit.network()
    await visit.detach()
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
    """Pass a scene's content note, if it has one, and wait for the scene titled ``title``;
    skip the question some scenes ask before their options (the learner may write nothing)."""
    note = page.locator(".hm-story button", has_text="Continue to the scene")
    if await note.count():
        await note.click()
    await page.locator(".hm-scene h3", has_text=title).wait_for(timeout=30_000)
    first = page.locator(".hm-story button", has_text="Show me the options")
    if await first.count():
        await first.click()
        await page.locator(".hm-choice").first.wait_for(timeout=30_000)


async def restart(page: Page, path: Progress) -> None:
    """Start the case again as a learner does: the button, then its confirmation."""
    button = page.get_by_role("button", name="Start the case again")
    await button.click()
    await page.get_by_role("button", name="Press again to start again").click()
    await page.locator(".hm-status", has_text="back at the start").wait_for(timeout=30_000)
