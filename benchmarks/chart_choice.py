"""Which chart technology for the player's relationship chart: measured under a real Voila.

Issue 4. The relationship chart is redrawn after every learner choice. Two candidates:

A  ``plotly.graph_objects.FigureWidget`` updated in place (``with fig.batch_update(): ...``).
   With plotly 7 it is an ``anywidget`` whose state carries plotly's ~5 MB JavaScript bundle.
B  a plain ``go.Figure`` rebuilt and redisplayed in an ``ipywidgets.Output``
   (``clear_output(wait=True)`` + ``display(fig)``), drawn by the ``jupyterlab-plotly``
   federated extension that Voila loads for the ``application/vnd.plotly.v1+json`` mimetype.

Two throwaway notebooks, identical except for the chart (4 lines of 15 points with markers and
hover text, 3 buttons that each add a point to every line), are served by a fresh Voila per
technology, built with the course's own command line and template
(``casework.serve.voila_command``) with only the extension allowlist changed. Headless
Chromium (Debian's, never a downloaded one; every host but 127.0.0.1 unreachable) measures, in
interleaved runs, each a first visit on a cold cache with 30 choices and then a revisit:

- load: navigation start to "chart drawn and a button clickable", on the page's own clock.
  "Drawn" means exactly one ``.js-plotly-plot`` whose ``.main-svg`` has a size and holds 60
  ``path.point`` markers: an SVG alone proves nothing, plotly draws the axes of an empty
  figure. Split at the end of the HTML response (Voila streams the page while it runs the
  notebook, so that is server time) from the drawing in the browser;
- click latency: a real click (timed from the click event) to the first DOM change after which
  the page holds exactly one plot with four more markers;
- bytes as Chromium counted them on the wire (DevTools network events): HTTP responses with
  headers, and websocket frames, at load, per click and on the revisit; the widget state the
  notebook would save (executed with nbclient, ``store_widget_state=True``);
- resident memory of the page's kernel (found by the ``kernelId`` in the page's config and
  the ``kernel-<id>.json`` connection file on its command line) after load and after the
  clicks, and of the Voila server before the first page, with a page open, and at the end.

It also opens pages that should not draw, to show which extensions each technology needs: a
page whose widgets fail still answers HTTP 200. Prints a table and writes
``benchmarks/results/chart_choice.json``. Figures are comparable as ratios within one run;
the load average is recorded, since other work on the machine slows both alike.

    .venv/bin/python benchmarks/chart_choice.py            # 3-5 minutes on 2 cores
    .venv/bin/python benchmarks/chart_choice.py --skip-probes --loads 2 --clicks 10  # quick
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import nbformat
import psutil
from nbclient import NotebookClient
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from casework.serve import voila_command, voila_environment

ROOT = Path(__file__).parents[1]
RESULT = ROOT / "benchmarks" / "results" / "chart_choice.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Offline and deterministic: any host but the server fails at once (and is listed).
    "--host-resolver-rules=MAP * 127.0.0.1:9, EXCLUDE 127.0.0.1",
]
WIDGETS = "@jupyter-widgets/jupyterlab-manager"
VOILA_WIDGETS = "@voila-dashboards/widgets-manager8"
PLOTLY = "jupyterlab-plotly"
ANYWIDGET = "anywidget"
LINES = 4
START_POINTS = 15
BUTTONS = ("Listen", "Challenge", "Wait")
ERROR_BANNER = "There was an error when executing cell"

# The code both notebooks share: the data, and three buttons that each add a time point.
COMMON = f"""\
import math

import ipywidgets as widgets
import plotly.graph_objects as go
from IPython.display import display

DIMENSIONS = ("trust", "fear", "openness", "reliability")
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")
LAYOUT = dict(
    height=360,
    margin=dict(l=40, r=10, t=30, b=30),
    yaxis=dict(range=[0, 100], title="level"),
    xaxis=dict(title="time"),
    legend=dict(orientation="h"),
    title="The relationship over time",
)
points = {START_POINTS}


def traces(count):
    # The four lines after `count` time points, each marker with its own hover text.
    times = list(range(count))
    result = []
    for k, name in enumerate(DIMENSIONS):
        values = [50 + 35 * math.sin(0.4 * t + k) for t in times]
        result.append(
            go.Scatter(
                x=times, y=values, name=name, mode="lines+markers", line_color=COLOURS[k],
                hovertext=[f"Scene {{t}}: {{name}} {{v:.0f}}" for t, v in zip(times, values)],
                hoverinfo="text",
            )
        )
    return result


buttons = [widgets.Button(description=label) for label in {BUTTONS!r}]
"""

FIGURE_WIDGET = """\
# The traces go to the constructor: see FIGURE_WIDGET_ADDED_LATER for why.
fig = go.FigureWidget(data=traces(points), layout=LAYOUT)


def choose(_button):
    global points
    points += 1
    with fig.batch_update():
        for trace, new in zip(fig.data, traces(points)):
            trace.x = new.x
            trace.y = new.y
            trace.hovertext = new.hovertext


for button in buttons:
    button.on_click(choose)
display(widgets.VBox([fig, widgets.HBox(buttons)]))
"""

# The same, but traces added after construction and the figure shown inside a box: plotly
# sends added traces as one-off messages, and only the figure's own _repr_mimebundle_ copies
# them into its synced state. Voila executes the notebook before the page connects, so the
# messages are lost and the chart draws its axes with no lines. Probed, not measured.
FIGURE_WIDGET_ADDED_LATER = FIGURE_WIDGET.replace(
    "fig = go.FigureWidget(data=traces(points), layout=LAYOUT)",
    "fig = go.FigureWidget(layout=LAYOUT)\nfig.add_traces(traces(points))",
)

OUTPUT_FIGURE = """\
import plotly.io as pio

# What plotly already picks inside ipykernel; pinned so the page never gets inline plotly.js.
pio.renderers.default = "plotly_mimetype"
chart = widgets.Output()


def draw():
    fig = go.Figure(data=traces(points), layout=LAYOUT)
    with chart:
        chart.clear_output(wait=True)
        display(fig)


def choose(_button):
    global points
    points += 1
    draw()


for button in buttons:
    button.on_click(choose)
draw()
display(widgets.VBox([chart, widgets.HBox(buttons)]))
"""

TECHNOLOGIES = {
    "A_figurewidget": FIGURE_WIDGET,
    "B_output_figure": OUTPUT_FIGURE,
}
#: Notebooks that are only probed.
PROBED_ONLY = {"A_figurewidget_added_later": FIGURE_WIDGET_ADDED_LATER}
#: The allowlist each technology is measured with, the smallest that draws: without
#: jupyterlab-manager, widgets-manager8 finds no widget models ("No version of module
#: @jupyter-widgets/base is registered"); the chart's own extension is the third.
ALLOWLISTS = {
    "A_figurewidget": (VOILA_WIDGETS, WIDGETS, ANYWIDGET),
    "B_output_figure": (VOILA_WIDGETS, WIDGETS, PLOTLY),
}
#: Pages that should not draw, each opened once to show why (the allowlists in ALLOWLISTS are
#: proven by the measurement itself, which fails if a chart does not draw):
#: - the allowlist the issue proposed: no widget draws at all, whatever the chart, because
#:   Voila 0.5 draws widgets with its own manager (widgets-manager8), left out by it;
#: - the course's allowlist (``casework.serve.PAGE_EXTENSIONS``): no FigureWidget (anywidget);
#: - a FigureWidget whose traces were added after it was built, shown inside a box;
#: - an Output-held figure without jupyterlab-plotly, which renders the plotly mimetype.
PROBES = (
    ("A_figurewidget", (WIDGETS, PLOTLY)),
    ("A_figurewidget", (VOILA_WIDGETS, WIDGETS, PLOTLY)),
    ("A_figurewidget_added_later", (VOILA_WIDGETS, WIDGETS, ANYWIDGET)),
    ("B_output_figure", (VOILA_WIDGETS, WIDGETS)),
)

# In the page: is there exactly one plot, visibly drawn with `expected` markers, and a button?
DRAWN_JS = """
(expected) => {
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (plots.length !== 1) return false;
  const svg = plots[0].querySelector('.main-svg');
  if (!svg) return false;
  const box = svg.getBoundingClientRect();
  if (box.width < 100 || box.height < 100) return false;
  if (plots[0].querySelectorAll('path.point').length !== expected) return false;
  const button = [...document.querySelectorAll('button')]
    .find((b) => b.textContent.trim() === 'Listen');
  if (!button || button.disabled || button.getBoundingClientRect().width === 0) return false;
  return performance.now();
}
"""

# In the page: arm a timer started by the next trusted click on `label` and stopped by the first
# DOM mutation after which the page holds exactly one plot with `expected` markers.
ARM_JS = """
([label, expected]) => {
  const button = [...document.querySelectorAll('button')]
    .find((b) => b.textContent.trim() === label);
  const drawn = () => {
    const plots = document.querySelectorAll('.js-plotly-plot');
    return plots.length === 1
      && plots[0].querySelectorAll('path.point').length === expected;
  };
  window.__chartUpdate = new Promise((resolve, reject) => {
    let started = null;
    const observer = new MutationObserver(() => {
      if (started !== null && drawn()) {
        observer.disconnect();
        resolve(performance.now() - started);
      }
    });
    button.addEventListener('click', () => {
      started = performance.now();
      observer.observe(document.body, {subtree: true, childList: true, attributes: true});
    }, {once: true, capture: true});
    setTimeout(() => {
      observer.disconnect();
      const plots = document.querySelectorAll('.js-plotly-plot');
      const counts = [...plots].map((p) => p.querySelectorAll('path.point').length);
      reject(new Error(`no redraw to ${expected} points; plots hold ${counts}`));
    }, 20000);
  });
}
"""

PROBE_JS = """
(expected) => ({
  drawn: (DRAWN)(expected) !== false,
  buttons: [...document.querySelectorAll('button')]
    .some((b) => b.textContent.trim() === 'Listen' && b.getBoundingClientRect().width > 0),
})
""".replace("(DRAWN)", "(" + DRAWN_JS.strip() + ")")

#: Console messages that mean a page's widgets will never draw.
FATAL = ("No version of module", "failed to activate", "Failed to load model class")

COUNTS_JS = """
() => ({
  widgets_rendered: document.querySelectorAll('.jupyter-widgets').length,
  plots: document.querySelectorAll('.js-plotly-plot').length,
  markers: document.querySelectorAll('.js-plotly-plot path.point').length,
})
"""

PAGE_PROBLEMS_JS = """
() => {
  const text = document.body ? document.body.innerText : '';
  const found = [];
  for (const needle of ['There was an error when executing cell', 'Traceback',
                        'Error displaying widget', 'Failed to load model class',
                        'No renderer could be found', 'model not found']) {
    if (text.includes(needle)) found.push(needle);
  }
  return found;
}
"""


def write_notebook(directory: Path, chart_code: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(COMMON), nbformat.v4.new_code_cell(chart_code)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = directory / "chart.ipynb"
    nbformat.write(notebook, path)
    return path


def widget_state_bytes(path: Path) -> dict[str, int]:
    """The widget state this notebook saves, as nbclient (and so nbgrader) would store it."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", store_widget_state=True).execute(
        cwd=str(path.parent)
    )
    state = notebook.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}
    )
    models = state.get("state", {})
    largest = max(
        (len(json.dumps(model)) for model in models.values()),
        default=0,
    )
    return {
        "widget_state_bytes": len(json.dumps(state)),
        "widget_models": len(models),
        "largest_model_bytes": largest,
        "saved_notebook_bytes": len(nbformat.writes(notebook)),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    technology: str
    allowlist: tuple[str, ...]
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    #: Every kernel seen, kept as psutil handles (safe against a reused pid) to stop at the end.
    kernels: dict[int, psutil.Process] = field(default_factory=dict)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Voila exited early:\n{self.log.read_text()}")
            with (
                suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url + "/", timeout=5) as response,
            ):
                if response.status == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Voila did not answer in {timeout_s} s:\n{self.log.read_text()}"
                )
            time.sleep(0.3)

    def rss_mb(self) -> float:
        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def children(self) -> list[psutil.Process]:
        with suppress(psutil.Error):
            return psutil.Process(self.process.pid).children(recursive=True)
        return []

    def kernel(self, kernel_id: str) -> psutil.Process | None:
        """The kernel process whose command line names this kernel's connection file."""
        needle = f"kernel-{kernel_id}.json"
        for child in self.children():
            with suppress(psutil.Error):
                if any(needle in part for part in child.cmdline()):
                    self.kernels[child.pid] = child
                    return child
        return None

    def live_kernels(self) -> int:
        count = 0
        for child in self.children():
            with suppress(psutil.Error):
                count += any("ipykernel" in part for part in child.cmdline())
        return count

    def stop(self) -> None:
        self.kernels |= {child.pid: child for child in self.children()}
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        # jupyter_client starts kernels in sessions of their own: stop any the server left.
        for kernel in self.kernels.values():
            with suppress(psutil.Error):
                if kernel.is_running():
                    kernel.terminate()
                    kernel.wait(timeout=10)


@contextmanager
def voila(
    technology: str, directory: Path, allowlist: tuple[str, ...], wait: bool = True
) -> Iterator[Server]:
    """A Voila for one notebook directory, launched as the course is, stopped on the way out."""
    port = free_port()
    command = voila_command(root=directory, port=port)
    # Only the allowlist changes (one item per option, as traitlets wants for lists), and
    # tracebacks are shown so that a failing cell is named rather than hidden.
    dropped = ("--VoilaConfiguration.extension_allowlist=", "--VoilaConfiguration.show_tracebacks=")
    command = [part for part in command if not part.startswith(dropped)]
    command += [f"--VoilaConfiguration.extension_allowlist={name}" for name in allowlist]
    command.append("--VoilaConfiguration.show_tracebacks=True")
    log = directory.parent / f"voila-{technology}-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=directory,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=voila_environment(),
            start_new_session=True,
        )
    server = Server(technology, allowlist, f"http://127.0.0.1:{port}", process, log)
    try:
        if wait:
            server.wait_ready()
        yield server
    finally:
        server.stop()


class Traffic:
    """What one page received, as Chromium counted it on the wire (DevTools network events).

    ``encodedDataLength`` is what crossed the network, headers included, and 0 for a
    response served from the browser's cache; websocket frames are counted by payload.
    """

    def __init__(self, page: Page, local: str) -> None:
        self.local = local
        self.http_bytes = 0
        self.requests = 0
        self.from_cache = 0
        self.socket_bytes = 0
        self.socket_bytes_sent = 0
        self.third_party: list[str] = []
        session = page.context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self._sent)
        session.on("Network.requestServedFromCache", self._cached)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.webSocketFrameReceived", self._frame)
        session.on("Network.webSocketFrameSent", self._sent_frame)
        session.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(self.local):
            self.third_party.append(url)

    def _cached(self, _event: dict[str, Any]) -> None:
        self.from_cache += 1

    def _finished(self, event: dict[str, Any]) -> None:
        self.requests += 1
        self.http_bytes += int(event.get("encodedDataLength", 0))

    def _frame(self, event: dict[str, Any]) -> None:
        self.socket_bytes += self._length(event["response"])

    def _sent_frame(self, event: dict[str, Any]) -> None:
        self.socket_bytes_sent += self._length(event["response"])

    @staticmethod
    def _length(frame: dict[str, Any]) -> int:
        payload = frame.get("payloadData", "")
        if frame.get("opcode") == 2:  # binary frames arrive base64-encoded
            return len(payload) * 3 // 4 - payload[-2:].count("=")
        return len(payload.encode())


@dataclass
class Loaded:
    page: Page
    traffic: Traffic
    errors: list[str]
    drawn: bool
    load_ms: float
    arrived_ms: float
    kernel_id: str


def open_chart(context: BrowserContext, server: Server, timeout_s: float) -> Loaded:
    """Open the page and wait until the chart has really drawn and a button can be clicked.

    The time is the page's own clock when the check first passed, which starts at navigation.
    """
    page = context.new_page()
    traffic = Traffic(page, server.url)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text[:300]) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)[:300]))
    page.goto(server.url + "/voila/render/chart.ipynb", wait_until="commit", timeout=60_000)
    try:
        handle = page.wait_for_function(
            DRAWN_JS, arg=LINES * START_POINTS, polling="raf", timeout=timeout_s * 1000
        )
        drawn, load_ms = True, float(handle.json_value())
    except PlaywrightError:
        drawn, load_ms = False, float("nan")
    config = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data')?.textContent || '{}')"
    )
    # Voila streams the page while it runs the notebook: the response ends when it is done.
    arrived_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
    return Loaded(
        page, traffic, errors, drawn, load_ms, float(arrived_ms), config.get("kernelId", "")
    )


def leave(server: Server, loaded: Loaded) -> bool:
    """Leave the page as a learner does; True if Voila then shut the page's kernel down.

    Voila's page asks for the shutdown with a beacon on ``beforeunload``, which the server
    refuses (403, "'_xsrf' argument missing") unless the browser holds an ``_xsrf`` cookie,
    and only Voila's tree page sets one, not a notebook page opened directly
    (voila-dashboards/voila#1458). The runs fetch the tree first (see ``run_once``).
    """
    kernel = server.kernel(loaded.kernel_id) if loaded.kernel_id else None
    with suppress(PlaywrightError):
        loaded.page.close(run_before_unload=True)
    if kernel is None:
        return False
    try:
        kernel.wait(timeout=10)
    except psutil.TimeoutExpired:
        return False
    except psutil.Error:
        pass
    return True


class NotDrawn(RuntimeError):
    """The chart did not draw within the time allowed."""


def kernel_ports(server: Server, kernel_id: str) -> str:
    """Which processes listen on the page kernel's ports: another one means a port race."""
    kernel = server.kernel(kernel_id) if kernel_id else None
    if kernel is None:
        return f"no process for kernel {kernel_id!r}"
    try:
        command = kernel.cmdline()
        connection = json.loads(Path(command[command.index("-f") + 1]).read_text())
        listeners: dict[int, set[int]] = {}
        for entry in psutil.net_connections(kind="tcp"):
            if entry.status == psutil.CONN_LISTEN and entry.pid:
                listeners.setdefault(entry.laddr.port, set()).add(entry.pid)
        ports = {
            name: sorted(listeners.get(connection[name], set()))
            for name in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        }
        return (
            f"pid {kernel.pid} {kernel.status()} cpu {sum(kernel.cpu_times()[:2]):.1f} s, {ports}"
        )
    except (psutil.Error, OSError, ValueError, KeyError) as error:
        return f"pid {kernel.pid}, ports unreadable ({error})"


def diagnose(loaded: Loaded, server: Server) -> str:
    """What a page that did not draw shows, and what Voila said last, for the record."""
    lines = server.log.read_text(errors="replace").strip().splitlines()
    log = " | ".join(line for line in lines[-6:] if "TCP without encryption" not in line)
    log += f" | kernel: {kernel_ports(server, loaded.kernel_id)}"
    with suppress(PlaywrightError):
        counts = loaded.page.evaluate(COUNTS_JS)
        problems = loaded.page.evaluate(PAGE_PROBLEMS_JS)
        text = loaded.page.evaluate("() => document.body ? document.body.innerText : ''")
        return (
            f"{counts}, page response ended at {loaded.arrived_ms:.0f} ms, page shows "
            f"{problems} {text[:120]!r}, console {loaded.errors[:3]}, Voila log: {log}"
        )
    return f"page unreadable, console {loaded.errors[:3]}, Voila log: {log}"


def run_once(browser: Browser, server: Server, clicks: int) -> dict[str, Any]:
    """One learner: a first visit on a cold cache with `clicks` choices, then a revisit."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    # The tree page sets the _xsrf cookie that the kernel-shutdown beacon needs (see `leave`);
    # fetched outside the page, so that neither its time nor its bytes are counted.
    context.request.get(server.url + "/")
    try:
        cold = open_chart(context, server, timeout_s=60)
        try:
            page = cold.page
            if not cold.drawn:
                raise NotDrawn(f"{server.technology}, first visit: {diagnose(cold, server)}")
            kernel = server.kernel(cold.kernel_id)
            if kernel is None:
                raise RuntimeError(f"no kernel process for {cold.kernel_id}")
            page.wait_for_timeout(500)  # let the last messages of the load arrive
            load_http, load_socket = cold.traffic.http_bytes, cold.traffic.socket_bytes
            load_sent = cold.traffic.socket_bytes_sent
            kernel_load_mb = kernel.memory_info().rss / 2**20
            server_load_mb = server.rss_mb()
            latencies = []
            expected = LINES * START_POINTS
            for click in range(clicks):
                expected += LINES
                label = BUTTONS[click % len(BUTTONS)]
                page.evaluate(ARM_JS, [label, expected])
                page.get_by_role("button", name=label, exact=True).click()
                latencies.append(float(page.evaluate("() => window.__chartUpdate")))
            page.wait_for_timeout(300)
            result = {
                "load_ms": cold.load_ms,
                "page_arrived_ms": cold.arrived_ms,
                "load_http_bytes": load_http,
                "load_socket_bytes": load_socket,
                "http_requests": cold.traffic.requests,
                "third_party_requests": sorted(set(cold.traffic.third_party)),
                "click_latencies_ms": latencies,
                "socket_bytes_per_click": (cold.traffic.socket_bytes - load_socket) / clicks,
                "socket_bytes_sent_per_click": (cold.traffic.socket_bytes_sent - load_sent)
                / clicks,
                "kernel_rss_load_mb": kernel_load_mb,
                "kernel_rss_after_clicks_mb": kernel.memory_info().rss / 2**20,
                "server_rss_with_page_mb": server_load_mb,
                "page_problems": page.evaluate(PAGE_PROBLEMS_JS),
                "console_errors": cold.errors,
            }
        finally:
            result_left = leave(server, cold)
        warm = open_chart(context, server, timeout_s=60)
        try:
            if warm.drawn:
                warm.page.wait_for_timeout(500)
                result |= {
                    "warm_load_ms": warm.load_ms,
                    "warm_http_bytes": warm.traffic.http_bytes,
                    "warm_socket_bytes": warm.traffic.socket_bytes,
                }
            else:
                result["failure"] = f"{server.technology}, revisit: {diagnose(warm, server)}"
        finally:
            warm_left = leave(server, warm)
        result["kernels_shut_down_on_leave"] = int(result_left) + int(warm_left)
        return result
    finally:
        context.close()


def probe_page(context: BrowserContext, server: Server, timeout_s: float) -> dict[str, Any]:
    """Open the page once and watch it until it draws, the console names a failure, its
    buttons have shown for 10 s with no chart, or `timeout_s` passes."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.monotonic()
    page.goto(server.url + "/voila/render/chart.ipynb", wait_until="commit")
    verdict, seconds, buttons_at = f"nothing drew within {timeout_s:.0f} s", None, None
    while time.monotonic() - started < timeout_s:
        with suppress(PlaywrightError):
            state = page.evaluate(PROBE_JS, LINES * START_POINTS)
            now = time.monotonic()
            if state["drawn"]:
                verdict, seconds = "drawn", round(now - started, 1)
                break
            if any(needle in error for error in errors for needle in FATAL):
                verdict = "widget manager failed (see console)"
                break
            if state["buttons"]:
                buttons_at = buttons_at or now
                if now - buttons_at > 10:
                    verdict = "buttons drew, chart did not"
                    break
        time.sleep(0.25)
    # Voila streams the page while it runs the notebook: no end means it is still running.
    ended = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd > 0")
    result = {
        "technology": server.technology,
        "allowlist": list(server.allowlist),
        "drawn": verdict == "drawn",
        "verdict": verdict if ended else f"{verdict}: Voila still running the notebook",
        "seconds_to_draw": seconds,
        **page.evaluate(COUNTS_JS),
        "page_shows": page.evaluate(PAGE_PROBLEMS_JS),
        "console_errors": sorted({e.split("\n")[0][:200] for e in errors if "net::ERR_" not in e})[
            :4
        ],
    }
    if not ended:
        config = page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data')?.textContent || '{}')"
        )
        result["kernel"] = kernel_ports(server, config.get("kernelId", ""))
    with suppress(PlaywrightError):
        page.close(run_before_unload=True)
    return result


def probe_allowlists(
    browser: Browser, notebooks: dict[str, Path], timeout_s: float = 40
) -> list[dict[str, Any]]:
    """Does the chart draw at all with each allowlist? A page whose widgets fail answers 200.

    The servers start together; the pages are then opened one at a time (two cores: pages
    loading side by side starve each other into false failures). A page on which Voila never
    finished running the notebook says nothing about the allowlist: it is tried once more.
    """
    results = []
    with ExitStack() as stack:
        servers = [
            stack.enter_context(voila(name, notebooks[name].parent, allowlist, wait=False))
            for name, allowlist in PROBES
        ]
        for server in servers:
            server.wait_ready()
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            stack.callback(context.close)
            result = probe_page(context, server, timeout_s)
            if "still running" in result["verdict"]:
                result = probe_page(context, server, timeout_s) | {"hung_first": result}
            results.append(result)
        time.sleep(1)  # let the kernel-shutdown beacon of the last page arrive
    # These pages were opened directly, with no _xsrf cookie (see `leave`).
    for result, server in zip(results, servers, strict=True):
        result["kernel_shutdown_refused"] = "'_xsrf' argument missing" in server.log.read_text()
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summarise(runs: list[dict[str, Any]], server: dict[str, float], state: dict[str, int]) -> dict:
    latencies = [ms for run in runs for ms in run["click_latencies_ms"]]
    loads = [run["load_ms"] for run in runs]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    def median_of_revisits(key: str) -> float:
        values = [run[key] for run in runs if key in run]
        return statistics.median(values) if values else math.nan

    def whole(value: float) -> int | None:
        return None if math.isnan(value) else round(value)

    return {
        "runs": len(runs),
        "clicks": len(latencies),
        "load_ms_median": round(statistics.median(loads)),
        "load_ms_first": round(loads[0]),
        "load_ms_min": round(min(loads)),
        "load_ms_max": round(max(loads)),
        "page_arrived_ms_median": round(median("page_arrived_ms")),
        "drawn_after_arrival_ms_median": round(
            statistics.median(run["load_ms"] - run["page_arrived_ms"] for run in runs)
        ),
        "warm_load_ms_median": whole(median_of_revisits("warm_load_ms")),
        "kernels_shut_down_on_leave": f"{sum(r['kernels_shut_down_on_leave'] for r in runs)}"
        f" of {2 * len(runs)}",
        "click_ms_p50": round(percentile(latencies, 0.50), 1),
        "click_ms_p95": round(percentile(latencies, 0.95), 1),
        "click_ms_max": round(max(latencies), 1),
        "page_total_kb": round(
            median("load_http_bytes") / 1024 + median("load_socket_bytes") / 1024
        ),
        "page_http_kb": round(median("load_http_bytes") / 1024),
        "page_socket_kb": round(median("load_socket_bytes") / 1024),
        "warm_total_kb": whole(
            median_of_revisits("warm_http_bytes") / 1024
            + median_of_revisits("warm_socket_bytes") / 1024
        ),
        "warm_http_kb": whole(median_of_revisits("warm_http_bytes") / 1024),
        "warm_socket_kb": whole(median_of_revisits("warm_socket_bytes") / 1024),
        "socket_kb_per_click": round(median("socket_bytes_per_click") / 1024, 1),
        "socket_kb_sent_per_click": round(median("socket_bytes_sent_per_click") / 1024, 1),
        "http_requests": round(median("http_requests")),
        "widget_state_kb": round(state["widget_state_bytes"] / 1024),
        "largest_widget_model_kb": round(state["largest_model_bytes"] / 1024),
        "widget_models": state["widget_models"],
        "saved_notebook_kb": round(state["saved_notebook_bytes"] / 1024),
        "kernel_rss_load_mb": round(median("kernel_rss_load_mb"), 1),
        "kernel_rss_after_clicks_mb": round(median("kernel_rss_after_clicks_mb"), 1),
        "server_rss_start_mb": round(server["start"], 1),
        "server_rss_with_page_mb": round(median("server_rss_with_page_mb"), 1),
        "server_rss_end_mb": round(server["end"], 1),
        "third_party_requests": sorted(
            {url for run in runs for url in run["third_party_requests"]}
        ),
        "page_problems": sorted({p for run in runs for p in run["page_problems"]}),
        "console_errors": sorted(
            {
                e.split("\n")[0]
                for run in runs
                for e in run["console_errors"]
                if "net::ERR_" not in e
            }
        )[:5],
    }


COLUMNS = (
    ("load_ms_median", "load ms, cold cache (median)"),
    ("page_arrived_ms_median", "  page arrived (Voila ran it)"),
    ("drawn_after_arrival_ms_median", "  then drawn in the browser"),
    ("load_ms_first", "load ms, first page of server"),
    ("warm_load_ms_median", "load ms, revisit (median)"),
    ("click_ms_p50", "click to redrawn ms, p50"),
    ("click_ms_p95", "click to redrawn ms, p95"),
    ("page_total_kb", "page KB received, cold"),
    ("page_http_kb", "  of which HTTP"),
    ("page_socket_kb", "  of which websocket"),
    ("warm_total_kb", "page KB received, revisit"),
    ("socket_kb_per_click", "websocket KB per click, down"),
    ("socket_kb_sent_per_click", "websocket KB per click, up"),
    ("widget_state_kb", "widget state KB (saved)"),
    ("kernel_rss_load_mb", "kernel RSS MB, loaded"),
    ("kernel_rss_after_clicks_mb", "kernel RSS MB, after clicks"),
    ("server_rss_start_mb", "Voila RSS MB, start"),
    ("server_rss_with_page_mb", "Voila RSS MB, page open"),
    ("server_rss_end_mb", "Voila RSS MB, end"),
)


def measure(
    browser: Browser,
    notebooks: dict[str, Path],
    states: dict[str, dict[str, int]],
    loads: int,
    clicks: int,
    deadline: float,
) -> dict[str, dict[str, Any]]:
    """Both technologies, each on a fresh Voila of its own, in interleaved runs.

    No new run starts after `deadline` (``time.monotonic``) once two runs each are done, so a
    busy machine gives fewer runs rather than a benchmark nobody waits for.
    """
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in TECHNOLOGIES}
    failures: dict[str, list[str]] = {name: [] for name in TECHNOLOGIES}
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(voila(name, notebooks[name].parent, ALLOWLISTS[name]))
            for name in TECHNOLOGIES
        }
        server_rss = {name: {"start": server.rss_mb()} for name, server in servers.items()}
        for run in range(loads):
            if min(map(len, runs.values())) >= 2 and time.monotonic() > deadline:
                print(f"time budget spent: stopping after {run} runs each", flush=True)
                break
            # Interleaved, and alternating who goes first, so drift hits both alike.
            order = list(servers) if run % 2 == 0 else list(reversed(servers))
            for name in order:
                started = time.monotonic()
                try:
                    result = run_once(browser, servers[name], clicks)
                except NotDrawn as error:
                    failures[name].append(str(error))
                    print(f"run {run + 1} {name}: FAILED {error}", flush=True)
                    continue
                result["seconds"] = round(time.monotonic() - started, 1)
                runs[name].append(result)
                if "failure" in result:
                    failures[name].append(result["failure"])
                revisit = result.get("warm_load_ms", math.nan)
                print(
                    f"run {run + 1} {name}: load {result['load_ms']:.0f} ms "
                    f"(revisit {revisit:.0f}), click p50 "
                    f"{statistics.median(result['click_latencies_ms']):.0f} ms, "
                    f"kernel {result['kernel_rss_after_clicks_mb']:.0f} MB ({result['seconds']} s)"
                    + (f"; FAILED {result['failure']}" if "failure" in result else ""),
                    flush=True,
                )
        time.sleep(1)
        for name, server in servers.items():
            server_rss[name]["end"] = server.rss_mb()
            server_rss[name]["kernels_left"] = server.live_kernels()
    rows = {}
    for name in TECHNOLOGIES:
        if not runs[name]:
            raise NotDrawn(f"{name} never drew: {failures[name]}")
        rows[name] = summarise(runs[name], server_rss[name], states[name])
        rows[name]["failures"] = failures[name]
        rows[name]["allowlist"] = list(ALLOWLISTS[name])
        rows[name]["kernels_left_running"] = server_rss[name]["kernels_left"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=4, help="page loads per technology")
    parser.add_argument(
        "--budget", type=float, default=240, help="seconds after which no new run starts"
    )
    parser.add_argument("--clicks", type=int, default=30, help="clicks per page load")
    parser.add_argument("--skip-probes", action="store_true", help="skip the allowlist probes")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: install Debian's chromium (never `playwright install`)")
    began = time.perf_counter()
    deadline = time.monotonic() + options.budget
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="chart_choice_") as temp:
        notebooks = {
            name: write_notebook(Path(temp) / name, code)
            for name, code in {**TECHNOLOGIES, **PROBED_ONLY}.items()
        }
        print("widget state, saved by nbclient...", flush=True)
        states = {name: widget_state_bytes(notebooks[name]) for name in TECHNOLOGIES}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                probes = []
                if not options.skip_probes:
                    print(f"probing {len(PROBES)} allowlists...", flush=True)
                    probes = probe_allowlists(browser, notebooks)
                    for result in probes:
                        print(
                            f"  {result['technology']:<27} {result['verdict']:<36} "
                            f"{result['allowlist']}"
                        )
                print(f"measuring ({time.perf_counter() - began:.0f} s so far)...", flush=True)
                rows = measure(browser, notebooks, states, options.loads, options.clicks, deadline)
            finally:
                browser.close()
    a, b = rows["A_figurewidget"], rows["B_output_figure"]
    ratios = {key: round(b[key] / a[key], 2) for key, _ in COLUMNS if a[key] and b[key] is not None}
    width = max(len(label) for _, label in COLUMNS)
    print(f"\n{'':<{width}} {'A FigureWidget':>15} {'B Output+Figure':>16} {'B/A':>6}")
    for key, label in COLUMNS:
        print(f"{label:<{width}} {a[key]!s:>15} {b[key]!s:>16} {ratios.get(key, '')!s:>6}")
    elapsed = time.perf_counter() - began
    print(
        f"{a['runs']} runs of {options.clicks} clicks each; load average (1 min) "
        f"{load_before[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end on {os.cpu_count()} CPUs"
    )
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(
        json.dumps(
            {
                "benchmark": "chart_choice",
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "chromium": subprocess.run(
                    [CHROMIUM, "--version"], capture_output=True, text=True, check=False
                ).stdout.strip(),
                "versions": {
                    package: version(package)
                    for package in ("voila", "ipywidgets", "plotly", "anywidget", "playwright")
                },
                "load_average_1_5_15_min": {
                    "start": [round(x, 1) for x in load_before],
                    "end": [round(x, 1) for x in os.getloadavg()],
                },
                "loads_per_technology": a["runs"],
                "clicks_per_load": options.clicks,
                "seconds": round(elapsed),
                "rows": rows,
                "ratios_B_over_A": ratios,
                "allowlist_probes": probes,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULT.relative_to(ROOT)} in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
