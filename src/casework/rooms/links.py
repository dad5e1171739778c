"""Where a room is reached: the tutor's view (with its key) and the learners' link to the case.

On ``make start`` both are pages of the one Voila server. On JupyterHub the tutor's view is a
page of the educator's own server and every learner has a server of their own, so the
learners' link goes through the hub's ``user-redirect``, which opens it on whoever follows it.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from casework.rooms.codes import normalise_code

#: The tutor's page, relative to the folder Voila serves (the course; on JupyterHub, an
#: educator's home, where their server copies it: deploy/singleuser/jupyter_server_config.py).
TUTOR_PAGE = "tutor.ipynb"
HUB_TUTOR_PAGE = "holding-in-mind/tutor.ipynb"


def room_in_address(url: str | None) -> tuple[str | None, str | None]:
    """The room code (normalised) and tutor's key in a page's address, where given."""
    if not url:
        return None, None
    query = parse_qs(urlparse(url).query)
    room = normalise_code(query.get("room", [""])[0])
    key = query.get("key", [""])[0] or None
    return room, key


def tutor_address(page_url: str, code: str, key: str) -> str:
    """The tutor's view of a room: the tutor's page with the room and its key."""
    parts = urlparse(page_url)
    return urlunparse(parts._replace(query=urlencode({"room": code, "key": key}), fragment=""))


def learner_link(page_url: str, case_id: str, code: str) -> str:
    """The link learners follow to join a room: the case's page with the room's code."""
    parts = urlparse(page_url)
    hub = os.environ.get("JUPYTERHUB_BASE_URL") if os.environ.get("JUPYTERHUB_USER") else None
    if hub is not None:
        path = f"{hub.rstrip('/')}/hub/user-redirect/voila/render/cases/{case_id}.ipynb"
    else:
        path = f"{parts.path.split('/voila/')[0]}/voila/render/cases/{case_id}.ipynb"
    return urlunparse(parts._replace(path=path, query=urlencode({"room": code}), fragment=""))


def server_page(server: str | None = None) -> str:
    """The tutor's page on this host, for the command line: on JupyterHub, in the educator's
    own server; otherwise on ``casework serve`` (``server``: its address)."""
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix and not server:
        return f"{prefix.rstrip('/')}/voila/render/{HUB_TUTOR_PAGE}"
    base = (server or "http://127.0.0.1:8866").rstrip("/")
    return f"{base}/voila/render/{TUTOR_PAGE}"
