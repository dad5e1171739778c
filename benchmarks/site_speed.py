"""How fast and how heavy the static site is for a learner, and what it costs its host: measured,
not asserted.

Builds the site as ``make site`` does (site/build_site.py; a cached build is reused), serves it
with ``site/serve.py`` on 127.0.0.1 (a plain static file server, as a host's static hosting
would be) and drives Debian's headless Chromium (never a downloaded browser) on the Clarke case:

- **first choice clickable**: from navigation to "Begin the case" being visible and live (the
  case's notebook has run in the browser's own Python), for a new visitor (a new browser
  profile: nothing cached) and a returning one (the same profile again: the browser's cache
  warm; Pyodide has no cache of its own in a browser, it fetches through the browser's);
  ``chart``: the first chart drawn;
- **a choice answered**: from a click on a choice to its consequence and the chart with one
  more point on screen, p50 and p95 over at least 30 choices (``casework.testing.pages.play``,
  the same code that times Voila's pages);
- **bytes**: what the static server sent for a new visitor's page and a returning one's (it
  records every answer);
- **the host**: the static server's CPU time and memory for those visitors, per learner.

The times are set beside the static floor (a static HTML page with the same first scene and
chart and no Python at all: ``benchmarks/voila_speed.py``'s ``StaticFloor``, measured here
when ``casework.testing.pages`` offers it, otherwise read from the latest voila_speed results)
and beside Voila without and with a pool, read from ``benchmarks/results/latest.json`` (the
latest ``voila_speed.py`` run; running both in one process would take its seven minutes again).
Prints a table and writes ``benchmarks/results/site_speed.json``.

    .venv/bin/python benchmarks/site_speed.py            # about 4 minutes on 2 cores
    .venv/bin/python benchmarks/site_speed.py --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from casework.testing import pages
from casework.testing.pages import MARKS, open_page, play
from casework.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MIB,
    Server,
    free_port,
    machine,
    running,
    summary,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "site_speed.json"
VOILA_RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
CASE_PAGE = "/notebooks/index.html?path=cases/clarke.ipynb"


def build_site(out: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, str(ROOT / "site" / "build_site.py"), "--out", str(out)], check=True
    )
    report: dict[str, Any] = json.loads((out / "holding-in-mind" / "build.json").read_text())
    return report


def answers(record: Path) -> list[tuple[int, int, str]]:
    if not record.exists():
        return []
    rows = []
    for line in record.read_text().splitlines():
        status, size, path = line.split(" ", 2)
        rows.append((int(status), int(size), path))
    return rows


def host_usage(server: Server) -> dict[str, float]:
    process = psutil.Process(server.process.pid)
    times = process.cpu_times()
    return {"cpu_s": times.user + times.system, "rss_mb": process.memory_info().rss / MIB}


async def profile_context(playwright: Any, folder: Path) -> Any:
    """A browser with its own profile (a disk cache, as a learner's browser has)."""
    context = await playwright.chromium.launch_persistent_context(
        str(folder),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
    )
    await context.add_init_script(MARKS)
    return context


async def visit(context: Any, url: str, record: Path) -> tuple[dict[str, Any], Any]:
    """Open the case page in ``context``; its timing, the bytes the server sent for it."""
    before = len(answers(record))
    _, page, timing = await open_page(None, url, context, timeout_s=180)  # type: ignore[arg-type]
    await asyncio.sleep(1.0)  # late requests (fonts, the chart's code) count for this visit
    sent = answers(record)[before:]
    timing["bytes"] = sum(size for _, size, _ in sent)
    timing["answers"] = len(sent)
    timing["not_modified"] = sum(1 for status, _, _ in sent if status == 304)
    return timing, page


async def measure(arguments: argparse.Namespace, server: Server, record: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    url = server.url + CASE_PAGE
    profiles = Path(tempfile.mkdtemp(prefix="hm-site-bench-"))
    new: list[dict[str, Any]] = []
    returning: list[dict[str, Any]] = []
    usage: list[dict[str, float]] = []
    try:
        async with async_playwright() as playwright:
            for index in range(arguments.repeats):
                print(
                    f"  visitor {index + 1} of {arguments.repeats}: new, then returning", flush=True
                )
                before = host_usage(server)
                context = await profile_context(playwright, profiles / f"learner-{index}")
                timing, page = await visit(context, url, record)
                new.append(timing)
                await page.close()
                timing, page = await visit(context, url, record)
                returning.append(timing)
                await context.close()
                after = host_usage(server)
                usage.append(
                    {k: after[k] - before[k] for k in before} | {"rss_mb": after["rss_mb"]}
                )
            print(f"  one learner making {arguments.choices} choices", flush=True)
            context = await profile_context(playwright, profiles / "player")
            _, page = await visit(context, url, record)
            played = await play(page, arguments.choices, seed=1)
            await context.close()
    finally:
        shutil.rmtree(profiles, ignore_errors=True)
    return {
        "clickable_ms": summary([t["clickable"] for t in new]),
        "chart_ms": summary([t["chart"] for t in new]),
        "repeat_clickable_ms": summary([t["clickable"] for t in returning]),
        "repeat_chart_ms": summary([t["chart"] for t in returning]),
        "bytes_new_visitor": summary([t["bytes"] for t in new]),
        "bytes_returning_visitor": summary([t["bytes"] for t in returning]),
        "answers_new_visitor": summary([t["answers"] for t in new]),
        "answers_returning_visitor": summary([t["answers"] for t in returning]),
        "click_ms": summary(played["clicks"]),
        "continue_ms": summary(played["continues"]),
        "server_cpu_ms_per_learner": summary([u["cpu_s"] * 1000 for u in usage]),
        "server_rss_mb": round(max(u["rss_mb"] for u in usage), 1),
        "raw_new": new,
        "raw_returning": returning,
    }


async def floor_figures(arguments: argparse.Namespace) -> tuple[dict[str, Any] | None, str]:
    """The static floor: measured here if ``casework.testing.pages`` offers voila_speed's floor
    page as a library, else the latest voila_speed run's figures."""
    floor_class = getattr(pages, "StaticFloor", None)
    if floor_class is not None:
        from playwright.async_api import async_playwright

        floor = floor_class()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                loads = []
                for _ in range(arguments.repeats):
                    context, page, timing = await open_page(browser, floor.url + "/index.html")
                    loads.append(timing)
                    await context.close()
                context, page, _ = await open_page(browser, floor.url + "/index.html")
                played = await play(page, arguments.choices, seed=1, floor=True)
                await browser.close()
        finally:
            floor.stop()
        return {
            "clickable_ms": summary([t["clickable"] for t in loads]),
            "click_ms": summary(played["clicks"]),
        }, "measured in this run (casework.testing.pages.StaticFloor)"
    voila = voila_results()
    if voila and "floor" in voila["results"]:
        return voila["results"]["floor"], f"from {VOILA_RESULTS.name} ({voila.get('date')})"
    return None, "not available"


def voila_results() -> dict[str, Any] | None:
    if not VOILA_RESULTS.exists():
        return None
    loaded: dict[str, Any] = json.loads(VOILA_RESULTS.read_text())
    return loaded


def get(results: dict[str, Any] | None, path: str) -> float | None:
    value: Any = results
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return None if value is None else float(value)


def table(site: dict[str, Any], floor: dict[str, Any] | None, voila: dict[str, Any] | None) -> str:
    cold = voila["results"].get("cold") if voila else None
    warm = voila["results"].get("warm") if voila else None
    rows = [
        ("first choice clickable, new visitor (ms, p50)", "clickable_ms.p50", "clickable_ms.p50"),
        (
            "first choice clickable, returning visitor (ms, p50)",
            "repeat_clickable_ms.p50",
            "repeat_clickable_ms.p50",
        ),
        ("first chart drawn, new visitor (ms, p50)", "chart_ms.p50", "chart_ms.p50"),
        ("a choice answered: consequence + chart (ms, p50)", "click_ms.p50", "click_ms.p50"),
        ("a choice answered: consequence + chart (ms, p95)", "click_ms.p95", "click_ms.p95"),
    ]
    head = [
        "measure",
        "static floor",
        "static site",
        "site / floor",
        "Voila, no pool",
        "Voila, pool",
        "site / no pool",
    ]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:,.0f}"

    def ratio(a: float | None, b: float | None) -> str:
        return "–" if a is None or not b else f"{a / b:.1f}×"

    for name, path, other in rows:
        base, mine = get(floor, other), get(site, path)
        no_pool, pool = get(cold, other), get(warm, other)
        lines.append(
            f"| {name} | {cell(base)} | {cell(mine)} | {ratio(mine, base)} | {cell(no_pool)} | "
            f"{cell(pool)} | {ratio(mine, no_pool)} |"
        )
    new_mb = (get(site, "bytes_new_visitor.p50") or 0) / 1e6
    back_mb = (get(site, "bytes_returning_visitor.p50") or 0) / 1e6
    kernel = get(cold, "kernel_after_choices.rss_mb")
    cpu = get(site, "server_cpu_ms_per_learner.p50")
    gap = " – | – | – | – |"
    lines += [
        f"| bytes sent, new visitor (MB, p50) | – | {new_mb:.1f} |{gap}",
        f"| bytes sent, returning visitor (MB, p50) | – | {back_mb:.2f} |{gap}",
        f"| host memory per learner (MB) | – | 0 (static files) | – | {cell(kernel)} | – | – |",
        f"| host CPU per learner (ms, p50: two page views) | – | {cell(cpu)} |{gap}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="visitors (each new, then returning)"
    )
    parser.add_argument("--choices", type=int, default=32, help="timed choices, one learner")
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.repeats, arguments.choices = 2, 10
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium (never `playwright install`)")
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="hm-site-"))
    try:
        print("building the site (or copying the cached build) ...", flush=True)
        build = build_site(folder / "_site")
        record = folder / "requests.log"
        port = free_port()
        print("the static site, served by site/serve.py ...", flush=True)
        with running(
            [
                sys.executable,
                str(ROOT / "site" / "serve.py"),
                "--port",
                str(port),
                "--dir",
                str(folder / "_site"),
                "--record",
                str(record),
            ],
            f"http://127.0.0.1:{port}",
            log=folder / "serve.log",
            cwd=ROOT,
        ) as server:
            site = asyncio.run(measure(arguments, server, record))
            site["server_after"] = {"rss_mb": round(host_usage(server)["rss_mb"], 1)}
        print("the static floor ...", flush=True)
        floor, floor_source = asyncio.run(floor_figures(arguments))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    voila = voila_results()
    report = table(site, floor, voila)
    print()
    print(report)
    voila_date = voila.get("date") if voila else "none"
    print(f"\nfloor: {floor_source}; Voila: from {VOILA_RESULTS.name} ({voila_date})")
    document = {
        "benchmark": "site_speed",
        "case": "clarke",
        "settings": {
            "repeats": arguments.repeats,
            "choices": arguments.choices,
            "quick": arguments.quick,
        },
        "machine": machine()
        | {
            "chromium": subprocess.run(
                [CHROMIUM, "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
        },
        "seconds": round(time.monotonic() - started),
        "site": {
            "total_bytes": build["total_bytes"],
            "files": build["files"],
            "pyodide": build["pyodide"],
        },
        "results": {"site": site, "floor": floor},
        "floor_source": floor_source,
        "voila_source": f"{VOILA_RESULTS.name} ({voila.get('date') if voila else 'none'})",
        "table": report,
    }
    write_results(arguments.out, document)
    print(f"\nwrote {arguments.out} in {document['seconds']} s")


if __name__ == "__main__":
    main()
