"""The course in a learner's browser (the static site): the one thing that differs there.

On the static site (``site/``, ``make site``) the course's own package runs unchanged in
JupyterLite's Pyodide kernel: CPython compiled to WebAssembly, inside the learner's browser.
There is no server, so no journey store and no resume code: a journey is a file beside the
page's notebook, as in JupyterLab, and the page's folder is JupyterLite's drive, which the
browser keeps in its own storage for the site (it survives a reload and a closed tab). What
the learner must be told differs: the journey lives only in this browser, on this device.
Where the browser cannot keep the drive (JupyterLite mounts it only with a service worker or
cross-origin isolation; some private windows allow neither) the journey lasts only as long
as the page, and the learner is told so before they begin.

``casework.player.keepers.default_keeper`` wraps its file keeper in ``BrowserKeeper`` when
``in_browser()``. Nothing here starts a thread or touches a server.

One more difference: plotly shows a figure a notebook displays (the model sandbox's) through
its mime type only when ``nbformat`` is installed, and nbformat cannot be installed in the
browser (it needs jsonschema, which needs ``rpds-py``, of which PyPI has no WebAssembly
build). ``prepare()``, which the site runs before each page's own cells, has plotly send the
same mime bundle through IPython itself. The player never needs it: it sends its charts' mime
bundles directly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from casework.journey import Journey
    from casework.scenario import Scenario

#: Where JupyterLite's Pyodide kernel mounts the site's files (kept in the browser's storage).
DRIVE = Path("/drive")

#: What the learner is told about where their journey is kept.
KEPT_HERE = (
    "kept only in this browser, on this device (this site's storage): nothing is sent "
    "anywhere; download your journey at the end of the case to keep a copy"
)
#: Shown before the case begins where the browser cannot keep the journey at all.
NOT_KEPT = (
    "This browser cannot keep your journey for this site (a private window, or storage "
    "turned off), so it lasts only while this page is open. To keep it, use the download "
    "links at the end of the case before you close the page."
)


def in_browser() -> bool:
    """True inside Pyodide: the course running in a learner's browser."""
    return sys.platform == "emscripten"


def kept_by_browser(folder: Path) -> bool:
    """Whether files in ``folder`` live in the browser's storage (JupyterLite's drive)."""
    try:
        folder.resolve().relative_to(DRIVE)
    except ValueError:
        return False
    return DRIVE.is_dir()


class _Keeper(Protocol):
    def load(self, scenario: Scenario) -> tuple[Journey, str | None]: ...

    def save(self, journey: Journey) -> None: ...


class BrowserKeeper:
    """A journey file in the browser's own storage, with what the learner is told about it.

    Loading and saving are the wrapped keeper's (a ``FileKeeper``: a damaged file is set
    aside, saves are atomic). There is no resume code: another device cannot open it.
    """

    def __init__(self, inner: _Keeper, folder: Path) -> None:
        self.inner = inner
        self.folder = folder
        #: True where the browser keeps the journey between visits.
        self.persistent = kept_by_browser(folder)
        self.description = KEPT_HERE if self.persistent else NOT_KEPT
        self.token: str | None = None

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        journey, message = self.inner.load(scenario)
        if not self.persistent and message is None:
            message = NOT_KEPT
        return journey, message

    def save(self, journey: Journey) -> None:
        self.inner.save(journey)

    def resume(self, code: str) -> BrowserKeeper | None:
        """Resume codes belong to hosted pages; in the browser there is nothing to look up."""
        return None


#: The name of the plotly renderer ``prepare`` registers.
PLOTLY_RENDERER = "casework_browser"


def prepare() -> None:
    """In the browser, before a page's cells run: plotly shows figures by their mime type
    without nbformat. Does nothing outside the browser; safe to call more than once."""
    if in_browser():
        show_plotly_by_mime_type()


def show_plotly_by_mime_type() -> None:
    """Register, and make the default, a plotly renderer that displays a figure's
    ``application/vnd.plotly.v1+json`` bundle (plotly's own) through IPython."""
    import plotly.io as pio
    from plotly.io._base_renderers import ExternalRenderer, PlotlyRenderer

    class MimeBundle(ExternalRenderer):  # type: ignore[misc]
        """plotly's mime bundle, displayed by IPython (plotly's own path asks for nbformat)."""

        def render(self, fig_dict: dict[str, object]) -> None:
            from IPython.display import display

            display(PlotlyRenderer().to_mimebundle(fig_dict), raw=True)

    pio.renderers[PLOTLY_RENDERER] = MimeBundle()
    pio.renderers.default = PLOTLY_RENDERER
