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
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from casework.testing.pages import PAGE, open_page, play  # the same page marks and choices
from casework.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    free_port,
    memory,
    running,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "learner_server.json"
CHOICES = 10


def learner_server(port: int, token: str) -> list[str]:
    """The learner's single-user server, as JupyterHub starts it (without the hub)."""
    return [
        str(Path(sys.executable).parent / "jupyter-server"),
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.open_browser=False",
        f"--IdentityProvider.token={token}",
        "--ServerApp.log_level=WARN",
        # CI runs as root; on JupyterHub each learner has their own Unix user.
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]


def learner_environment(home: Path) -> dict[str, str]:
    """The learner's settings (``deploy/singleuser``), home and journey store."""
    return dict(
        os.environ,
        HOME=str(home),
        HOLDING_IN_MIND_ROLE="learner",
        JUPYTER_CONFIG_PATH=str(ROOT / "deploy" / "singleuser"),
        JUPYTER_PATH=str(ROOT / "share" / "jupyter"),
        JUPYTER_PLATFORM_DIRS="1",
        CASEWORK_DATA_DIR=str(home / "store"),
    )


def snapshot(server: Server) -> dict[str, Any]:
    time.sleep(1.0)  # let the page's last messages settle
    pages = [memory(k.pid) for k in server.kernels()]
    own = memory(server.process.pid)
    return {
        "server": own,
        "kernels": pages,
        "total_rss_mb": round(own["rss_mb"] + sum(k["rss_mb"] for k in pages), 1),
        "total_pss_mb": round(own["pss_mb"] + sum(k["pss_mb"] for k in pages), 1),
    }


async def measure(token: str, server: Server) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    base = server.url
    steps: dict[str, Any] = {"idle": snapshot(server)}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context, page, _ = await open_page(browser, f"{base}{PAGE}?token={token}")
            steps["one case open"] = snapshot(server)
            await play(page, CHOICES, seed=1)
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
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    token = secrets.token_hex(16)
    port = free_port()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hm-learner-") as folder:
        home = Path(folder) / "home"  # the learner's home holds only what the server writes
        home.mkdir()
        with running(
            learner_server(port, token),
            f"http://127.0.0.1:{port}",
            ready=f"/api/status?token={token}",
            log=Path(folder) / "server.log",
            env=learner_environment(home),
            cwd=home,
            timeout=90,
            stop_grace=30,
            data=home / "store",
        ) as server:
            steps = asyncio.run(measure(token, server))
    text = table(steps)
    print(text)
    write_results(
        OUT,
        {
            "benchmark": "learner_server_memory",
            "seconds": round(time.monotonic() - started),
            "config": "deploy/singleuser/jupyter_server_config.py (learner)",
            "steps": steps,
            "table": text,
        },
    )
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
