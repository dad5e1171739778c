"""The static site: the course in the learner's browser, with no server but a static one.

``make site`` builds ``_site/`` from PyPI and npm packages only (site/build_site.py): JupyterLite's
notebook app and its Pyodide kernel run the course's own package in the browser. The real test
builds it (or takes the build cached under the user's cache folder for the same inputs),
serves it on 127.0.0.1 with ``site/serve.py`` and has Chromium play the Clarke case to an
ending by keyboard, as under Voila: the chart drawn and a point more per choice, the debrief
and the paths not taken, a reflection and the journey found again after a reload, the journey
downloaded, and every request the page made sent to the site itself. The site's size, and what
a first visit downloaded, are written to test-artifacts/site-size.json and printed.

The browser keeper (``casework.lite``) is tested here without a browser.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import pytest

from casework import lite
from casework.catalog import load_case
from casework.journey import Journey
from casework.paths import study_path_steps
from casework.player import FileKeeper
from casework.player import keepers as keepers_module
from casework.scenario import Ending
from casework.trust_model import trajectory
from conftest import ROOT, Server, free_port, running, tab_to

SITE_DIR = ROOT / "site"
ARTIFACTS = ROOT / "test-artifacts"


def load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_site", SITE_DIR / "build_site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the browser keeper, without a browser --------------------------------------------------


def test_the_browser_keeper_keeps_a_journey_in_the_browser_s_drive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_case("clarke")
    monkeypatch.setattr(lite, "DRIVE", tmp_path)
    folder = tmp_path / "cases"
    folder.mkdir()
    keeper = lite.BrowserKeeper(FileKeeper(folder / "clarke.journey.json"), folder)
    assert keeper.persistent and keeper.token is None
    assert "only in this browser" in keeper.description
    journey, message = keeper.load(scenario)
    assert message is None and not journey.steps
    journey.begin()
    scene, choice = study_path_steps(scenario)[0]
    journey.choose(scenario, choice)
    keeper.save(journey)
    again, message = lite.BrowserKeeper(FileKeeper(folder / "clarke.journey.json"), folder).load(
        scenario
    )
    assert message is None and again.path() == [(scene, choice)]
    assert keeper.resume("ABCD-EFGH") is None


def test_where_the_browser_cannot_keep_it_the_learner_is_told_before_they_begin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lite, "DRIVE", tmp_path / "drive")  # the page's folder is elsewhere
    keeper = lite.BrowserKeeper(FileKeeper(tmp_path / "clarke.journey.json"), tmp_path)
    journey, message = keeper.load(load_case("clarke"))
    assert not keeper.persistent and message == lite.NOT_KEPT
    assert "download" in message and isinstance(journey, Journey)


def test_in_pyodide_the_default_keeper_is_the_browser_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("VOILA_SERVER_URL", "VOILA_APP_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(keepers_module.default_keeper("clarke", tmp_path), FileKeeper)
    monkeypatch.setattr(sys, "platform", "emscripten")
    keeper = keepers_module.default_keeper("clarke", tmp_path)
    assert isinstance(keeper, lite.BrowserKeeper)
    assert isinstance(keeper.inner, FileKeeper)
    assert keeper.inner.path == tmp_path / "clarke.journey.json"


def test_in_the_browser_plotly_shows_a_figure_by_its_mime_type_without_nbformat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import IPython.display
    import plotly.graph_objects as go
    import plotly.io as pio

    shown: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    before = pio.renderers.default
    try:
        lite.prepare()  # not in the browser: nothing changes
        assert pio.renderers.default == before
        monkeypatch.setattr(sys, "platform", "emscripten")
        lite.prepare()
        assert pio.renderers.default == lite.PLOTLY_RENDERER
        pio.show(go.Figure(go.Scatter(x=[0, 1], y=[2, 3])))
    finally:
        pio.renderers.default = before
    ((args, kwargs),) = shown
    assert kwargs == {"raw": True}
    assert args[0]["application/vnd.plotly.v1+json"]["data"][0]["y"] == [2, 3]


def test_the_site_serves_every_learner_notebook_with_its_code_hidden(tmp_path: Path) -> None:
    build = load_build_script()
    staged = build.stage_notebooks(tmp_path)
    course = sorted(
        p.relative_to(ROOT / "course").as_posix() for p in (ROOT / "course").rglob("*.ipynb")
    )
    left_out = set(build.CONFIG["site"]["leave_out"])
    assert left_out <= set(course), "leave_out names notebooks that do not exist"
    assert sorted(staged) == [c for c in course if c not in left_out]
    for name in staged:
        notebook = json.loads((tmp_path / name).read_text())
        assert notebook["metadata"]["kernelspec"]["name"] == "python"
        assert "casework.lite.prepare()" in "".join(notebook["cells"][0]["source"])
        plays = any("play_case(" in "".join(c["source"]) for c in notebook["cells"])
        assert notebook["metadata"]["holding-in-mind"] == {"plays_case": plays}
        for cell in notebook["cells"]:
            assert cell["metadata"]["editable"] is False
            if cell["cell_type"] == "code":
                assert cell["metadata"]["jupyter"]["source_hidden"] is True


# --- the real site, in Chromium -------------------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The site as ``make site`` builds it (cached by its inputs), served on 127.0.0.1."""
    try:
        import jupyterlite_core  # noqa: F401
    except ImportError:  # the build tools, as make site installs them
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                str(SITE_DIR / "requirements.txt"),
            ],
            check=True,
        )
    folder = tmp_path_factory.mktemp("site")
    built = folder / "_site"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(SITE_DIR / "build_site.py"), "--out", str(built)],
        check=True,
        cwd=ROOT,
    )
    print(f"site built or copied in {time.monotonic() - started:.0f} s")
    port = free_port()
    record = folder / "requests.log"
    with running(
        [
            sys.executable,
            str(SITE_DIR / "serve.py"),
            "--port",
            str(port),
            "--dir",
            str(built),
            "--record",
            str(record),
        ],
        f"http://127.0.0.1:{port}",
        log=folder / "serve.log",
        cwd=ROOT,
    ) as server:
        server.data = folder
        yield server


def served(server: Server) -> list[tuple[int, int, str]]:
    """Every answer the site's server gave so far: (status, bytes, path)."""
    assert server.data is not None
    log = server.data / "requests.log"
    rows = []
    for line in log.read_text().splitlines() if log.exists() else []:
        status, size, path = line.split(" ", 2)
        rows.append((int(status), int(size), path))
    return rows


def describe_focus(page: Any) -> dict[str, str]:
    from test_browser import focus

    return focus(page)


def wait_for_site_page(page: Any) -> None:
    """The page's notebook has run in the browser: its first output is shown."""
    page.wait_for_selector("body.hm-site-ran", state="attached", timeout=180_000)


def test_the_clarke_case_played_by_keyboard_in_the_browser_alone(page: Any, site: Server) -> None:
    from test_browser import (
        answer_first,
        choice_labels,
        choose,
        expected_points,
        mark_stale,
        reach_scene,
        wait_for_points,
        wait_for_text,
    )

    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    before_visit = len(served(site))
    scenario = load_case("clarke")
    steps = study_path_steps(scenario)
    reflect_at = next(i for i, (s, _) in enumerate(steps) if scenario.scenes[s].reflection)

    # The landing page, as an app: the course's text and its links, no code, no file browser.
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(site.url + "/")
    wait_for_site_page(page)
    wait_for_text(page, "h2", "The cases")
    code = ".jp-CodeCell .jp-InputArea:visible, .cm-editor:visible, .jp-DirListing:visible"
    assert page.locator(code).count() == 0
    page.screenshot(path=str(ARTIFACTS / "site-landing.png"))
    assert page.locator("#menu-panel:visible, .jp-NotebookPanel-toolbar:visible").count() == 0
    # Following the link to the case, by keyboard, opens it as a page of this site.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.href || ''").endswith("cases/clarke.ipynb"):
            break
    else:
        raise AssertionError("Tab never reached the link to the Clarke case")
    with page.expect_navigation(wait_until="commit"):
        page.keyboard.press("Enter")
    assert "path=cases/clarke.ipynb" in page.url
    page.get_by_role("button", name="Begin the case").wait_for(timeout=180_000)
    first_visit_s = time.monotonic() - started
    note = page.locator(".hm-site-note").inner_text()
    assert "stays in this browser, on this device" in note and "Download your journey" in note

    wait_for_points(page, 1)
    mark_stale(page)
    tab_to(page, "Begin the case")
    page.keyboard.press("Enter")
    reach_scene(page, scenario.scenes[steps[0][0]].title)
    first_visit_bytes = sum(size for _, size, _ in served(site)[before_visit:])

    text = "What stays with me is how slowly trust came back <first>."
    for taken, (scene_id, choice_id) in enumerate(steps):
        scene = scenario.scenes[scene_id]
        choice = scenario.choice(scene_id, choice_id)
        if taken:
            reach_scene(page, scene.title)
        if scene.first_answer is not None:
            answer_first(page, scene)
        labels = choice_labels(page, scene)
        assert sorted(labels) == sorted(c.label for c in scene.choices)
        wait_for_points(page, expected_points(scenario, steps, taken))
        choose(page, labels, choice.label, "Space" if taken % 2 else "Enter")
        wait_for_text(page, ".hm-consequence h3", f"You chose: {choice.label}")
        wait_for_points(page, expected_points(scenario, steps, taken + 1))
        if taken == reflect_at:
            # A reflection, then a reload: the same step, the same words, from this browser.
            from test_browser import tab_to_textbox

            tab_to_textbox(page, "Your reflection")
            page.keyboard.type(text)
            page.keyboard.press("Tab")
            wait_for_text(page, ".hm-status", "Saved at")
            page.reload(wait_until="commit")
            wait_for_site_page(page)
            wait_for_text(page, ".hm-consequence h3", f"You chose: {choice.label}")
            assert page.locator(".hm-reflection textarea").input_value() == text
            wait_for_points(page, expected_points(scenario, steps, taken + 1))
            nxt_label = page.locator(".hm-story button.hm-primary").last.inner_text().strip()
            tab_to(page, nxt_label, limit=300)
        nxt = scenario.node(trajectory(scenario, steps[: taken + 1]).position)
        wanted = "See how the case ends" if isinstance(nxt, Ending) else "Continue to"
        assert describe_focus(page)["name"].startswith(wanted), describe_focus(page)
        mark_stale(page)
        page.keyboard.press("Enter")

    # The ending, its debrief: one small chart per dimension, the study's path beside.
    assert isinstance(nxt, Ending)
    wait_for_text(page, ".hm-ending h3", f"Ending: {nxt.title}")
    assert "Debrief" in page.locator(".hm-ending").inner_text()
    page.wait_for_function(
        "(panels) => document.querySelectorAll('.hm-chart .js-plotly-plot .main-svg').length"
        " >= panels && document.querySelector('.hm-chart .hm-legend').innerText.includes("
        "'The path in the study')",
        arg=len(scenario.case.dimensions),
        timeout=30_000,
    )
    # The paths not taken at a decision: more lines on each chart.
    lines = (
        "() => document.querySelectorAll('.hm-chart .js-plotly-plot .scatterlayer .trace').length"
    )
    shown = page.evaluate(lines)
    page.locator("select").first.select_option(index=1)
    page.wait_for_function(f"() => ({lines})() > {shown}", timeout=30_000)

    # The journey downloads from the page itself (a data: link).
    with page.expect_download() as downloading:
        tab_to(page, "Download your journey", limit=400)
        page.keyboard.press("Enter")
    saved = Journey.from_dict(json.loads(Path(downloading.value.path()).read_text()))
    assert saved.path() == steps
    assert text in saved.reflections.values()

    # A reload at the ending finds the journey where it was.
    page.reload(wait_until="commit")
    wait_for_site_page(page)
    wait_for_text(page, ".hm-ending h3", f"Ending: {nxt.title}")

    # Nothing went anywhere but the site itself.
    origin = urlparse(site.url)
    elsewhere = sorted(
        {
            url
            for url in requests
            if not url.startswith(("data:", f"blob:{site.url}"))
            and (urlparse(url).scheme, urlparse(url).netloc) != (origin.scheme, origin.netloc)
        }
    )
    assert elsewhere == [], elsewhere
    assert requests, "the page's requests were not recorded"

    build = json.loads(
        (site.data / "_site" / "holding-in-mind" / "build.json").read_text()  # type: ignore[operator]
    )
    report = {
        "total_bytes": build["total_bytes"],
        "files": build["files"],
        "first_visit_bytes": first_visit_bytes,
        "first_visit_requests": len(served(site)[before_visit:]),
        "first_visit_begin_clickable_s": round(first_visit_s, 1),
        "requests_seen": len(requests),
        "hosts": sorted({urlparse(u).netloc for u in requests if urlparse(u).netloc}),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "site-size.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"\nstatic site: {build['total_bytes'] / 1e6:.1f} MB in {build['files']} files; a first "
        f"visit (landing page, then the Clarke case) downloaded {first_visit_bytes / 1e6:.1f} MB "
        f"in {report['first_visit_requests']} requests; every one of {len(requests)} requests "
        f"went to {site.url}"
    )


def test_every_page_of_the_site_opens_as_an_app_with_what_its_notebook_shows(
    page: Any, site: Server
) -> None:
    """Each page the site serves runs in the browser: every code cell shows its output (a
    player, a concept check, the sandbox's chart, the references), with no error and no code."""
    assert site.data is not None
    build = json.loads((site.data / "_site" / "holding-in-mind" / "build.json").read_text())
    problems = []
    for name in build["pages"]:
        notebook = json.loads((ROOT / "course" / name).read_text())
        sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
        page.goto(f"{site.url}/notebooks/index.html?path={name}")
        wait_for_site_page(page)
        if any("play_case(" in s for s in sources):
            page.get_by_role("button", name="Begin the case").first.wait_for(timeout=60_000)
        checks = sum(s.count("concept_check(") for s in sources)
        if checks:
            page.get_by_role("button", name="Check my answer").nth(checks - 1).wait_for()
        if any("model_sandbox(" in s for s in sources):
            page.locator(".js-plotly-plot .scatterlayer path").first.wait_for(timeout=60_000)
        shown = page.locator(".jp-CodeCell .jp-OutputArea-output").count()
        errors = page.locator(
            "[data-mime-type='application/vnd.jupyter.stderr'], "
            "[data-mime-type='application/vnd.jupyter.error']"
        ).count()
        text = page.locator("body").inner_text()
        code = page.locator(".jp-CodeCell .jp-InputArea:visible, .cm-editor:visible").count()
        if shown < len(sources) or errors or code or "Error displaying widget" in text:
            problems.append(f"{name}: {shown}/{len(sources)} outputs, {errors} errors, {code} code")
    assert problems == []
