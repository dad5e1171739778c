"""How fast and how heavy a case page is under Voila, as hosts would run it: measured, not asserted.

Starts the course with Voila exactly as ``casework serve`` (``make start``) configures it, then
again with a pool of preheated kernels for the case pages (``preheat_arguments``: pool of 2
per case page, refilled ``serve.POOL_FILL_DELAY_SECONDS`` after a kernel is taken), and, in
the same run, as it was served before the speed work of docs/speed.md (``before_command``:
Voila's own command, no compression or cache headers, jupyterlab-plotly's full plotly.js),
and drives Debian's headless Chromium (never a downloaded browser) through the Clarke case:

- **a visit's timeline** (``pages.open_page``): HTML received, DOMContentLoaded, load, the
  kernel's websocket open, first choice clickable ("Begin the case" visible and live: Voila
  draws widgets only once the page's kernel answers) and the chart drawn; what it fetched
  (requests, bytes on the wire, from the browser's cache, any third party) and how long the
  browser's main thread was busy (and running scripts) before the first button (Chromium's
  Performance metrics over the DevTools protocol). First visits have a cold browser cache;
  each is followed by a repeat visit in the same browser;
- **arrivals**: new visitors 10 s apart and 2 s apart, each staying on the page, more of them
  than the pool holds (the later ones get refilled kernels), and a burst of 10 at once who
  then choose together; with the pool, also a pool of 10 for the case for the burst;
- **a choice answered**: from a click on a choice to its consequence and the chart with one
  more point on screen, p50 and p95 over at least 30 choices (the study path, then random
  ones); "Continue" to the next scene is reported apart;
- **memory**: resident (RSS) and proportional (PSS: shared pages divided among the processes
  sharing them) memory of one learner's kernel after the choices, and of the burst's kernels
  and server. The browsers run on this machine too, so the floor has a burst row as well.

The **floor** is a static HTML page showing the same first scene, with the same styles and
the same plotly chart (plotly.js served from this machine), whose buttons answer in the
browser alone: what no server-side approach can beat. Every time is given as a ratio to the
floor's in the same run, then as measured. All the servers run for the whole run and every
step (a first and a repeat visit, an arrival pattern, the choices) is taken for each of them
in turn before the next step (``measure``), so that others' work on a shared machine falls on
all of them alike. Prints a table and writes ``benchmarks/results/latest.json``.

    .venv/bin/python benchmarks/voila_speed.py              # 11 to 19 minutes on 2 cores
    .venv/bin/python benchmarks/voila_speed.py --quick      # a smoke run, about 6 minutes
    .venv/bin/python benchmarks/voila_speed.py --parts warm --fill-delay 3 --out /tmp/w.json

The machine's load average is recorded: on a shared machine, compare figures within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil

from casework.paths import study_path_steps
from casework.serve import POOL_FILL_DELAY_SECONDS, preheat_arguments
from casework.testing.pages import CASE, PAGE, open_page, play
from casework.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MIB,
    Server,
    free_port,
    machine,
    memory,
    running,
    summary,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
GIB = 1024**3
#: The host this figure is for: a 24 GB machine keeps 20% for the system and the server.
HOST_MEMORY_GB = 24
HOST_HEADROOM = 0.8


# --- servers -----------------------------------------------------------------------------------


def before_command(port: int) -> list[str]:
    """The course as it was served before the speed work of docs/speed.md ("before"): Voila's
    own ``voila`` command (static files uncompressed, labextensions sent with ``no-cache``,
    Voila's scripts with no cache header) and jupyterlab-plotly's full plotly.js; the same
    options, template and player otherwise."""
    from casework.serve import FULL_CHART_EXTENSION, PAGE_EXTENSIONS, voila_options

    program = shutil.which("voila", path=str(Path(sys.executable).parent))
    extensions = (*PAGE_EXTENSIONS[:-1], FULL_CHART_EXTENSION)
    return [
        *([program] if program else [sys.executable, "-m", "voila"]),
        *voila_options(port=port, extensions=extensions),
    ]


@contextmanager
def voila(extra: Sequence[str] = (), before: bool = False) -> Iterator[Server]:
    """The course under Voila, as ``casework serve`` starts it (or as it was served before,
    ``before_command``), plus ``extra`` arguments.

    Its journey store and log are in a temporary folder, removed afterwards; set
    HM_BENCH_KEEP_LOGS to a folder to keep the log there.
    """
    from casework.serve import voila_command, voila_environment

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="hm-bench-"))
    log = folder / "voila.log"
    store = folder / "store"
    command = before_command(port) if before else voila_command(port=port)
    try:
        with running(
            [*command, *extra],
            f"http://127.0.0.1:{port}",
            log=log,
            env=voila_environment() | {"CASEWORK_DATA_DIR": str(store)},
            cwd=ROOT,
            timeout=120,
            stop_grace=30,
            data=store,
        ) as server:
            yield server
    finally:
        keep = os.environ.get("HM_BENCH_KEEP_LOGS")
        if keep and log.exists():
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(log, Path(keep) / f"voila-{int(time.time())}-{port}.log")
        shutil.rmtree(folder, ignore_errors=True)


def kernel_of(server: Server, kernel_id: str) -> psutil.Process:
    """The process of the kernel ``kernel_id`` under ``server``."""
    for child in server.kernels():
        if f"kernel-{kernel_id}.json" in " ".join(child.cmdline()):
            return child
    raise LookupError(f"no kernel process for {kernel_id}")


def wait_settled(server: Server, kernels: int, timeout: float = 240) -> float:
    """Wait until ``kernels`` kernels run and all of them are idle; seconds waited."""
    return wait_all_settled([(server, kernels)], timeout)


def wait_all_settled(servers: Sequence[tuple[Server, int]], timeout: float = 240) -> float:
    """Wait until every server runs at least its number of kernels and all of them, and the
    servers themselves, are idle (three half-second looks in a row); seconds waited."""
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout:
        enough = True
        processes: list[psutil.Process] = []
        for server, kernels in servers:
            running_now = server.kernels()
            enough &= len(running_now) >= kernels
            processes += running_now
            with suppress(psutil.Error):
                processes.append(psutil.Process(server.process.pid))
        for process in processes:
            with suppress(psutil.Error):
                process.cpu_percent(interval=None)  # starts the count
        time.sleep(0.5)
        busy = 0.0
        for process in processes:
            with suppress(psutil.Error):
                busy += process.cpu_percent(interval=None)
        quiet = quiet + 1 if enough and busy < 3 * len(processes) + 1 else 0
        if quiet >= 3:
            return time.monotonic() - started
    raise RuntimeError(f"{[k for _, k in servers]} kernels did not settle within {timeout} s")


class StaticFloor:
    """The same first scene as a static page: HTML, the course's styles, plotly.js."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hm-floor-"))
        self._write()
        handler = partial(_QuietHandler, directory=str(self.folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _write(self) -> None:
        import plotly

        from casework import views
        from casework.catalog import load_case
        from casework.journey import Journey
        from casework.player import CHART_CONFIG, STYLE
        from casework.plots import relationship_chart
        from casework.trust_model import trajectory

        scenario = load_case(CASE)
        shutil.copy(
            Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
            self.folder / "plotly.min.js",
        )
        path = trajectory(scenario, [])
        steps = []  # every step of the study path, drawn as the player draws it
        taken: list[tuple[str, str]] = []
        for scene_id, choice_id in study_path_steps(scenario):
            scene = scenario.scenes[scene_id]
            before = trajectory(scenario, taken)
            taken.append((scene_id, choice_id))
            after = trajectory(scenario, taken)
            choice = scenario.choice(scene_id, choice_id)
            moved = views.movement_lines(scenario, before.points[-1].values, after.steps[-1].values)
            steps.append(
                {
                    "scene": views.scene_html(scenario, scene),
                    "choices": [c.label for c in scene.choices],
                    "label": choice.label,
                    "consequence": views.consequence_html(scenario, choice, moved),
                    "figure": relationship_chart(scenario, after),
                }
            )
        data = {
            "start": relationship_chart(scenario, path),
            "config": CHART_CONFIG,
            "steps": steps,
        }
        (self.folder / "case.js").write_text(
            "window.CASE = " + json.dumps(data) + ";\n" + FLOOR_SCRIPT, encoding="utf-8"
        )
        journey = Journey.new(scenario)
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{views.escape(scenario.title)}</title>{STYLE}"
            '<script defer src="plotly.min.js"></script><script defer src="case.js"></script>'
            '</head><body><main class="hm-player">'
            f'<p class="hm-small"><strong>{views.escape(scenario.title)}</strong></p>'
            '<div class="hm-status"></div>'
            f'<div id="timeline">{views.timeline_html(scenario, journey, path)}</div>'
            '<div class="hm-main"><div class="hm-story" id="story">'
            f"{views.case_intro_html(scenario)}"
            '<button class="hm-primary widget-button">Begin the case</button></div>'
            '<div class="hm-chartpanel"><div class="hm-chart"><div id="chart"></div></div>'
            f"{views.chart_caption_html(scenario)}</div></div>"
            '<div class="hm-controls"><button>Step back one choice</button>'
            "<button>Start the case again</button></div></main></body></html>"
        )
        (self.folder / "index.html").write_text(page, encoding="utf-8")


#: The floor's buttons: scene, consequence and chart drawn in the browser, no server.
FLOOR_SCRIPT = """
const story = document.getElementById('story');
let step = 0;
function draw(figure) {
  return Plotly.react('chart', figure.data, figure.layout, CASE.config);
}
function showScene() {
  const s = CASE.steps[step % CASE.steps.length];
  story.innerHTML = s.scene + s.choices.map(
    c => '<button class="hm-choice widget-button">' + c + '</button>').join('');
}
story.addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button) return;
  const label = button.textContent.trim();
  if (label === 'Begin the case') { showScene(); return; }
  if (button.classList.contains('hm-choice')) {
    const s = CASE.steps[step % CASE.steps.length];
    story.innerHTML = s.consequence + '<button class="hm-primary widget-button">Continue</button>';
    draw(s.figure);
    return;
  }
  if (label === 'Continue') { step += 1; showScene(); }
});
draw(CASE.start);
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


# --- one learner --------------------------------------------------------------------------------


async def kernel_id(page: Any) -> str:
    return await page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )


async def leave(page: Any, server_url: str) -> None:
    """Close the page as a learner does (its unload handler runs), so that Voila stops its
    kernel; the course's template has given the browser the cookie Voila asks for."""
    with suppress(Exception):
        await page.close(run_before_unload=True)
        await asyncio.sleep(0.3)


async def close_page(context: Any, page: Any, server_url: str) -> None:
    await leave(page, server_url)
    await context.close()


# --- the measurements ---------------------------------------------------------------------------

#: What a visit's timing holds (``pages.open_page``), in the order of the page's timeline.
TIMELINE = ("html_done", "dom_ready", "load", "ws_open", "clickable", "chart")
#: And what it fetched and how busy the browser was.
VISIT_FIGURES = (
    "requests",
    "bytes",
    "from_cache",
    "revalidated",
    "task_ms",
    "script_ms",
    "chart_task_ms",
)


def visit_figures(visits: list[dict]) -> dict[str, Any]:
    """p50/p95/... of every timeline mark and visit figure over ``visits``."""
    figures: dict[str, Any] = {}
    for name in (*TIMELINE, "first_byte", *VISIT_FIGURES):
        values = [v[name] for v in visits if v.get(name) is not None]
        figures[f"{name}_ms" if name in (*TIMELINE, "first_byte") else name] = summary(values)
    figures["third_party"] = sorted({h for v in visits for h in v.get("third_party", [])})
    figures["reloaded"] = sum(1 for v in visits if v.get("reloaded"))
    return figures


async def arrivals(browser: Any, url: str, learners: int, spacing: float) -> dict[str, Any]:
    """``learners`` new visitors (cold caches), the next one ``spacing`` seconds after the
    last (0: all at once); each stays on the page (a learner reading) until all have come.
    More of them than the pool holds, so the later ones get kernels the pool refilled. The
    opened pages are left open, in ``_opened``."""

    async def arrive(index: int) -> tuple[Any, Any, dict] | None:
        await asyncio.sleep(index * spacing)
        try:
            return await open_page(browser, url)
        except Exception as error:  # counted: a page that never came, even after a reload
            print(f"    a learner's page never became usable: {error!s:.100}", flush=True)
            return None

    arrived = await asyncio.gather(*(arrive(i) for i in range(learners)))
    opened = [a for a in arrived if a is not None]
    return {
        "learners": learners,
        "spacing_s": spacing,
        "never_usable": learners - len(opened),
        **visit_figures([t for _, _, t in opened]),
        "raw_clickable_ms": [round(t["clickable"]) for _, _, t in opened],
        "_opened": opened,
    }


async def close_all(opened: list[tuple[Any, Any, dict]], server_url: str) -> None:
    for context, page, _ in opened:
        await close_page(context, page, server_url)


def learner_figures(learner: dict[str, Any]) -> dict[str, Any]:
    """What ``one_learner`` measured, as the results record it."""
    figures = {"click_ms": summary(learner["clicks"]), "continue_ms": summary(learner["continues"])}
    if "kernel_loaded" in learner:
        figures |= {
            "kernel_loaded": learner["kernel_loaded"],
            "kernel_after_choices": learner["kernel_after"],
        }
    return figures


async def one_learner(browser: Any, target: Target, choices: int) -> dict[str, Any]:
    context, page, timing = await open_page(browser, target.url)
    if target.server is None:  # the floor: no kernel
        played = await play(page, choices, seed=1, floor=True)
        await context.close()
        return {"timing": timing, **played}
    kernel = kernel_of(target.server, await kernel_id(page))
    loaded = memory(kernel.pid)
    played = await play(page, choices, seed=1)
    after = memory(kernel.pid)
    await close_page(context, page, target.server.url)
    return {"timing": timing, "kernel_loaded": loaded, "kernel_after": after, **played}


async def burst(browser: Any, target: Target, learners: int, choices: int) -> dict[str, Any]:
    """``learners`` cold browsers open the page at the same moment, then all choose."""
    came = await arrivals(browser, target.url, learners, 0)
    opened = came.pop("_opened")
    server = target.server
    if server is None:  # the floor: the browsers' own share of a burst
        for context, _, _ in opened:
            await context.close()
        return came
    ids = [await kernel_id(page) for _, page, _ in opened]
    played = await asyncio.gather(
        *(play(page, choices, seed=i) for i, (_, page, _) in enumerate(opened)),
        return_exceptions=True,
    )
    clicks = [c for p in played if isinstance(p, dict) for c in p["clicks"]]
    kernels = []
    for kernel in ids:
        with suppress(LookupError, psutil.Error):
            kernels.append(memory(kernel_of(server, kernel).pid))
    came |= {
        "click_ms": summary(clicks),
        "kernel_rss_mb": summary([k["rss_mb"] for k in kernels]),
        "kernel_pss_mb": summary([k["pss_mb"] for k in kernels]),
        "kernels_rss_total_mb": round(sum(k["rss_mb"] for k in kernels), 1),
        "kernels_pss_total_mb": round(sum(k["pss_mb"] for k in kernels), 1),
        "server": memory(server.process.pid),
    }
    await close_all(opened, server.url)
    return came


#: What can be measured, each a server (or the floor) kept running for the whole run.
PARTS = ("floor", "before", "before_pool", "cold", "warm", "workshop")


@dataclass
class Target:
    """One configuration under measurement: its page, its server (none for the floor), its
    idle pool (kernels to wait for), the arrival patterns and whether choices are timed."""

    name: str
    url: str
    server: Server | None
    kernels: int
    patterns: tuple[str, ...]
    choices: bool = True


def patterns(arguments: argparse.Namespace) -> list[tuple[str, int, float]]:
    """The arrival patterns: name, learners, seconds between them (0: a burst)."""
    return [
        ("apart_10s", arguments.arrivals, 10.0),
        ("apart_2s", arguments.arrivals, 2.0),
        ("burst", arguments.burst, 0.0),
    ]


def settle(targets: Sequence[Target]) -> None:
    """Every server idle, its pool full: each measurement starts from a quiet machine."""
    wait_all_settled([(t.server, t.kernels) for t in targets if t.server is not None])


async def measure(
    browser: Any, arguments: argparse.Namespace, targets: list[Target]
) -> dict[str, dict[str, Any]]:
    """Every measurement for every target, **interleaved**: each step (a first and a repeat
    visit, an arrival pattern, one learner's choices) runs for one target after another
    before the next step, so that others' work on a shared machine falls on all of them
    alike. The servers all run for the whole run (idle ones cost no CPU)."""
    results: dict[str, dict[str, Any]] = {t.name: {} for t in targets}
    loads: dict[str, dict[str, list[dict]]] = {t.name: {"first": [], "repeat": []} for t in targets}

    def note(target: Target, part: str) -> None:
        results[target.name].setdefault("load_average", {})[part] = [
            round(x, 1) for x in os.getloadavg()
        ]

    print(f"first and repeat visits ({arguments.repeats} each) ...", flush=True)
    for target in targets:
        if target.server is not None:
            settle(targets)
            context, page, very_first = await open_page(browser, target.url)
            await close_page(context, page, target.server.url)
            results[target.name]["very_first_after_start_ms"] = round(very_first["clickable"], 1)
    for _ in range(arguments.repeats):
        for target in targets:
            if "loads" not in target.patterns:
                continue
            note(target, "loads")
            settle(targets)
            context, page, timing = await open_page(browser, target.url)
            loads[target.name]["first"].append(timing)
            await leave(page, target.url)
            settle(targets)
            _, again, timing = await open_page(browser, target.url, context)
            loads[target.name]["repeat"].append(timing)
            await close_page(context, again, target.url)
    for target in targets:
        if loads[target.name]["first"]:
            results[target.name] |= {
                "first": visit_figures(loads[target.name]["first"]),
                "repeat": visit_figures(loads[target.name]["repeat"]),
                "raw_first": loads[target.name]["first"],
            }
    for name, learners, spacing in patterns(arguments):
        for target in targets:
            if name not in target.patterns:
                continue
            print(f"  {target.name}: {learners} learners {spacing:g} s apart ...", flush=True)
            settle(targets)
            note(target, name)
            if spacing == 0:
                results[target.name][name] = await burst(
                    browser, target, learners, arguments.together_choices
                )
            else:
                came = await arrivals(browser, target.url, learners, spacing)
                await close_all(came.pop("_opened"), target.url)
                results[target.name][name] = came
    print(f"one learner's {arguments.choices} choices ...", flush=True)
    for target in targets:
        if target.choices:
            settle(targets)
            note(target, "choices")
            results[target.name] |= learner_figures(
                await one_learner(browser, target, arguments.choices)
            )
    return results


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """Start every configuration asked for (each waited for until its pool is full and idle),
    then measure them all, interleaved."""
    from playwright.async_api import async_playwright

    all_patterns = ("loads", "apart_10s", "apart_2s", "burst")
    pool = preheat_arguments(arguments.pool_size, fill_delay=arguments.fill_delay)
    pool_kernels = arguments.pool_size * len(case_pages())
    n = arguments.burst
    workshop = preheat_arguments(n, only=f"cases/{CASE}", fill_delay=arguments.fill_delay)
    servers: dict[str, tuple[Any, int, tuple[str, ...], bool, str]] = {
        "before": (partial(voila, before=True), 0, ("loads",), True, "before, no pool"),
        "before_pool": (
            partial(voila, pool, before=True),
            pool_kernels,
            ("loads", "apart_2s"),
            False,
            f"before, pool {arguments.pool_size}",
        ),
        "cold": (voila, 0, all_patterns, True, "make start, no pool"),
        "warm": (
            partial(voila, pool),
            pool_kernels,
            all_patterns,
            True,
            f"pool {arguments.pool_size}, refilled after {arguments.fill_delay:g} s",
        ),
        "workshop": (partial(voila, workshop), n, ("burst",), False, f"pool {n} for the case"),
    }
    targets: list[Target] = []
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        floor = None
        if "floor" in arguments.parts:
            floor = StaticFloor()
            stack.callback(floor.stop)
            targets.append(Target("floor", floor.url + "/index.html", None, 0, all_patterns))
        for name, (start, kernels, measured, choices, title) in servers.items():
            if name not in arguments.parts:
                continue
            print(f"starting Voila: {title} ...", flush=True)
            server = stack.enter_context(start())
            filled = wait_settled(server, kernels, timeout=600)
            results[name] = {"pool_filled_s": round(filled, 1)} if kernels else {}
            if kernels:
                idle = [memory(k.pid) for k in server.kernels()]
                results[name] |= {
                    "idle_pool_kernels": len(idle),
                    "idle_pool_rss_mb": round(sum(k["rss_mb"] for k in idle), 1),
                    "idle_pool_pss_mb": round(sum(k["pss_mb"] for k in idle), 1),
                }
            targets.append(Target(name, server.url + PAGE, server, kernels, measured, choices))
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                measured_all = await measure(browser, arguments, targets)
            finally:
                await browser.close()
        for name, figures in measured_all.items():
            results[name] = results.get(name, {}) | figures
    return results


def case_pages() -> list[Path]:
    return sorted((ROOT / "course" / "cases").glob("*.ipynb"))


# --- the report ---------------------------------------------------------------------------------


def capacity(pss_per_learner_mb: float, server_mb: float) -> int:
    """Learners whose kernels fit in a 24 GB host, after headroom and the server itself."""
    usable = HOST_MEMORY_GB * 1000**3 * HOST_HEADROOM / MIB - server_mb
    return int(usable // pss_per_learner_mb)


def _get(results: dict[str, Any], column: str, path: str) -> float | None:
    value: Any = results.get(column)
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


#: The table's columns: the floor first, then the servers.
COLUMNS = ("floor", "before", "before_pool", "cold", "warm", "workshop")


def column_names(arguments: argparse.Namespace) -> dict[str, str]:
    return {
        "floor": "static floor",
        "before": "before: no pool",
        "before_pool": f"before: pool {arguments.pool_size}",
        "cold": "no pool (make start)",
        "warm": f"pool {arguments.pool_size} (make start POOL={arguments.pool_size})",
        "workshop": f"pool {arguments.burst} for the case",
    }


def rows(arguments: argparse.Namespace) -> list[tuple[str, str, str, str | None]]:
    """(measure, unit, path in a column's results, path in the floor's when it differs)."""
    a, b = arguments.arrivals, arguments.burst
    time_rows = [
        ("first visit: first choice clickable (p50)", "ms", "first.clickable_ms.p50", None),
        ("first visit: first choice clickable (max)", "ms", "first.clickable_ms.max", None),
        ("repeat visit: first choice clickable (p50)", "ms", "repeat.clickable_ms.p50", None),
        ("first visit: HTML received (p50)", "ms", "first.html_done_ms.p50", None),
        ("first visit: DOMContentLoaded (p50)", "ms", "first.dom_ready_ms.p50", None),
        ("first visit: load event (p50)", "ms", "first.load_ms.p50", None),
        ("first visit: kernel websocket open (p50)", "ms", "first.ws_open_ms.p50", None),
        ("first visit: chart drawn (p50)", "ms", "first.chart_ms.p50", None),
        (
            "first visit: browser main thread busy before the first button (p50)",
            "ms",
            "first.task_ms.p50",
            None,
        ),
        (
            "first visit: of which running scripts (p50)",
            "ms",
            "first.script_ms.p50",
            None,
        ),
        (
            f"{a} learners 10 s apart: first choice clickable (p50)",
            "ms",
            "apart_10s.clickable_ms.p50",
            None,
        ),
        (
            f"{a} learners 10 s apart: first choice clickable (max)",
            "ms",
            "apart_10s.clickable_ms.max",
            None,
        ),
        (
            f"{a} learners 2 s apart: first choice clickable (p50)",
            "ms",
            "apart_2s.clickable_ms.p50",
            None,
        ),
        (
            f"{a} learners 2 s apart: first choice clickable (max)",
            "ms",
            "apart_2s.clickable_ms.max",
            None,
        ),
        (
            f"{b} at once: first choice clickable (p50)",
            "ms",
            "burst.clickable_ms.p50",
            None,
        ),
        (f"{b} at once: first choice clickable (max)", "ms", "burst.clickable_ms.max", None),
        (
            f"{b} at once: server sent the last page",
            "ms",
            "burst.html_done_ms.max",
            None,
        ),
        ("a choice answered: consequence + chart (p50)", "ms", "click_ms.p50", None),
        ("a choice answered: consequence + chart (p95)", "ms", "click_ms.p95", None),
        ("continue to the next scene (p95)", "ms", "continue_ms.p95", None),
        (f"{b} at once: a choice answered (p95)", "ms", "burst.click_ms.p95", "click_ms.p95"),
    ]
    other_rows = [
        ("first visit: requests", "n", "first.requests.p50", None),
        ("first visit: transferred", "MB", "first.bytes.p50", None),
        ("repeat visit: requests", "n", "repeat.requests.p50", None),
        ("repeat visit: of which from the browser's cache", "n", "repeat.from_cache.p50", None),
        ("repeat visit: transferred", "MB", "repeat.bytes.p50", None),
        (
            f"one learner's kernel after {arguments.choices} choices (RSS)",
            "MB",
            "kernel_after_choices.rss_mb",
            "-",
        ),
        (
            f"one learner's kernel after {arguments.choices} choices (PSS)",
            "MB",
            "kernel_after_choices.pss_mb",
            "-",
        ),
        (f"{b} learners: all their kernels (PSS)", "MB", "burst.kernels_pss_total_mb", "-"),
        (f"{b} learners: the Voila server (RSS)", "MB", "burst.server.rss_mb", "-"),
    ]
    return time_rows + other_rows


def table(results: dict[str, Any], arguments: argparse.Namespace) -> tuple[str, dict, dict]:
    """The table for the README: every time as a ratio to the static floor's in the same run,
    then the figure itself; bytes and requests as they are."""
    names = column_names(arguments)
    columns = [c for c in COLUMNS if c in results]
    head = ["measure", *(names[c] for c in columns)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def value(column: str, path: str, unit: str) -> float | None:
        found = _get(results, column, path)
        if found is not None and unit == "MB" and path.endswith(".p50"):
            found /= 1e6  # bytes
        return found

    for name, unit, path, floor_path in rows(arguments):
        values = {
            c: value(c, path if c != "floor" else (floor_path or path), unit) for c in columns
        }
        if floor_path == "-":
            values["floor"] = None
        if all(v is None for c, v in values.items() if c != "floor"):
            continue
        base = values.get("floor")
        cells = []
        for column in columns:
            v = values[column]
            if v is None:
                cells.append("–")
            elif unit == "ms" and base and column != "floor":
                cells.append(f"**{v / base:.1f}x** ({v:,.0f} ms)")
            elif unit == "MB":
                cells.append(f"{v:,.2f} MB" if v < 100 else f"{v:,.0f} MB")
            else:
                cells.append(f"{v:,.0f}{' ms' if unit == 'ms' else ''}")
        lines.append(f"| {name} ({unit}) | " + " | ".join(cells) + " |")
    hosts: dict[str, Any] = {}
    pss = _get(results, "cold", "burst.kernel_pss_mb.p50")
    rss = _get(results, "cold", "burst.kernel_rss_mb.p50")
    server = _get(results, "cold", "burst.server.rss_mb")
    if pss and rss and server:
        hosts = {
            "per_learner_pss_mb": pss,
            "per_learner_rss_mb": rss,
            "learners_per_24gb_by_pss": capacity(pss, server),
            "learners_per_24gb_by_rss": capacity(rss, server),
        }
        lines.append(
            f"\nLearners per {HOST_MEMORY_GB} GB host, by memory (80% of it for kernels, "
            f"idle kernels culled): about {hosts['learners_per_24gb_by_pss']} counting shared "
            f"pages once (PSS {pss:.0f} MB a learner), {hosts['learners_per_24gb_by_rss']} if "
            f"nothing were shared (RSS {rss:.0f} MB)."
        )
    goals = goals_met(results)
    if goals:
        lines.append("\nGoals (ratios to the static floor, same run):")
        lines += [f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in goals.items()]
    return "\n".join(lines), hosts, goals


def goals_met(results: dict[str, Any]) -> dict[str, bool]:
    """The issue's goals, read off this run's figures."""

    def ratio(column: str, path: str, floor_path: str | None = None) -> float | None:
        v, base = _get(results, column, path), _get(results, "floor", floor_path or path)
        return v / base if v is not None and base else None

    goals: dict[str, bool] = {}
    pooled = ratio("warm", "first.clickable_ms.p50")
    cold = _get(results, "cold", "first.clickable_ms.p50")
    warm = _get(results, "warm", "first.clickable_ms.p50")
    if pooled is not None and cold is not None and warm is not None:
        goals[
            f"first choice clickable with a pool at most 8x the floor ({pooled:.1f}x) "
            f"and below no pool ({warm:,.0f} vs {cold:,.0f} ms)"
        ] = pooled <= 8 and warm < cold
    for name in ("apart_2s", "apart_10s", "burst"):
        c = _get(results, "cold", f"{name}.clickable_ms.p50")
        w = _get(results, "warm", f"{name}.clickable_ms.p50")
        if c is not None and w is not None:
            goals[f"{name}: pool below no pool at p50 ({w:,.0f} vs {c:,.0f} ms)"] = w < c
    for column in ("cold", "warm"):
        repeat = ratio(column, "repeat.clickable_ms.p50")
        if repeat is not None:
            goals[f"{column}: a repeat visit at most 5x the floor ({repeat:.1f}x)"] = repeat <= 5
        sent = _get(results, column, "first.bytes.p50")
        if sent is not None:
            goals[f"{column}: a first visit under 3 MB ({sent / 1e6:.2f} MB)"] = sent < 3e6
        click = ratio(column, "click_ms.p95")
        if click is not None:
            goals[f"{column}: a choice answered at most 3x the floor at p95 ({click:.1f}x)"] = (
                click <= 3
            )
    for column in COLUMNS:
        for part in ("first", "repeat"):
            hosts = (results.get(column, {}).get(part) or {}).get("third_party")
            if hosts:
                goals[f"{column} {part}: nothing from a third party ({hosts})"] = False
    return goals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool-size", type=int, default=2, help="preheated kernels per case page")
    parser.add_argument("--burst", type=int, default=10, help="learners arriving at once")
    parser.add_argument("--arrivals", type=int, default=5, help="learners per arrival pattern")
    parser.add_argument(
        "--fill-delay",
        type=float,
        default=POOL_FILL_DELAY_SECONDS,
        help="seconds before Voila refills its pool",
    )
    parser.add_argument("--repeats", type=int, default=5, help="page loads per configuration")
    parser.add_argument("--choices", type=int, default=32, help="timed choices, one learner")
    parser.add_argument("--together-choices", type=int, default=5, help="choices per learner")
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"what to measure, of {','.join(PARTS)}"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    arguments = parser.parse_args()
    arguments.parts = set(arguments.parts.split(","))
    if arguments.quick:
        arguments.repeats, arguments.choices, arguments.arrivals = 2, 10, 3
        arguments.burst, arguments.together_choices = 3, 3
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium (never `playwright install`)")

    load_before = os.getloadavg()
    started = time.monotonic()
    results = asyncio.run(run(arguments))
    report, hosts, goals = table(results, arguments)
    print()
    print(report)
    from casework.serve import PAGE_EXTENSIONS, voila_options

    # The machine as write_results records it, and what this benchmark adds to it.
    host = machine() | {
        "memory_gb": round(psutil.virtual_memory().total / GIB, 1),
        "chromium": subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "load_average_before": [round(x, 1) for x in load_before],
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
    }
    document = {
        "benchmark": "voila_speed",
        "case": CASE,
        "settings": {
            "make_start": voila_options(),
            "page_extensions": list(PAGE_EXTENSIONS),
            "before": before_command(0)[1:],
            "preheat": preheat_arguments(arguments.pool_size, fill_delay=arguments.fill_delay),
            "pool_size": arguments.pool_size,
            "fill_delay_s": arguments.fill_delay,
            "arrivals": arguments.arrivals,
            "burst": arguments.burst,
            "repeats": arguments.repeats,
            "choices": arguments.choices,
            "quick": arguments.quick,
            "parts": sorted(arguments.parts),
        },
        "machine": host,
        "seconds": round(time.monotonic() - started),
        "results": results,
        "hosts": hosts,
        "goals": goals,
        "table": report,
    }
    write_results(arguments.out, document)
    print(f"\nwrote {arguments.out} in {document['seconds']} s")


if __name__ == "__main__":
    main()
