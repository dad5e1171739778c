"""How fast and how heavy a case page is under Voila, as hosts would run it: measured, not asserted.

Starts the course with Voila exactly as ``casework serve`` (``make start``) configures it, then
again with a pool of preheated kernels for the case pages (``preheat_arguments``: pool of 2
per case page, refilled ``serve.POOL_FILL_DELAY_SECONDS`` after a kernel is taken), and
drives Debian's headless Chromium (never a downloaded browser) to measure, on the Clarke case:

- **first choice clickable**: from navigation to the case's first button ("Begin the case")
  being visible and live (Voila draws widgets only once the page's kernel answers), with a
  cold browser cache: without a pool (every page view starts its kernel, as ``make start``
  runs) and with one (a preheated kernel); also a repeat visit with the browser's cache warm,
  and when the server finished sending the page; and, with the pool, new visitors arriving
  one after another, more of them than the pool holds (the last ones get refilled kernels);
- **a choice answered**: from a click on a choice to its consequence and the chart with one
  more point on screen, p50 and p95 over at least 30 choices (the study path, then random
  ones); "Continue" to the next scene is reported apart;
- **memory**: resident (RSS) and proportional (PSS: shared pages divided among the processes
  sharing them) memory of one learner's kernel, after the page loads and after the choices;
- **10 learners at once**: ten fresh browsers opening the page together, then choosing
  together; every kernel's memory and the server's. The browsers run on this machine too, so
  the floor's row for this is ten static pages opened at once.

The **floor** is a static HTML page showing the same first scene, with the same styles and
the same plotly chart (plotly.js served from this machine), whose buttons answer in the
browser alone: what no server-side approach can beat. Every time is also given as a ratio to
that floor. Prints a table and writes ``benchmarks/results/latest.json``.

    .venv/bin/python benchmarks/voila_speed.py              # about 7 minutes on 2 cores
    .venv/bin/python benchmarks/voila_speed.py --quick      # a smoke run, about 3 minutes
    .venv/bin/python benchmarks/voila_speed.py --parts cold --out /tmp/cold.json

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
from contextlib import contextmanager, suppress
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


@contextmanager
def voila(extra: Sequence[str] = ()) -> Iterator[Server]:
    """The course under Voila, as ``casework serve`` starts it, plus ``extra`` arguments.

    Its journey store and log are in a temporary folder, removed afterwards; set
    HM_BENCH_KEEP_LOGS to a folder to keep the log there.
    """
    from casework.serve import voila_command, voila_environment

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="hm-bench-"))
    log = folder / "voila.log"
    store = folder / "store"
    try:
        with running(
            [*voila_command(port=port), *extra],
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
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout:
        running_now = server.kernels()
        for process in running_now:
            with suppress(psutil.Error):
                process.cpu_percent(interval=None)  # starts the count
        time.sleep(0.5)
        busy = 0.0
        for process in running_now:
            with suppress(psutil.Error):
                busy += process.cpu_percent(interval=None)
        quiet = quiet + 1 if len(running_now) >= kernels and busy < 3 * len(running_now) + 1 else 0
        if quiet >= 3:
            return time.monotonic() - started
    raise RuntimeError(f"{kernels} kernels did not settle within {timeout} s")


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


async def measure_loads(
    browser: Any, server_url: str, repeats: int, settle: Any = None
) -> tuple[list[dict], list[dict]]:
    """``repeats`` first visits (cold browser cache), then one repeat visit per browser."""
    first: list[dict] = []
    repeat: list[dict] = []
    for _ in range(repeats):
        if settle:
            settle()
        context, page, timing = await open_page(browser, server_url + PAGE)
        first.append(timing)
        await leave(page, server_url)
        if settle:
            settle()
        _, again, timing = await open_page(browser, server_url + PAGE, context)
        repeat.append(timing)
        await close_page(context, again, server_url)
    return first, repeat


async def one_after_another(browser: Any, server_url: str, learners: int) -> list[dict]:
    """``learners`` new visitors, each opening the page as soon as the one before could click:
    more of them than the pool holds, so the last ones get kernels the pool refilled."""
    timings = []
    for _ in range(learners):
        context, page, timing = await open_page(browser, server_url + PAGE)
        timings.append(timing)
        await close_page(context, page, server_url)
    return timings


def learner_figures(learner: dict[str, Any]) -> dict[str, Any]:
    """What ``one_learner`` measured, as the results record it."""
    return {
        "click_ms": summary(learner["clicks"]),
        "continue_ms": summary(learner["continues"]),
        "kernel_loaded": learner["kernel_loaded"],
        "kernel_after_choices": learner["kernel_after"],
    }


async def one_learner(browser: Any, server: Server, choices: int) -> dict[str, Any]:
    context, page, timing = await open_page(browser, server.url + PAGE)
    kernel = kernel_of(server, await kernel_id(page))
    loaded = memory(kernel.pid)
    played = await play(page, choices, seed=1)
    after = memory(kernel.pid)
    await close_page(context, page, server.url)
    return {"timing": timing, "kernel_loaded": loaded, "kernel_after": after, **played}


async def many_learners(
    browser: Any, server: Server, learners: int, choices: int
) -> dict[str, Any]:
    """``learners`` cold browsers open the page at the same moment, then all choose."""

    async def arrive() -> tuple[Any, Any, dict] | None:
        try:
            return await open_page(browser, server.url + PAGE)
        except Exception as error:  # counted: a page that never came, even after a reload
            print(f"    a learner's page never became usable: {error!s:.100}", flush=True)
            return None

    arrived = await asyncio.gather(*(arrive() for _ in range(learners)))
    opened = [a for a in arrived if a is not None]
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
    result = {
        "learners": learners,
        "never_usable": learners - len(opened),
        "reloaded": sum(1 for _, _, t in opened if t.get("reloaded")),
        "clickable_ms": summary([t["clickable"] for _, _, t in opened]),
        "html_done_ms": summary([t["html_done"] for _, _, t in opened]),
        "click_ms": summary(clicks),
        "kernel_rss_mb": summary([k["rss_mb"] for k in kernels]),
        "kernel_pss_mb": summary([k["pss_mb"] for k in kernels]),
        "kernels_rss_total_mb": round(sum(k["rss_mb"] for k in kernels), 1),
        "kernels_pss_total_mb": round(sum(k["pss_mb"] for k in kernels), 1),
        "server": memory(server.process.pid),
    }
    for context, page, _ in opened:
        await close_page(context, page, server.url)
    return result


async def floor_figures(
    browser: Any, floor: StaticFloor, repeats: int, choices: int, learners: int
) -> dict:
    loads = []
    repeat = []
    for _ in range(repeats):
        context, page, timing = await open_page(browser, floor.url + "/index.html")
        loads.append(timing)
        await page.close()
        _, _, timing = await open_page(browser, floor.url + "/index.html", context)
        repeat.append(timing)
        await context.close()
    context, page, _ = await open_page(browser, floor.url + "/index.html")
    played = await play(page, choices, seed=1, floor=True)
    await context.close()
    # The browsers' own share of "learners at once": they all run on this one machine.
    together = await asyncio.gather(
        *(open_page(browser, floor.url + "/index.html") for _ in range(learners))
    )
    for context, _, _ in together:
        await context.close()
    return {
        "together": {"clickable_ms": summary([t["clickable"] for _, _, t in together])},
        "clickable_ms": summary([t["clickable"] for t in loads]),
        "chart_ms": summary([t["chart"] for t in loads]),
        "repeat_clickable_ms": summary([t["clickable"] for t in repeat]),
        "click_ms": summary(played["clicks"]),
        "continue_ms": summary(played["continues"]),
    }


def load_figures(first: list[dict], repeat: list[dict]) -> dict[str, Any]:
    return {
        "clickable_ms": summary([t["clickable"] for t in first]),
        "chart_ms": summary([t["chart"] for t in first]),
        "first_byte_ms": summary([t["first_byte"] for t in first]),
        "html_done_ms": summary([t["html_done"] for t in first]),
        "repeat_clickable_ms": summary([t["clickable"] for t in repeat]),
        "raw_first_visits": first,
    }


PARTS = ("floor", "cold", "warm", "together")


async def run_floor(browser: Any, arguments: argparse.Namespace) -> dict[str, Any]:
    print("static floor ...", flush=True)
    floor = StaticFloor()
    try:
        return await floor_figures(
            browser, floor, arguments.repeats, arguments.choices, arguments.learners
        )
    finally:
        floor.stop()


async def run_cold(browser: Any, arguments: argparse.Namespace) -> dict[str, Any]:
    print("Voila as make start runs it (no pool) ...", flush=True)
    with voila() as server:
        wait_settled(server, 0)
        context, page, very_first = await open_page(browser, server.url + PAGE)
        await close_page(context, page, server.url)
        first, repeat = await measure_loads(
            browser, server.url, arguments.repeats, settle=lambda: wait_settled(server, 0)
        )
        cold = load_figures(first, repeat)
        cold["very_first_after_start_ms"] = round(very_first["clickable"], 1)
        wait_settled(server, 0)
        learner = await one_learner(browser, server, arguments.choices)
        cold |= learner_figures(learner) | {"server_one_learner": memory(server.process.pid)}
        if "together" in arguments.parts:
            print(f"  {arguments.learners} learners at once ...", flush=True)
            wait_settled(server, 0)
            cold["together"] = await many_learners(
                browser, server, arguments.learners, arguments.together_choices
            )
        return cold


async def run_warm(browser: Any, arguments: argparse.Namespace) -> dict[str, Any]:
    pool_kernels = arguments.pool_size * len(case_pages())
    print(f"Voila with preheated kernels (pool {arguments.pool_size}) ...", flush=True)
    with voila(preheat_arguments(arguments.pool_size, fill_delay=arguments.fill_delay)) as server:
        filled = wait_settled(server, pool_kernels)
        idle = [memory(k.pid) for k in server.kernels()]
        first, repeat = await measure_loads(
            browser,
            server.url,
            arguments.repeats,
            settle=lambda: wait_settled(server, pool_kernels),
        )
        warm = load_figures(first, repeat)
        warm["pool_filled_s"] = round(filled, 1)
        warm["idle_pool_kernels"] = len(idle)
        warm["idle_pool_rss_mb"] = round(sum(k["rss_mb"] for k in idle), 1)
        warm["idle_pool_pss_mb"] = round(sum(k["pss_mb"] for k in idle), 1)
        wait_settled(server, pool_kernels)
        arrivals = await one_after_another(browser, server.url, arguments.pool_size + 3)
        warm["one_after_another_clickable_ms"] = summary([t["clickable"] for t in arrivals])
        warm["one_after_another_raw_ms"] = [round(t["clickable"]) for t in arrivals]
        wait_settled(server, pool_kernels)
        learner = await one_learner(browser, server, arguments.choices)
        warm |= learner_figures(learner)
    if "together" in arguments.parts:
        print(
            f"Voila with a pool of {arguments.learners} for {arguments.learners} "
            "learners at once ...",
            flush=True,
        )
        workshop = preheat_arguments(
            arguments.learners, only=f"cases/{CASE}", fill_delay=arguments.fill_delay
        )
        with voila(workshop) as server:
            wait_settled(server, arguments.learners)
            warm["together"] = await many_learners(
                browser, server, arguments.learners, arguments.together_choices
            )
    return warm


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    results: dict[str, Any] = {}
    parts = {"floor": run_floor, "cold": run_cold, "warm": run_warm}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, part in parts.items():
                if name in arguments.parts:
                    results[name] = await part(browser, arguments)
                    write_results(arguments.out.with_suffix(".partial.json"), results)
        finally:
            await browser.close()
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


def table(results: dict[str, Any], arguments: argparse.Namespace) -> tuple[str, dict]:
    """The table for the README: every time beside the static floor's, and as a ratio to it."""
    n = arguments.learners
    rows = [
        ("first choice clickable, new visitor (ms, p50)", "clickable_ms.p50", None),
        ("first choice clickable, new visitor (ms, max)", "clickable_ms.max", None),
        ("first choice clickable, repeat visit (ms, p50)", "repeat_clickable_ms.p50", None),
        ("server finished the page (ms, p50)", "html_done_ms.p50", None),
        (
            "one after another, beyond the pool: first choice clickable (ms, max)",
            "one_after_another_clickable_ms.max",
            "clickable_ms.max",
        ),
        ("a choice answered: consequence + chart (ms, p50)", "click_ms.p50", None),
        ("a choice answered: consequence + chart (ms, p95)", "click_ms.p95", None),
        ("continue to the next scene (ms, p95)", "continue_ms.p95", None),
        (
            f"{n} at once: first choice clickable (ms, p50)",
            "together.clickable_ms.p50",
            None,
        ),
        (
            f"{n} at once: first choice clickable (ms, max)",
            "together.clickable_ms.max",
            None,
        ),
        (f"{n} at once: server finished the pages (ms, max)", "together.html_done_ms.max", None),
        (f"{n} at once: a choice answered (ms, p95)", "together.click_ms.p95", "click_ms.p95"),
    ]
    columns = [c for c in ("cold", "warm") if c in results]
    names = {
        "cold": "Voila, no pool (make start)",
        "warm": f"Voila, preheated (pool {arguments.pool_size}; {n} for the {n} at once)",
    }
    head = ["measure", "static floor", *(names[c] for c in columns)]
    head += [f"{'no pool' if c == 'cold' else 'preheated'} / floor" for c in columns]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    for name, path, floor_path in rows:
        base = _get(results, "floor", floor_path or path)
        values = [_get(results, c, path) for c in columns]
        if all(v is None for v in values):
            continue
        ratios = [f"{v / base:.1f}x" if v is not None and base else "–" for v in values]
        lines.append(
            f"| {name} | {cell(base)} | "
            + " | ".join(map(cell, values))
            + " | "
            + " | ".join(ratios)
            + " |"
        )
    for name, path in [
        (
            f"one learner's kernel after {arguments.choices} choices (MB, RSS)",
            "kernel_after_choices.rss_mb",
        ),
        (
            f"one learner's kernel after {arguments.choices} choices (MB, PSS)",
            "kernel_after_choices.pss_mb",
        ),
        (f"{n} learners: all their kernels (MB, PSS)", "together.kernels_pss_total_mb"),
        (f"{n} learners: the Voila server (MB, RSS)", "together.server.rss_mb"),
    ]:
        values = [_get(results, c, path) for c in columns]
        if all(v is None for v in values):
            continue
        lines.append(
            f"| {name} | no kernel | "
            + " | ".join(map(cell, values))
            + " | "
            + " | ".join("–" for _ in columns)
            + " |"
        )
    hosts: dict[str, Any] = {}
    pss = _get(results, "cold", "together.kernel_pss_mb.p50")
    rss = _get(results, "cold", "together.kernel_rss_mb.p50")
    server = _get(results, "cold", "together.server.rss_mb")
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
    return "\n".join(lines), hosts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pool-size", type=int, default=2, help="preheated kernels per case page")
    parser.add_argument("--learners", type=int, default=10, help="learners at once")
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
        arguments.repeats, arguments.choices = 2, 10
        arguments.learners, arguments.together_choices = 3, 3
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium (never `playwright install`)")

    load_before = os.getloadavg()
    started = time.monotonic()
    results = asyncio.run(run(arguments))
    report, hosts = table(results, arguments)
    print()
    print(report)
    from casework.serve import voila_command

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
            "make_start": voila_command()[1:],
            "preheat": preheat_arguments(arguments.pool_size, fill_delay=arguments.fill_delay),
            "pool_size": arguments.pool_size,
            "learners_at_once": arguments.learners,
            "repeats": arguments.repeats,
            "choices": arguments.choices,
            "quick": arguments.quick,
            "parts": sorted(arguments.parts),
        },
        "machine": host,
        "seconds": round(time.monotonic() - started),
        "results": results,
        "hosts": hosts,
        "table": report,
    }
    write_results(arguments.out, document)
    print(f"\nwrote {arguments.out} in {document['seconds']} s")


if __name__ == "__main__":
    main()
