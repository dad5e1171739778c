"""Where the course's own log messages go: set up by an entry point, never on import.

In a page's kernel, ``sys.stderr`` is the notebook's output (a learner would read the
message, or the page would show it as an error), while ``sys.__stderr__`` is the stream the
kernel was started with: the Voila or Jupyter server's log, which is where a host looks.
``casework.course.play_case`` (what a page runs) calls ``log_to_server`` once.
"""

from __future__ import annotations

import logging
import sys

#: The loggers of the course's own code that report to the server.
LOGGER = "casework"
_FORMAT = "%(asctime)s %(name)s %(message)s"


class _ServerLog(logging.StreamHandler):  # type: ignore[type-arg]
    """The stream the process was started with: the server's log."""


def log_to_server() -> logging.Logger:
    """Send the course's log messages to the server's log (idempotent)."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(h, _ServerLog) for h in logger.handlers):
        handler = _ServerLog(sys.__stderr__)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
    return logger
