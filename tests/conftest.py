"""Shared fixtures: real servers on 127.0.0.1, always stopped by the test that started them."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    """GET a page, within ``timeout`` seconds in all.

    urllib's own timeout only bounds each read, and Voila keeps a slow page alive with
    heartbeats, so the whole request runs in a worker thread with a deadline.
    """

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return worker.submit(fetch).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise OSError(f"no complete answer from {url} within {timeout:g} s") from None
    finally:
        worker.shutdown(wait=False, cancel_futures=True)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    #: The server's CASEWORK_DATA_DIR (its journey store), where the test set one.
    data: Path | None = None


def _stop(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Stop a server and everything in its process group: asked, then after ``grace``
    seconds made to."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@contextmanager
def running_course(
    command: list[str], port: int, folder: Path, env: dict[str, str]
) -> Iterator[Server]:
    """Run ``command`` (Voila serving the course on ``port``) in its own process group, with
    its log and its journey store (CASEWORK_DATA_DIR) in ``folder``; yield once it answers;
    stop it afterwards."""
    log = folder / "voila.log"
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**env, "CASEWORK_DATA_DIR": str(data)},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"Voila exited early:\n{log.read_text()}")
            try:
                status, _ = get(url + "/", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Voila did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.5)
        yield Server(url, process, log, data)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The course served exactly as ``make start`` serves it, on a free loopback port."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "casework"), "serve", "--port", str(port)]
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")
    with running_course(command, port, tmp_path_factory.mktemp("voila"), env) as server:
        yield server


# --- a real browser ------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # this machine's network is closed: no stray calls
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright; skipped with a reason when absent."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium "
            "(apt-get install chromium); CI installs it and runs them"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context per test; records every request and every dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.dialogs = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.set_default_timeout(60_000)
    try:
        yield tab
    finally:
        context.close()


def focused_text(page: object) -> str:
    return page.evaluate(  # type: ignore[attr-defined]
        "() => { const e = document.activeElement; if (!e) return '';"
        " return (e.innerText || e.getAttribute('aria-label') || e.value || '').trim(); }"
    )


def tab_to(page: object, starts_with: str, limit: int = 120) -> None:
    """Press Tab (a keyboard user's only way around) until the wanted control has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        if focused_text(page).startswith(starts_with):
            return
    raise AssertionError(f"Tab never reached a control starting {starts_with!r}")
