"""Memory of one learner's own server under JupyterHub, as the course configures it: measured.

On JupyterHub each learner has a single-user Jupyter Server with Voila as an extension and
the learner settings of ``deploy/singleuser/jupyter_server_config.py``. This starts exactly
that server (without the hub, whose own processes are not the learner's), on 127.0.0.1 with a
random token, opens the Clarke case in Debian's headless Chromium, makes choices, opens a
second page, and reports the resident (RSS) and proportional (PSS) memory of the server and
of each page's kernel at each step. The figures size ``deploy/values.yaml`` (memory
guarantee and limit per learner). Prints a table; writes
``benchmarks/results/learner_server.json``.

    .venv/bin/python benchmarks/learner_server_memory.py
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import voila_speed as shared  # the same browser, page marks and choices

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "learner_server.json"
CHOICES = 10


def start_server(port: int, token: str, home: Path) -> subprocess.Popen[bytes]:
    environment = dict(
        os.environ,
        HOME=str(home),
        HOLDING_IN_MIND_ROLE="learner",
        JUPYTER_CONFIG_PATH=str(ROOT / "deploy" / "singleuser"),
        JUPYTER_PATH=str(ROOT / "share" / "jupyter"),
        JUPYTER_PLATFORM_DIRS="1",
        CASEWORK_DATA_DIR=str(home / "store"),
    )
    command = [
        str(Path(sys.executable).parent / "jupyter-server"),
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.open_browser=False",
        f"--IdentityProvider.token={token}",
        "--ServerApp.log_level=WARN",
        # CI runs as root; on JupyterHub each learner has their own Unix user.
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    process = subprocess.Popen(
        command,
        env=environment,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the learner's server exited at start")
        with suppress(OSError):
            url = f"http://127.0.0.1:{port}/api/status?token={token}"
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return process
        time.sleep(0.3)
    raise RuntimeError("the learner's server did not answer within 90 s")


def snapshot(server: psutil.Process) -> dict[str, Any]:
    time.sleep(1.0)  # let the page's last messages settle
    pages = [shared.memory(k.pid) for k in shared.kernel_processes(server.pid)]
    own = shared.memory(server.pid)
    return {
        "server": own,
        "kernels": pages,
        "total_rss_mb": round(own["rss_mb"] + sum(k["rss_mb"] for k in pages), 1),
        "total_pss_mb": round(own["pss_mb"] + sum(k["pss_mb"] for k in pages), 1),
    }


async def measure(port: int, token: str, server: psutil.Process) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    base = f"http://127.0.0.1:{port}"
    steps: dict[str, Any] = {"idle": snapshot(server)}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=shared.CHROMIUM, args=shared.CHROMIUM_ARGS
        )
        try:
            context, page, _ = await shared.open_page(browser, f"{base}{shared.PAGE}?token={token}")
            steps["one case open"] = snapshot(server)
            await shared.play(page, CHOICES, seed=1)
            steps[f"after {CHOICES} choices"] = snapshot(server)
            second = await context.new_page()
            await second.goto(f"{base}/voila/render/index.ipynb?token={token}")
            await second.get_by_role("heading", name="The cases").wait_for(timeout=120_000)
            steps["a second page open"] = snapshot(server)
            await context.close()
        finally:
            await browser.close()
    return steps


def table(steps: dict[str, Any]) -> str:
    lines = [
        "| a learner's server | server RSS / PSS (MB) | kernels RSS (MB) | total RSS / PSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for name, step in steps.items():
        kernels_rss = " + ".join(f"{k['rss_mb']:.0f}" for k in step["kernels"]) or "–"
        lines.append(
            f"| {name} | {step['server']['rss_mb']:.0f} / {step['server']['pss_mb']:.0f} | "
            f"{kernels_rss} | {step['total_rss_mb']:.0f} / {step['total_pss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    if not Path(shared.CHROMIUM).exists():
        sys.exit(f"{shared.CHROMIUM} is missing: apt-get install -y chromium")
    token = secrets.token_hex(16)
    port = shared.free_port()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hm-learner-") as home:
        process = start_server(port, token, Path(home))
        try:
            steps = asyncio.run(measure(port, token, psutil.Process(process.pid)))
        finally:
            shared.stop_group(process)
    text = table(steps)
    print(text)
    OUT.write_text(
        json.dumps(
            {
                "benchmark": "learner_server_memory",
                "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                "seconds": round(time.monotonic() - started),
                "config": "deploy/singleuser/jupyter_server_config.py (learner)",
                "steps": steps,
                "table": text,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
