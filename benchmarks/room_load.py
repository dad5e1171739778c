"""Seminar rooms under load, as ``make start`` serves them: measured, not asserted.

Two parts.

**room**: the course under Voila exactly as ``casework serve`` runs it (one server, the
journey store in SQLite/WAL), a room open for the Clarke case and the tutor's view of it in
Debian's headless Chromium. Then one learner alone, a room of 30 and a room of 200, each
learner a process of its own running the code the player runs (``casework.testing.rooms``:
the journey saved in the store under a resume code, then the path told to the room through
``RoomMember``; no widgets, and not 200 Chromiums on two cores): each makes a choice every 2 to
5 seconds (starting again after three) and reads the room's status every 2 seconds. Measured:

- the store's write latency in the learners' processes: saving a journey, and telling the
  room (p50/p95);
- the tutor view's refresh latency, from a choice committed to the count on screen in
  Chromium: probe learners choose, one every few seconds, at a decision the crowd never
  reaches, and the page records (``Date.now()``) when that decision's count changes (p50/p95;
  the view reads the room every ``casework.rooms.view.REFRESH_SECONDS``);
- the CPU and memory of the server (Voila and the tutor's kernel; the learners' processes
  apart), and each figure as a ratio to one learner alone.

**arrivals**: whether 30 learners arriving within 30 seconds get a clickable first choice on
``make start POOL=N``, for the pool sizes given: the server exactly as ``casework serve --pool
N`` runs it (N kernels preheated for each case page), and 30 learners opening the Clarke case
at even intervals over 30 seconds. On a real seminar every learner's browser runs on their
own device; here they would all share these two cores with the server. So by default 6 of
the 30, spread evenly, are fresh Chromium browsers (staying open), each timed from navigation
to its first button being live, and the other 24 ask for the page (the server starts or hands
over their kernel and runs the page for them, as for anyone: the server's whole share) and
are timed until the page has been sent. ``--browsers 30`` puts every one in Chromium, the
browsers' own load included.

Prints a table and writes ``benchmarks/results/room_load.json``.

    .venv/bin/python benchmarks/room_load.py            # about 7 minutes on 2 cores
    .venv/bin/python benchmarks/room_load.py --quick    # about 3 minutes
    .venv/bin/python benchmarks/room_load.py --parts room --sizes 1,30
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil

from casework.catalog import load_case
from casework.rooms.store import RoomStore
from casework.rooms.view import REFRESH_SECONDS
from casework.scenario import Scenario
from casework.serve import voila_command, voila_environment
from casework.store import JourneyStore
from casework.testing.pages import CASE, MARKS, PAGE
from casework.testing.rooms import SimulatedLearner, crowd_learner
from casework.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MIB,
    Server,
    free_port,
    memory,
    running,
    summary,
    write_results,
)
from casework.trust_model import study_path_steps

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "room_load.json"
#: The crowd never goes more than this many decisions in (then starts again), so the probes'
#: decision, deeper than this on every path, is theirs alone.
CROWD_DEPTH = 3
#: "A clickable first choice" in time: within this many seconds of arriving (and, for the
#: record, within the longer wait too).
CLICKABLE_WITHIN_S = 10.0
CLICKABLE_LONGER_S = 30.0
#: How long an arriving learner's page is waited for, at most.
ARRIVAL_TIMEOUT_S = 180.0
#: A kernel's resident memory once it has run a case's page (the course's modules loaded: about
#: 90 MB; a kernel just started holds about 45): the pool is then filled.
PAGE_RUN_RSS_MB = 70


@contextmanager
def course(extra: Sequence[str] = (), pool: int = 0) -> Iterator[Server]:
    """The course under Voila as ``casework serve [--pool N]`` starts it, its store in a
    temporary folder."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="hm-rooms-"))
    store = folder / "store"
    store.mkdir()
    try:
        with running(
            [*voila_command(port=port, pool=pool), *extra],
            f"http://127.0.0.1:{port}",
            log=folder / "voila.log",
            env=voila_environment() | {"CASEWORK_DATA_DIR": str(store)},
            cwd=ROOT,
            timeout=180,
            stop_grace=30,
            data=store,
        ) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def store_url(server: Server) -> str:
    assert server.data is not None
    return f"sqlite:///{server.data / 'journeys.sqlite'}"


def probe_scene(scenario: Scenario) -> tuple[int, str]:
    """The first decision on the study path that no path reaches within CROWD_DEPTH
    decisions: (its index on the study path, its id)."""
    shallowest: dict[str, int] = {scenario.case.start: 0}
    frontier = [scenario.case.start]
    while frontier:
        node = frontier.pop(0)
        if node not in scenario.scenes:
            continue
        for choice in scenario.scenes[node].choices:
            for target in choice.destinations():
                if target not in shallowest:
                    shallowest[target] = shallowest[node] + 1
                    frontier.append(target)
    for index, (scene, _) in enumerate(study_path_steps(scenario)):
        if shallowest.get(scene, 0) > CROWD_DEPTH:
            return index, scene
    raise RuntimeError("the case has no decision deeper than the crowd goes")


# --- the server's share --------------------------------------------------------------------------


class Usage:
    """CPU seconds and memory of the server and the tutor's kernel over a stretch of time."""

    def __init__(self, server: Server, kernel: str | None = None) -> None:
        """``kernel``: count only that kernel (the tutor's page) besides the server; else all."""
        kernels = server.kernels()
        if kernel is not None:
            kernels = [k for k in kernels if f"kernel-{kernel}.json" in " ".join(k.cmdline())]
        self.processes = [psutil.Process(server.process.pid), *kernels]
        self.started = time.monotonic()
        self.cpu = {p.pid: self._cpu(p) for p in self.processes}
        self.peak_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        with suppress(psutil.Error):
            times = process.cpu_times()
            return float(times.user + times.system)
        return 0.0

    def _rss(self) -> float:
        total = 0.0
        for process in self.processes:
            with suppress(psutil.Error):
                total += process.memory_info().rss / MIB
        return total

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            self.peak_rss = max(self.peak_rss, self._rss())

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self.started
        used = sum(self._cpu(p) - self.cpu[p.pid] for p in self.processes)
        return {
            "cpu_percent_of_one_core": round(100 * used / wall, 1),
            "rss_mb": round(self._rss(), 1),
            "peak_rss_mb": round(max(self.peak_rss, self._rss()), 1),
        }


# --- one room under load -------------------------------------------------------------------------

#: Installed in the tutor's view: when the probes' decision shows a new count (page clock).
WATCH = """(scene) => {
  window.__seen = [];
  let last = null;
  const look = () => {
    const d = document.querySelector(`[data-hm-decision="${scene}"]`);
    const n = d ? Number(d.getAttribute('data-hm-answered')) : 0;
    if (n !== last) { last = n; window.__seen.push([Date.now(), n]); }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
    attributes: true});
  look();
}"""


def probe(
    url: str, code: str, scenario: Scenario, seconds: float, spacing: float, seed: int
) -> list[tuple[float, int]]:
    """Probe learners, one every ``spacing`` seconds: each walks the study path to the
    probes' decision, joins, and chooses there. (epoch seconds committed, count expected)."""
    index, _scene = probe_scene(scenario)
    study = study_path_steps(scenario)
    journeys = JourneyStore(url)
    done: list[tuple[float, int]] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            learner = SimulatedLearner(journeys, scenario, seed + len(done))
            for _, choice in study[:index]:
                learner.choose(choice)
            learner.join(code)
            time.sleep(spacing / 2)
            learner.choose(study[index][1])
            done.append((time.time(), len(done) + 1))
            time.sleep(spacing / 2)
    finally:
        journeys.close()
    return done


async def room_under_load(
    browser: Any, server: Server, size: int, seconds: float, context: Any
) -> dict[str, Any]:
    """A fresh room, ``size`` learners in it for ``seconds``, the tutor's view watched."""
    scenario = load_case(CASE)
    url = store_url(server)
    journeys = JourneyStore(url)
    opened = RoomStore(journeys).open(CASE)
    journeys.close()
    tutor = await context.new_page()
    await tutor.goto(
        f"{server.url}/voila/render/tutor.ipynb?room={opened.code}&key={opened.key}",
        wait_until="commit",
    )
    await tutor.wait_for_selector("[data-hm-joined-count]", timeout=120_000)
    await asyncio.sleep(1)
    _, scene = probe_scene(scenario)
    await tutor.evaluate(WATCH, scene)

    spawn = multiprocessing.get_context("forkserver")
    stop, results = spawn.Event(), spawn.Queue()
    crowd = [
        spawn.Process(
            target=crowd_learner,
            args=(url, opened.code, CASE, 1000 * size + n, stop, results, CROWD_DEPTH),
            daemon=True,
        )
        for n in range(size)
    ]
    started = time.monotonic()
    for learner in crowd:
        learner.start()
    joined_in = time.monotonic() - started
    await asyncio.sleep(min(5.0, seconds / 4))  # every learner has joined and chosen once
    kernel = await tutor.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    usage = Usage(server, kernel)
    crowd_cpu = {p.pid: 0.0 for p in crowd}
    probes = await asyncio.to_thread(probe, url, opened.code, scenario, seconds, 3.0, 7 * size)
    await asyncio.sleep(REFRESH_SECONDS + 2)
    server_use = usage.stop()
    for learner in crowd:
        with suppress(psutil.Error):
            times = psutil.Process(learner.pid).cpu_times()
            crowd_cpu[learner.pid] = times.user + times.system
    stop.set()
    timings: dict[str, list[float]] = {"saves": [], "posts": [], "reads": [], "errors": []}
    for _ in crowd:
        got = await asyncio.to_thread(results.get, True, 60)
        for name in timings:
            timings[name] += got[name]
    for learner in crowd:
        learner.join(timeout=30)
    seen: list[list[float]] = await tutor.evaluate("() => window.__seen")
    await tutor.close()
    latencies = []
    for committed, count in probes:
        shown = next((at / 1000 for at, n in seen if n >= count), None)
        if shown is not None:
            latencies.append(max(0.0, shown - committed) * 1000)
    wall = time.monotonic() - started
    return {
        "learners": size,
        "seconds": round(wall, 1),
        "started_in_s": round(joined_in, 1),
        "choices": len(timings["posts"]),
        "errors": int(sum(timings["errors"])),
        "journey_save_ms": summary([t * 1000 for t in timings["saves"]]),
        "room_post_ms": summary([t * 1000 for t in timings["posts"]]),
        "room_read_ms": summary([t * 1000 for t in timings["reads"]]),
        "refresh_ms": summary(latencies),
        "probes": len(probes),
        "probes_seen": len(latencies),
        "server": server_use,
        "learners_cpu_percent_of_one_core": round(100 * sum(crowd_cpu.values()) / wall, 1),
    }


async def run_room(browser: Any, arguments: argparse.Namespace) -> dict[str, Any]:
    print("a room under load, on make start ...", flush=True)
    found: dict[str, Any] = {}
    with course() as server:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        for size in arguments.sizes:
            print(f"  {size} learner(s) for {arguments.seconds:g} s ...", flush=True)
            found[str(size)] = await room_under_load(
                browser, server, size, arguments.seconds, context
            )
        await context.close()
    return found


# --- learners arriving ---------------------------------------------------------------------


def settled(server: Server, kernels: int, timeout: float = 600) -> float | None:
    """Wait until at least ``kernels`` kernels run and all are idle; seconds waited, or None
    if that did not happen within ``timeout`` (the learners then come to what is ready, as
    they would to a seminar that starts too soon after the server)."""
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout:
        now = server.kernels()
        for process in now:
            with suppress(psutil.Error):
                process.cpu_percent(interval=None)
        time.sleep(0.5)
        busy = 0.0
        ran = 0
        for process in now:
            with suppress(psutil.Error):
                busy += process.cpu_percent(interval=None)
                ran += process.memory_info().rss / MIB >= PAGE_RUN_RSS_MB
        ready = len(now) >= kernels and ran >= kernels
        quiet = quiet + 1 if ready and busy < 3 * len(now) + 1 else 0
        if quiet >= 3:
            return time.monotonic() - started
    return None


async def fetch(url: str, delay: float) -> tuple[None, float | None, float | None]:
    """One learner whose browser is not run here: the page is asked for after ``delay``
    seconds, so the server starts (or hands over) its kernel and runs it as for anyone; ms
    until the server has sent the whole page (None if it failed)."""
    from casework.testing.servers import get

    await asyncio.sleep(delay)
    started = time.monotonic()
    try:
        status, _ = await asyncio.to_thread(get, url, ARRIVAL_TIMEOUT_S)
    except OSError:
        return None, None, None
    return None, None, (time.monotonic() - started) * 1000 if status == 200 else None


async def arrive(browser: Any, url: str, delay: float) -> tuple[Any, float | None, None]:
    """One learner: a fresh browser opens the page after ``delay`` seconds; ms until its
    first button is live (None if not within ``ARRIVAL_TIMEOUT_S``)."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(MARKS)
    page = await context.new_page()
    try:
        await page.goto(url, wait_until="commit", timeout=120_000)
        await page.wait_for_function(
            "() => window.__marks && window.__marks.clickable",
            timeout=ARRIVAL_TIMEOUT_S * 1000,
        )
        clickable = float(await page.evaluate("() => window.__marks.clickable"))
    except Exception:
        clickable = None
    return context, clickable, None


async def run_arrivals(browser: Any, arguments: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pages = len(list((ROOT / "course" / "cases").glob("*.ipynb")))
    for pool in arguments.pools:
        print(f"{arguments.arrivals} learners arriving in 30 s, make start POOL={pool} ...")
        try:
            found[str(pool)] = await arrivals_on(browser, arguments, pool, pages)
        except Exception as error:  # one pool size failing leaves the others' figures
            print(f"  failed: {error!s:.200}", flush=True)
            found[str(pool)] = {"pool": pool, "error": f"{error!s:.500}"}
        write_results(arguments.out.with_suffix(".arrivals.partial.json"), found)
    return found


async def arrivals_on(
    browser: Any, arguments: argparse.Namespace, pool: int, pages: int
) -> dict[str, Any]:
    """30 learners (``arguments.arrivals``) arriving within 30 s at ``make start POOL=pool``:
    ``arguments.browsers`` of them, evenly spread, in Chromium and timed to a clickable first
    choice; the others by asking for the page (the server's share of an arrival, without a
    browser's on this same machine)."""
    n = arguments.arrivals
    in_browser = {round(i * n / arguments.browsers) for i in range(arguments.browsers)}
    with course(pool=pool) as server:
        filled = settled(server, pool * pages)
        gap = 30.0 / max(1, n - 1)
        usage = Usage(server)
        arrived = await asyncio.gather(
            *(
                arrive(browser, server.url + PAGE, i * gap)
                if i in in_browser
                else fetch(server.url + PAGE, i * gap)
                for i in range(n)
            )
        )
        use = usage.stop()
        times = [t for c, t, _ in arrived if c is not None and t is not None]
        sent = [t for c, _, t in arrived if c is None and t is not None]
        within = sum(1 for t in times if t <= CLICKABLE_WITHIN_S * 1000)
        longer = sum(1 for t in times if t <= CLICKABLE_LONGER_S * 1000)
        kernels = [memory(k.pid) for k in server.kernels()]
        result = {
            "pool": pool,
            "preheated_kernels": pool * pages,
            "pool_filled_s": None if filled is None else round(filled, 1),
            "arrivals": arguments.arrivals,
            "in_chromium": len(in_browser),
            "pages_sent_ms": summary(sent),
            "pages_not_sent": n - len(in_browser) - len(sent),
            "clickable_within_10s": within,
            "clickable_within_30s": longer,
            "clickable_within_180s": len(times),
            "clickable_ms": summary(times),
            "kernels_rss_total_mb": round(sum(k["rss_mb"] for k in kernels), 1),
            "server": use,
        }
        for context, _, _ in arrived:
            if context is not None:
                with suppress(Exception):
                    await context.close()
        print(
            f"  {within}/{len(in_browser)} in Chromium clickable within 10 s, {longer} within "
            f"30 s; pages sent to the others: {summary(sent)}",
            flush=True,
        )
        return result


# --- the report ----------------------------------------------------------------------------------


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.1f}x" if value is not None and base else "–"


def table(results: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    lines: list[str] = []
    advice: dict[str, Any] = {}
    room = results.get("room", {})
    if room:
        sizes = list(room)
        alone = room.get("1") or room[sizes[0]]
        head = ["measure", *(f"{s} learner(s)" for s in sizes)]
        head += [f"{s} / 1" for s in sizes if s != "1"]
        lines += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        rows = [
            ("journey saved (ms, p50)", "journey_save_ms.p50"),
            ("journey saved (ms, p95)", "journey_save_ms.p95"),
            ("room told a choice (ms, p50)", "room_post_ms.p50"),
            ("room told a choice (ms, p95)", "room_post_ms.p95"),
            ("room's status read (ms, p95)", "room_read_ms.p95"),
            ("choice to count on the tutor's screen (ms, p50)", "refresh_ms.p50"),
            ("choice to count on the tutor's screen (ms, p95)", "refresh_ms.p95"),
            ("server + tutor's kernel CPU (% of one core)", "server.cpu_percent_of_one_core"),
            ("server + tutor's kernel memory (MB, RSS)", "server.rss_mb"),
            ("learners' own processes CPU (% of one core)", "learners_cpu_percent_of_one_core"),
        ]
        for name, path in rows:
            values = [_get(room[s], path) for s in sizes]
            base = _get(alone, path)
            cells = ["–" if v is None else f"{v:g}" for v in values]
            ratios = [_ratio(v, base) for s, v in zip(sizes, values, strict=True) if s != "1"]
            lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
        errors = {s: room[s]["errors"] for s in sizes}
        lines.append(f"\nchoices made: {[room[s]['choices'] for s in sizes]}; errors: {errors}")
    arrivals = results.get("arrivals", {})
    if arrivals:
        lines += [
            "",
            "| make start POOL=N | preheated kernels | in Chromium: clickable within 10 s "
            "| within 30 s | within 180 s | clickable p50 (ms) | max (ms) | others: page sent "
            "p50 / max (ms) | kernels (MB, RSS) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for pool, found in arrivals.items():
            if "error" in found:
                lines.append(f"| {pool} | failed: {found['error'][:60]} | | | | | | | |")
                continue
            lines.append(
                f"| {pool} | {found['preheated_kernels']} | {found['clickable_within_10s']}"
                f"/{found['in_chromium']} | {found['clickable_within_30s']} | "
                f"{found['clickable_within_180s']} | "
                f"{found['clickable_ms']['p50']} | {found['clickable_ms']['max']} | "
                f"{found['pages_sent_ms']['p50']} / {found['pages_sent_ms']['max']} | "
                f"{found['kernels_rss_total_mb']} |"
            )
        measured = {p: f for p, f in arrivals.items() if "error" not in f}
        enough = [
            int(p)
            for p, f in measured.items()
            if f["clickable_within_10s"] >= f["in_chromium"] - f["in_chromium"] // 30
        ]
        advice["pool_for_30"] = min(enough) if enough else None
        best = max(
            measured.values(),
            key=lambda f: (f["clickable_within_10s"], f["clickable_within_30s"], -f["pool"]),
        )
        advice["best_pool_tried"] = best["pool"]
        advice["best_clickable_within_10s"] = best["clickable_within_10s"]
        if enough:
            # Of the pools that serve everyone in time: the smallest within 15% of the fastest
            # (p95 to a clickable first choice); a bigger pool only holds more memory.
            p95 = {p: measured[str(p)]["clickable_ms"]["p95"] for p in enough}
            fastest = min(p95.values())
            advice["recommended_pool"] = min(p for p in enough if p95[p] <= fastest * 1.15)
            chosen = measured[str(advice["recommended_pool"])]
            lines.append(
                f"\nFor a seminar of 30 on this machine: make start POOL="
                f"{advice['recommended_pool']} (every timed learner clickable within 10 s, "
                f"p95 {chosen['clickable_ms']['p95']:.0f} ms; the smallest pool within 15% of "
                f"the fastest; POOL={advice['pool_for_30']} is the smallest that was in time)."
            )
        else:
            advice["recommended_pool"] = None
            lines.append(
                f"\nFor a seminar of 30 on this machine: no pool tried got (nearly) every timed "
                f"learner clickable within 10 s; the best was POOL={best['pool']} "
                f"({best['clickable_within_10s']} within 10 s, {best['clickable_within_30s']} "
                "within 30 s). Have learners open the case's page as they arrive, before the "
                "seminar starts, and type the room's code when it does (joining a room on an "
                "open page costs the server nothing), or use a bigger host."
            )
    return "\n".join(lines), advice


def _get(found: dict[str, Any], path: str) -> float | None:
    value: Any = found
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


async def run(arguments: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    results: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if "room" in arguments.parts:
                results["room"] = await run_room(browser, arguments)
                write_results(arguments.out.with_suffix(".partial.json"), results)
            if "arrivals" in arguments.parts:
                results["arrivals"] = await run_arrivals(browser, arguments)
        finally:
            await browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,30,200", help="room sizes (learners)")
    parser.add_argument("--seconds", type=float, default=60, help="seconds per room size")
    parser.add_argument("--pools", default="0,2,4,8", help="make start POOL=N values to try")
    parser.add_argument("--arrivals", type=int, default=30, help="learners arriving in 30 s")
    parser.add_argument(
        "--browsers",
        type=int,
        default=6,
        help="of those, how many in Chromium (timed to a clickable first choice); the rest "
        "ask for the page only (default 6; 30: every one in Chromium, browsers included)",
    )
    parser.add_argument("--parts", default="room,arrivals", help="room, arrivals or both")
    parser.add_argument("--quick", action="store_true", help="shorter rooms, two pool sizes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.seconds, arguments.pools = 20.0, "0,2"
    arguments.sizes = [int(s) for s in str(arguments.sizes).split(",") if s]
    arguments.pools = [int(p) for p in str(arguments.pools).split(",") if p]
    arguments.parts = set(arguments.parts.split(","))
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium (never `playwright install`)")
    # Learners' processes are forked from a clean server process with the package loaded.
    multiprocessing.set_forkserver_preload(["casework.testing.rooms", "casework.catalog"])
    started = time.monotonic()
    load_before = os.getloadavg()
    results = asyncio.run(run(arguments))
    report, advice = table(results)
    print()
    print(report)
    document = {
        "benchmark": "room_load",
        "case": CASE,
        "settings": {
            "sizes": arguments.sizes,
            "seconds": arguments.seconds,
            "pools": arguments.pools,
            "arrivals": arguments.arrivals,
            "arrivals_in_chromium": arguments.browsers,
            "quick": arguments.quick,
            "crowd_depth": CROWD_DEPTH,
            "tutor_refresh_s": REFRESH_SECONDS,
            "make_start": voila_command()[1:],
        },
        "load_average_before": [round(x, 1) for x in load_before],
        "seconds": round(time.monotonic() - started),
        "results": results,
        "advice": advice,
        "table": report,
    }
    write_results(arguments.out, document)
    print(f"\nwrote {arguments.out} in {document['seconds']} s")


if __name__ == "__main__":
    main()
