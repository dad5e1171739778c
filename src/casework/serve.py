"""How the course is served with Voila: one place, used by ``make start`` and by the tests.

The settings are the host's safety and speed choices, each with its reason:
- loopback only (127.0.0.1): a laptop serving a course must not be open to the network;
- only ``course/`` is served: never nbgrader's ``source/`` or the gradebook;
- sources stripped and tracebacks hidden: learners see the course, not the code;
- only the JupyterLab extensions the pages need (widgets, the chart renderer): nbgrader's and
  other extensions stay out of learner pages;
- idle kernels culled: every page view starts a kernel on the host;
- no third-party requests: the course's template drops Voila's Font Awesome CDN links;
- static files compressed and, where their address names their content, kept by browsers
  without asking again (``CourseVoila``; docs/speed.md has the figures).

``casework serve`` runs Voila through this module (``python -m casework.serve``, which is
Voila's own command line with ``CourseVoila`` in place of ``voila.app.Voila``).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any

from casework.locations import checkout, course_dir, jupyter_data_dir

DEFAULT_PORT = 8866
LOOPBACK = "127.0.0.1"
#: The course's own chart renderer for Voila pages (``labextension/``, built by ``make`` from
#: npm): plotly.js's basic bundle (scatter, bar, pie: every chart on the course's pages;
#: about 1.1 MB, loaded when the first chart is drawn) instead of jupyterlab-plotly's full one
#: (4.8 MB, loaded before the page can reach its kernel). Installed on Voila's own extension
#: path (``share/jupyter/voila/labextensions``), which JupyterLab does not read.
CHART_EXTENSION = "holding-in-mind-plotly"
#: The chart renderer used when the course's own is not built (a plain ``pip install`` of a
#: copy without the build, an image built without npm): the full plotly.js, as before.
FULL_CHART_EXTENSION = "jupyterlab-plotly"


def chart_extension_paths() -> list[Path]:
    """Extra folders Voila should search for labextensions: the checkout's build output."""
    root = checkout()
    return [root / "labextension" / "build"] if root else []


def chart_extension_built() -> bool:
    """Whether the course's own chart renderer can be found by a server started from here."""
    from jupyter_core.paths import jupyter_path

    places = [
        *chart_extension_paths(),
        jupyter_data_dir() / "voila" / "labextensions",
        *(Path(p) / "labextensions" for p in jupyter_path("voila")),
    ]
    return any((place / CHART_EXTENSION / "package.json").is_file() for place in places)


def page_extensions() -> tuple[str, ...]:
    """The JupyterLab extensions a learner page needs; everything else is left out. Voila 0.5
    draws widgets with its own manager (widgets-manager8), which needs the controls that
    jupyterlab-manager registers; the chart renderer draws the charts. Leaving out the rest
    (nbgrader, the notebook and preview extensions) removes their errors and downloads."""
    chart = CHART_EXTENSION if chart_extension_built() else FULL_CHART_EXTENSION
    return ("@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", chart)


#: The extensions learner pages load (``page_extensions``, decided when this is imported).
PAGE_EXTENSIONS = page_extensions()
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
#: still sleeping; with 0 s, about 1.4 s each, the refill competing with the page. Measured
#: again once pages carried less JavaScript (docs/speed.md), pool of 2, six visitors 2 s apart
#: and ten at once: 1 s gave the 2-s visitors 1.0-1.4 s (the server's slowest page 33 ms);
#: 3 s gave 1.0-1.5 s but one visitor waited 590 ms for a sleeping refill, and in the burst
#: one page of ten never became usable. 1 s stays.
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
    case page (none by default: see ``preheat_arguments``). Voila's own options, run by this
    module (``CourseVoila``: Voila with compressed, cacheable static files)."""
    return [
        sys.executable,
        "-m",
        "casework.serve",
        *voila_options(root, port, ip, open_browser, pool, cell_timeout),
    ]


def voila_options(
    root: Path | None = None,
    port: int = DEFAULT_PORT,
    ip: str = LOOPBACK,
    open_browser: bool = False,
    pool: int = 0,
    cell_timeout: int = CELL_TIMEOUT_SECONDS,
    extensions: tuple[str, ...] | None = None,
) -> list[str]:
    """Voila's command-line options for the course (``voila_command`` without the program):
    the same for ``CourseVoila`` and for Voila's own ``voila`` command."""
    return [
        str(root or course_dir()),
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        *(
            f"--VoilaConfiguration.extension_allowlist={name}"
            for name in (PAGE_EXTENSIONS if extensions is None else extensions)
        ),
        # The checkout's build of the course's chart renderer (an installed package has it on
        # Voila's own extension path already).
        *(
            f"--VoilaConfiguration.extra_labextensions_path={path}"
            for path in chart_extension_paths()
            if path.is_dir()
        ),
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


# --- the server: Voila with compressed, cacheable static files ---------------------------------

#: How long browsers keep a file whose address changes with its content (a year: the most
#: the HTTP caching rules ask anyone to honour), without asking the server again.
IMMUTABLE = "public, max-age=31536000, immutable"
#: A file name that carries its content's hash, as webpack names chunks and assets
#: (``84.09c61a35dce1705f.js``, ``remoteEntry.c8c9eed2cdefdeac.js``, ``1cb1c39ea642f26a4dfe.woff``).
HASHED_NAME = re.compile(r"(?:^|[.\-_])[0-9a-f]{16,}\.[A-Za-z0-9]+$")
#: Kinds of file worth compressing (images and fonts in woff/woff2 are compressed already).
COMPRESSIBLE = re.compile(
    r"^(text/|application/(javascript|json|xml|x-javascript|wasm)|image/svg\+xml|font/(ttf|otf)|"
    r"application/(vnd\.ms-fontobject|x-font-ttf))"
)
#: Files smaller than this are sent as they are (the gzip header would eat the saving).
COMPRESS_MIN_BYTES = 1024


def hashed_name(path: str) -> bool:
    """Whether the file at this URL path carries its content's hash in its name."""
    return bool(HASHED_NAME.search(path.rsplit("/", 1)[-1]))


def static_version(folders: list[str]) -> str:
    """A short digest of every file in ``folders`` (Voila's own static files): the address
    segment under which they are served as immutable, new whenever any of them changes."""
    digest = hashlib.sha256()
    for folder in folders:
        base = Path(folder)
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(base)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def hashed_labextension_urls(base_url: str, extensions: tuple[str, ...] = ()) -> list[str]:
    """The URL paths, under a server at ``base_url``, of the page extensions' files whose names
    carry their content's hash: for Jupyter Server's ``static_immutable_cache`` where Voila
    runs as its extension (JupyterHub), which matches URL prefixes, so each file is listed."""
    from jupyter_core.paths import jupyter_path

    folders = [
        *chart_extension_paths(),
        *(Path(p) for p in jupyter_path("labextensions")),
        *(Path(p) / "labextensions" for p in jupyter_path("voila")),
    ]
    urls: set[str] = set()
    for name in extensions or PAGE_EXTENSIONS:
        for folder in folders:
            static = folder / name / "static"
            if static.is_dir():
                urls.update(
                    f"{base_url.rstrip('/')}/voila/labextensions/{name}/static/{f.name}"
                    for f in static.iterdir()
                    if f.is_file() and hashed_name(f.name)
                )
                break
    return sorted(urls)


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _static_handler(base: Any, immutable: bool = False) -> Any:
    """``base`` (one of Voila's static file handlers) sending files gzip-compressed, from a
    copy compressed once per file and kept in memory (tornado's own ``compress_response``
    would compress every file again for every visitor, on the server's one event loop), and
    marking files whose address names their content as kept without revalidation
    (``immutable``: every file it serves is)."""
    from jupyter_server.auth.decorator import allow_unauthenticated

    class CourseStaticFile(base):  # type: ignore[misc]
        _compressed: dict[tuple[str, int, int], bytes] = {}  # noqa: RUF012 (one per class)

        def set_headers(self) -> None:
            super().set_headers()
            if immutable or hashed_name(self.request.path) or "v" in self.request.arguments:
                self.set_header("Cache-Control", IMMUTABLE)
                self.clear_header("Expires")

        def _compressed_body(self) -> bytes | None:
            if self.request.headers.get("Range") or "gzip" not in self.request.headers.get(
                "Accept-Encoding", ""
            ):
                return None
            path = self.absolute_path
            if not COMPRESSIBLE.match(self.get_content_type() or ""):
                return None
            stat = os.stat(path)
            if stat.st_size < COMPRESS_MIN_BYTES:
                return None
            key = (path, stat.st_mtime_ns, stat.st_size)
            body = self._compressed.get(key)
            if body is None:
                body = self._compressed[key] = _gzip(Path(path).read_bytes())
            return body

        @allow_unauthenticated
        async def get(self, path: str, include_body: bool = True) -> None:
            # tornado's StaticFileHandler.get, with the compressed copy as the body.
            self.path = self.parse_url_path(path)
            absolute = self.get_absolute_path(self.root, self.path)
            self.absolute_path = self.validate_absolute_path(self.root, absolute)
            if self.absolute_path is None:
                return
            body = self._compressed_body()
            if body is None:
                await super().get(path, include_body)
                return
            self.modified = self.get_modified_time()
            self.set_headers()
            self.clear_header("Accept-Ranges")
            self.set_header("Content-Encoding", "gzip")
            if self.should_return_304():
                self.set_status(304)
                return
            self.set_header("Content-Length", len(body))
            if include_body:
                self.write(body)

        @allow_unauthenticated
        def head(self, path: str) -> Any:
            return self.get(path, include_body=False)

    CourseStaticFile.__name__ = CourseStaticFile.__qualname__ = f"Course{base.__name__}"
    return CourseStaticFile


def nodelay_kernel_connection() -> Any:
    """Jupyter Server's kernel websocket connection with Nagle's algorithm off.

    Nothing in Jupyter Server or Voila sets ``TCP_NODELAY`` on a page's kernel websocket, so a
    small frame written right after another waits for the browser's acknowledgement of the
    first, which Linux delays by up to 40 ms: about half the choices waited 40-45 ms between
    the kernel's "busy" and its first change to the page (``benchmarks/voila_speed.py``'s
    websocket log; tornado's own documentation warns of this). Used by ``CourseVoila`` and by
    the learner's server on JupyterHub (``deploy/singleuser/jupyter_server_config.py``).
    """
    from jupyter_server.services.kernels.connection.channels import (
        ZMQChannelsWebsocketConnection,
    )

    class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
        def connect(self) -> Any:
            self.websocket_handler.set_nodelay(True)
            return super().connect()

    return NoDelayKernelConnection


def course_voila() -> Any:
    """Voila's application as the course runs it (imported only in the server's process):

    - responses compressed (tornado's ``compress_response``, for the pages themselves and
      Voila's API), static files from copies compressed once (``_static_handler``);
    - labextension files whose names carry their content's hash, and the template's files
      addressed with ``?v=<hash>``, kept by browsers for a year without revalidation (Voila
      sends every labextension file with ``no-cache``, so a repeat visit asked again for each);
    - the kernel websocket with Nagle's algorithm off (``nodelay_kernel_connection``);
    - Voila's own scripts (about 70 chunks named by number, not by content, sent without any
      cache header) also served under ``/voila/static/v<digest of them all>/``, immutable, and
      the pages load them from there: it is their ``fullStaticUrl``, which Voila's script
      tag and webpack's chunk loader both follow.
    """
    from jupyter_server.base.handlers import FileFindHandler
    from jupyter_server.utils import url_path_join
    from voila.app import Voila
    from voila.static_file_handler import MultiStaticFileHandler, TemplateStaticFileHandler

    class CourseVoila(Voila):  # type: ignore[misc]
        """Voila, with the course's static files compressed and cacheable."""

        def init_settings(self) -> dict[str, Any]:
            self._static_version = static_version(list(self.static_paths))
            previous = self.voila_configuration.page_config_hook
            static_url = url_path_join(self.base_url, f"voila/static/v{self._static_version}")

            def hook(page_config: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
                if previous is not None:
                    page_config = previous(page_config, **kwargs)
                return {**page_config, "fullStaticUrl": static_url}

            self.voila_configuration.page_config_hook = hook
            self.kernel_websocket_connection_class = nodelay_kernel_connection()
            settings: dict[str, Any] = super().init_settings()
            return {**settings, "compress_response": True}

        def init_handlers(self) -> list[Any]:
            replaced = {
                MultiStaticFileHandler: _static_handler(MultiStaticFileHandler),
                TemplateStaticFileHandler: _static_handler(TemplateStaticFileHandler),
                FileFindHandler: _static_handler(FileFindHandler),
            }
            handlers = [
                (spec[0], replaced.get(spec[1], spec[1]), *spec[2:])
                for spec in super().init_handlers()
            ]
            versioned = (
                url_path_join(self.server_url, rf"/voila/static/v{self._static_version}/(.*)"),
                _static_handler(MultiStaticFileHandler, immutable=True),
                {"paths": self.static_paths, "default_filename": None},
            )
            return [versioned, *handlers]

    return CourseVoila


def main(argv: list[str] | None = None) -> None:
    """``python -m casework.serve OPTIONS``: Voila's command line, as ``CourseVoila``."""
    course_voila().launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
