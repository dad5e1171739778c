"""Voila's kernel hand-over: who the learner is, in a page's kernel.

A kernel Voila starts for a page view knows the page's address from ``VOILA_REQUEST_URL``.
A preheated kernel (``--preheat_kernel=True``, the pool behind ``casework serve --pool N``)
runs the page before anyone asks for it, and learns its learner's address only when Voila
hands the request over on a websocket. This module is that protocol and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from urllib.parse import parse_qs, urlparse, urlunparse

log = logging.getLogger("casework.player")

#: What a learner reads when a pooled page never learned whose it is.
HANDOVER_FAILED = (
    "This page could not be prepared for you. Please reload it: your saved work is kept."
)

#: The address handed to this preheated kernel, once it has been (see ``request_url``).
_handed_over: list[str] = []
#: One fetch of the request per kernel: Voila keeps a single waiter per kernel, so a second
#: concurrent reader would wait for ever. Later callers reuse the first one's answer.
_handover_lock = threading.Lock()
#: Attempts to reach Voila's request socket before giving up (with growing pauses).
HANDOVER_ATTEMPTS = 5


class HandoverError(RuntimeError):
    """Voila's request socket could not be read: who the learner is was never learned."""


def in_voila() -> bool:
    """Voila sets these in every kernel it starts."""
    return "VOILA_SERVER_URL" in os.environ or "VOILA_APP_PORT" in os.environ


def waiting_for_learner() -> bool:
    """True in a preheated kernel (Voila's pool) that no learner has been handed yet."""
    return os.environ.get("VOILA_PREHEAT") == "True" and not _handed_over


def request_url() -> str | None:
    """The address the learner opened.

    A preheated kernel (``--preheat_kernel=True``) runs the page before anyone asks for it;
    ``wait_for_request`` blocks until Voila hands the request over, as CGI-style variables
    (SCRIPT_NAME, QUERY_STRING, ...). The kernel's VOILA_REQUEST_URL is then the address of
    an earlier request (the one that made Voila refill its pool), which can carry another
    learner's resume code, so it is never used here. Pages call this only once the request
    has come (see ``casework.player.page.player_widget``): blocking a cell until then would
    break the page. Raises ``HandoverError`` if Voila's socket cannot be read: guessing would
    open the wrong journey or give the learner a wrong personal link.
    """
    if os.environ.get("VOILA_PREHEAT") == "True":
        with _handover_lock:
            if not _handed_over:
                if not wait_for_request():
                    raise HandoverError("Voila never handed this kernel its request")
                port = os.environ.get("SERVER_PORT", "")
                host = os.environ.get("SERVER_NAME", "127.0.0.1") + (f":{port}" if port else "")
                path = os.environ.get("SCRIPT_NAME", "")
                query = os.environ.get("QUERY_STRING", "")
                _handed_over.append(urlunparse(("http", host, path, "", query, "")))
        return _handed_over[0]
    return os.environ.get("VOILA_REQUEST_URL")


def wait_for_request() -> bool:
    """Block until Voila hands this preheated kernel its request; put it in the environment.

    What ``voila.utils.wait_for_request`` does (Voila 0.5), without importing Voila into the
    kernel: that import brings the server's whole stack (jupyter_server, nbconvert, ...),
    about 46 MB in every learner's kernel. Tornado's websocket client is already loaded.
    Unlike Voila's helper, a refused or dropped connection is tried again (Voila keeps the
    request for a kernel that is not listening yet); False if it never came.
    """
    from tornado.websocket import websocket_connect

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID')}"
    received: list[str] = []

    async def fetch() -> None:
        connection = await websocket_connect(url, connect_timeout=5)
        try:
            message = await connection.read_message()  # waits for as long as no learner comes
            if isinstance(message, str):
                received.append(message)
        finally:
            connection.close()

    def run() -> None:
        pause = 0.2
        for attempt in range(HANDOVER_ATTEMPTS):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(fetch())
            except Exception:
                log.warning(
                    "could not read the request from Voila at %s (attempt %d)",
                    url,
                    attempt + 1,
                    exc_info=True,
                )
            finally:
                loop.close()
            if received:
                return
            time.sleep(pause)
            pause *= 3

    thread = threading.Thread(target=run, name="casework-wait-for-request", daemon=True)
    thread.start()
    thread.join()
    if not received:
        log.error("Voila never handed the request to this kernel (%s)", url)
        return False
    os.environ.update({str(k): str(v) for k, v in json.loads(received[0]).items()})
    return True


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, if this code runs inside an IPython kernel (else None)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def resume_token(url: str | None) -> str | None:
    """The ``resume`` code in a page address, if any."""
    if not url:
        return None
    values = parse_qs(urlparse(url).query).get("resume")
    return values[0] if values else None


#: The cookie in which a learner's browser keeps their resume code for one case page (set by
#: the course's Voila template, scoped to that page's address; see ``remembered_token``).
RESUME_COOKIE = "hm_resume"


def remembered_token() -> str | None:
    """The resume code this browser keeps for the page, if any.

    Voila passes the page request's ``Cookie`` header to the kernel as ``HTTP_COOKIE``
    (``VoilaConfiguration.http_header_envs``, set by ``casework serve`` and the hub's
    single-user configuration); in a preheated kernel it arrives with the hand-over. So a
    reload, or the same address opened again in the same browser, finds the learner's journey
    without their typing the code, also with a pool and on JupyterHub.
    """
    from http.cookies import CookieError, SimpleCookie

    header = os.environ.get("HTTP_COOKIE", "")
    if not header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(RESUME_COOKIE)
    return morsel.value if morsel and morsel.value else None
