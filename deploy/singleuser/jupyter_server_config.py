# Jupyter Server configuration for one person's single-user server under JupyterHub.
#
# The course image puts this folder on JUPYTER_CONFIG_PATH (deploy/Dockerfile); the hub tells
# the server whose it is with HOLDING_IN_MIND_ROLE (deploy/jupyterhub_config.py sets it in
# its pre-spawn hook). A learner's server is the course as Voila apps and nothing else; an
# educator's is JupyterLab with nbgrader's formgrader. An unknown or missing role is a
# learner: whatever goes wrong, nobody gets more than a learner by accident.
#
# Each setting says why it is here. deploy/README.md lists the documentation behind them.
import os
import shutil
from pathlib import Path

from casework.locations import course_dir, exercises_dir
from casework.serve import (
    CELL_ERROR_ADVICE,
    CELL_TIMEOUT_ADVICE,
    CELL_TIMEOUT_SECONDS,
    CULL_IDLE_SECONDS,
    PAGE_EXTENSIONS,
    PASSED_HEADERS,
    TEMPLATE,
    chart_extension_paths,
    hashed_labextension_urls,
    nodelay_kernel_connection,
)

c = get_config()  # noqa: F821 (Jupyter provides get_config when it reads this file)

ROLE = os.environ.get("HOLDING_IN_MIND_ROLE", "learner")
EDUCATOR = ROLE == "educator"

# --- The course's Voila pages, the same for everyone -------------------------------------

# Voila runs inside this server as a Jupyter server extension: the pages are at
# /user/<name>/voila/render/<notebook>, and every VoilaConfiguration setting that
# `make start` passes on its command line (src/casework/serve.py) is set here instead,
# from the same constants.
c.ServerApp.jpserver_extensions.update({"voila.server_extension": True})
c.VoilaConfiguration.template = TEMPLATE
c.VoilaConfiguration.strip_sources = True
c.VoilaConfiguration.show_tracebacks = False
c.VoilaConfiguration.extension_allowlist = list(PAGE_EXTENSIONS)
# The course's chart renderer (plotly.js's basic bundle), where the image was built with it
# (labextension/build in the course's folder; casework.serve falls back to jupyterlab-plotly).
c.VoilaConfiguration.extra_labextensions_path = [
    str(path) for path in chart_extension_paths() if path.is_dir()
]
# Browsers keep the extensions' content-hashed files for a year without asking again (Voila
# sends every labextension file with "no-cache"); the server's responses are compressed (see
# tornado_settings below). docs/speed.md has what each bought under `make start`.
c.ServerApp.static_immutable_cache = hashed_labextension_urls(
    os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
)
# A page's kernel messages leave at once: without TCP_NODELAY a small message written right
# after another waited up to 40 ms for the browser's delayed acknowledgement.
c.ServerApp.kernel_websocket_connection_class = nodelay_kernel_connection()
# The page request's cookies reach its kernel, which finds the learner's journey by the resume
# code their browser keeps for that page (a reload or a reopened page comes back to the step).
c.VoilaConfiguration.http_header_envs = list(PASSED_HEADERS)
# A cell that never answers ends in a notice after a minute instead of a page that waits for
# ever; the notice tells a learner to reload (their work is saved), not how to debug Voila.
c.NotebookClient.timeout = CELL_TIMEOUT_SECONDS
c.VoilaExecutor.cell_error_instruction = CELL_ERROR_ADVICE
c.VoilaExecutor.cell_timeout_instruction = CELL_TIMEOUT_ADVICE
# The course's template (share/jupyter/voila/templates/holding-in-mind) must be on the
# Jupyter data path before the server starts: the image sets JUPYTER_PATH to
# /srv/holding-in-mind/share/jupyter (setting it from here is too late once JupyterHub
# has fixed the data path, which it does for learners when it ignores their home folder).

# Every page view starts a kernel in this server: shut down kernels idle this long (the
# journey is saved on every choice). The hub's culler stops the whole server later.
c.MappingKernelManager.cull_idle_timeout = CULL_IDLE_SECONDS
c.MappingKernelManager.cull_interval = 60

if not EDUCATOR:
    # --- A learner: the course as Voila apps, and nothing else -----------------------------

    # The pages are served from the course folder in the image (read-only there): never a
    # home folder, never nbgrader's source/ or a gradebook.
    c.ServerApp.root_dir = str(course_dir())

    # singleuser.defaultUrl only chooses the first page: without this, /user/<name>/lab and
    # /tree still answer, with a code editor, a terminal and nbgrader's menus. Turning the
    # extensions off removes those addresses (they answer 404). Kernels, contents and
    # Voila's own handlers stay: Voila's pages need them.
    c.ServerApp.jpserver_extensions.update(
        {
            "jupyterlab": False,
            "notebook": False,
            "jupyter_lsp": False,
            "jupyter_server_terminals": False,
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.assignment_list": False,
            "nbgrader.server_extensions.course_list": False,
            "nbgrader.server_extensions.validate_assignment": False,
        }
    )
    c.ServerApp.terminals_enabled = False
    # JupyterHub's own default for single-user servers, kept explicitly: no page of a
    # learner's server may be framed by another page on the hub's domain.
    c.ServerApp.tornado_settings = {
        "headers": {"Content-Security-Policy": "frame-ancestors 'none'"},
        "compress_response": True,
    }
else:
    # --- An educator: JupyterLab with nbgrader's formgrader --------------------------------

    # The educator works in their own home folder. Their copy of the graded reflections
    # (exercises/: nbgrader_config.py and source/) is put there once, on first start, and
    # never overwritten: from then on it is theirs, with the gradebook beside it.
    exercises = Path.home() / "holding-in-mind" / "exercises"
    if not exercises.exists() and (exercises_dir() / "source").is_dir():
        shutil.copytree(
            exercises_dir(),
            exercises,
            ignore=shutil.ignore_patterns("__pycache__", "*.journey.json", "gradebook.db"),
        )

    # nbgrader's formgrader is shown in JupyterLab inside an iframe. JupyterHub >= 4.1 sends
    # "frame-ancestors 'none'" from every single-user server, so that panel is blank. The
    # documented fixes: open the formgrader in its own tab (/hub/user-redirect/formgrader/,
    # needs nothing), or serve each user from their own subdomain
    # (c.JupyterHub.subdomain_host) and then allow framing by the server itself. The hub
    # says which applies (HOLDING_IN_MIND_FRAME_ANCESTORS); without subdomains framing stays
    # off, because on one shared origin a framed page could be reached by any user's page.
    # The tutor's page for seminar rooms (course/tutor.ipynb: one call into casework), put
    # beside the exercises at every start so that it is always the course's own; Voila serves
    # it from here, at /user/<name>/voila/render/holding-in-mind/tutor.ipynb.
    tutor_page = course_dir() / "tutor.ipynb"
    if tutor_page.is_file():
        exercises.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tutor_page, exercises.parent / "tutor.ipynb")

    ancestors = os.environ.get("HOLDING_IN_MIND_FRAME_ANCESTORS", "'none'")
    c.ServerApp.tornado_settings = {
        "headers": {"Content-Security-Policy": f"frame-ancestors {ancestors}"},
        "compress_response": True,
    }
