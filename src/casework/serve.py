"""How the course is served with Voila: one place, used by ``make start`` and by the tests.

The settings are the host's safety and speed choices, each with its reason:
- loopback only (127.0.0.1): a laptop serving a course must not be open to the network;
- only ``course/`` is served: never nbgrader's ``source/`` or the gradebook;
- sources stripped and tracebacks hidden: learners see the course, not the code;
- only the JupyterLab extensions the pages need (widgets, plotly): nbgrader's and other
  extensions stay out of learner pages;
- idle kernels culled: every page view starts a kernel on the host;
- no third-party requests: the course's template drops Voila's Font Awesome CDN links.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from casework.locations import course_dir, jupyter_data_dir

DEFAULT_PORT = 8866
LOOPBACK = "127.0.0.1"
#: The JupyterLab extensions a learner page needs; everything else is left out. Voila 0.5
#: draws widgets with its own manager (widgets-manager8), which needs the controls that
#: jupyterlab-manager registers; jupyterlab-plotly renders the charts. Leaving out the rest
#: (nbgrader, the notebook and preview extensions) removes their errors and downloads.
PAGE_EXTENSIONS = (
    "@voila-dashboards/widgets-manager8",
    "@jupyter-widgets/jupyterlab-manager",
    "jupyterlab-plotly",
)
#: Request headers handed to a page's kernel: the cookies, which hold the learner's resume code
#: for that page (set by the course's template; see casework/player/coming_back.py).
PASSED_HEADERS = ("Cookie",)
#: The course's Voila template (share/jupyter/voila/templates/holding-in-mind): Voila's lab
#: template without the stylesheets it fetches from a public CDN.
TEMPLATE = "holding-in-mind"
#: The longest a page's cell may run while the page is rendered (seconds).
CELL_TIMEOUT_SECONDS = 60
#: What a learner reads under Voila's own notice when a page's cell fails or runs out of time
#: (Voila's defaults tell them to restart Voila with debugging options).
CELL_ERROR_ADVICE = (
    "This part of the page could not be shown. Reload the page: your saved work is kept. "
    "If it happens again, please tell your tutor."
)
CELL_TIMEOUT_ADVICE = (
    "The course's server is busy just now. Reload the page in a minute: your saved work is kept."
)
#: A kernel with no page connected and idle this long (seconds) is shut down; its journey is
#: already saved. A page closed or reloaded stops its own kernel (the course's template makes
#: sure Voila accepts that request; voila#1458); this catches pages that vanish without
#: saying so (a crashed browser, a lost connection), each holding about 80 MB until then.
CULL_IDLE_SECONDS = 300
#: With a pool, a kernel taken from it is replaced this long (seconds) afterwards (Voila's own
#: default). Measured with a pool of 2, five new visitors one after another: with 1 s every
#: page was clickable in about 1 s; with 10 s the third waited 3.6 s (and up to 10 s when
#: visitors came closer together), since Voila hands the next visitor the refill that is
#: still sleeping; with 0 s, about 1.4 s each, the refill competing with the page.
POOL_FILL_DELAY_SECONDS = 1


def preheat_arguments(
    pool_size: int, only: str = r"cases/[^/]+", fill_delay: float = POOL_FILL_DELAY_SECONDS
) -> list[str]:
    """Voila's preheated kernels: ``pool_size`` kernels for each page matching ``only``.

    Each such page is run in ``pool_size`` kernels before anyone asks for it, and handed to
    the next learners who open it (first choice clickable in about 1.2 s instead of 2 s on
    two cores, docs/speed.md). Kept for the case pages: the reading pages start kernels on
    demand, and every pooled page holds ``pool_size`` idle kernels (about 70 MB each).
    Voila 0.5.13 matches the deny list against each notebook's absolute path, hence the
    leading ``.*/`` (a pattern anchored at ``cases/`` silently preheats nothing).
    """
    if pool_size <= 0:
        return []
    return [
        "--preheat_kernel=True",
        f"--pool_size={pool_size}",
        rf"--VoilaKernelManager.preheat_denylist=^(?!.*/{only}\.ipynb$)",
        f"--VoilaKernelManager.fill_delay={fill_delay:g}",
    ]


def voila_command(
    root: Path | None = None,
    port: int = DEFAULT_PORT,
    ip: str = LOOPBACK,
    open_browser: bool = False,
    pool: int = 0,
    cell_timeout: int = CELL_TIMEOUT_SECONDS,
) -> list[str]:
    """The full Voila command line for serving the course; ``pool``: preheated kernels per
    case page (none by default: see ``preheat_arguments``)."""
    # The script beside this Python, or Voila run as a module of it (an environment whose
    # packages come from elsewhere has no script of its own).
    voila = shutil.which("voila", path=str(Path(sys.executable).parent))
    return [
        *([voila] if voila else [sys.executable, "-m", "voila"]),
        str(root or course_dir()),
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        *(f"--VoilaConfiguration.extension_allowlist={name}" for name in PAGE_EXTENSIONS),
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        # A cell that never answers (an ipykernel 7 reply lost under load was seen once)
        # ends in an error after a minute instead of leaving the page waiting for ever.
        f"--NotebookClient.timeout={cell_timeout}",
        f"--VoilaExecutor.cell_error_instruction={CELL_ERROR_ADVICE}",
        f"--VoilaExecutor.cell_timeout_instruction={CELL_TIMEOUT_ADVICE}",
        "--Voila.log_level=WARN",
        f"--VoilaConfiguration.template={TEMPLATE}",
        # The page request's cookies reach its kernel (as HTTP_COOKIE), so a learner's browser
        # can bring them back to their journey (casework.player.handover.remembered_token).
        *(f"--VoilaConfiguration.http_header_envs={name}" for name in PASSED_HEADERS),
        *preheat_arguments(pool),
    ]


def voila_environment() -> dict[str, str]:
    """The environment for the server: Jupyter's current platform paths, no migration noise,
    and the course's own Voila template on the data path."""
    env = dict(os.environ)
    paths = [str(jupyter_data_dir()), *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def serve(port: int = DEFAULT_PORT, open_browser: bool = False, pool: int = 0) -> None:
    """Replace this process with the Voila server (so Ctrl+C and signals reach it directly)."""
    command = voila_command(port=port, open_browser=open_browser, pool=pool)
    print(f"Serving the course at http://{LOOPBACK}:{port}/ (Ctrl+C to stop)", flush=True)
    if pool:
        print(f"Keeping {pool} kernel(s) ready for each case page.", flush=True)
    os.execvpe(command[0], command, voila_environment())
