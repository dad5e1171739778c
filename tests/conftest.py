"""Shared fixtures: real servers on 127.0.0.1, always stopped by the test that started them.

Markers tell the truth because they are applied by fixture, not by hand: a test that uses a
browser is ``browser``, one that starts a server is ``server``, and one that runs nbgrader, a
hub or whole notebooks is ``slow`` (``make check`` leaves out all three).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from casework.testing.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    ServerFailed,
    free_port,
    get,
    running,
    stop_group,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent

__all__ = ["BIN", "ROOT", "Server", "free_port", "get", "running_course", "stop_group"]

#: Fixtures that make a test what the marker says (pytest_collection_modifyitems applies them).
MARKED_BY_FIXTURE = {
    "browser": ("browser",),
    "page": ("browser",),
    "course_server": ("server",),
    "voila": ("server",),
    "hub": ("server", "slow"),
    "postgres": ("server", "slow"),
    "term": ("slow",),
    "installed": ("server", "slow"),
    "course_copy": ("slow",),
    "crowd_store": ("slow",),
    "formgrader": ("server", "slow"),
    "formgrader_without_the_fix": ("server", "slow"),
    "marking_formgrader": ("server", "slow"),
    "room": ("browser", "server"),
    "room_hub": ("server", "slow"),
    "site": ("server", "slow"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for fixture, markers in MARKED_BY_FIXTURE.items():
            if fixture in names:
                for marker in markers:
                    item.add_marker(marker)


@contextmanager
def running_course(
    command: list[str], port: int, folder: Path, env: dict[str, str]
) -> Iterator[Server]:
    """Run ``command`` (Voila serving the course on ``port``) in its own process group, with
    its log and its journey store (CASEWORK_DATA_DIR) in ``folder``; yield once it answers;
    stop it afterwards."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    try:
        with running(
            command,
            f"http://127.0.0.1:{port}",
            log=folder / "voila.log",
            env={**env, "CASEWORK_DATA_DIR": str(data)},
            cwd=ROOT,
            data=data,
        ) as server:
            yield server
    except ServerFailed as failure:
        pytest.fail(str(failure))


def casework_serve(port: int, *extra: str) -> list[str]:
    """The command ``make start`` runs, on another port."""
    return [str(BIN / "casework"), "serve", "--port", str(port), *extra]


@pytest.fixture(scope="session")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The course served exactly as ``make start`` serves it, on a free loopback port."""
    port = free_port()
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1")
    with running_course(
        casework_serve(port), port, tmp_path_factory.mktemp("voila"), env
    ) as server:
        yield server


# --- a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
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


@dataclass
class Seen:
    """What a page asked for and showed: every request and every dialog."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


#: What each open page has seen, by page (see the ``seen`` fixture).
_SEEN: dict[int, Seen] = {}


def watch(tab: Page) -> Seen:
    """Record a page's requests and dialogs (dialogs are dismissed)."""
    seen = _SEEN.setdefault(id(tab), Seen())
    tab.on("request", lambda request: seen.requests.append(request.url))
    tab.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    return seen


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test; records every request and every dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    watch(tab)
    tab.set_default_timeout(60_000)
    try:
        yield tab
    finally:
        _SEEN.pop(id(tab), None)
        context.close()


@pytest.fixture
def seen(page: Page) -> Seen:
    """The requests and dialogs of the test's ``page``."""
    return _SEEN[id(page)]


def seen_on(tab: Page) -> Seen:
    """The requests and dialogs of a page opened with ``page`` or watched with ``watch``."""
    return _SEEN[id(tab)]


def focused_text(page: Page) -> str:
    text: str = page.evaluate(
        "() => { const e = document.activeElement; if (!e) return '';"
        " return (e.innerText || e.getAttribute('aria-label') || e.value || '').trim(); }"
    )
    return text


def tab_to(page: Page, starts_with: str, limit: int = 120) -> None:
    """Press Tab (a keyboard user's only way around) until the wanted control has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_text(page).startswith(starts_with):
            return
    raise AssertionError(f"Tab never reached a control starting {starts_with!r}")
