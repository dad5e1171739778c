"""Real servers for tests and benchmarks: started on 127.0.0.1, waited for, always stopped.

One harness for every server the project starts (Voila as ``casework serve`` runs it, a
learner's Jupyter Server, JupyterHub): a command runs in its own process group with its
output in a log file; ``running`` yields once the server answers and, however the block
ends, stops the group (asked with SIGTERM, then made to with SIGKILL) and any process the
server started in a session of its own (Jupyter starts each kernel so). Also the small
helpers the tests and the benchmarks share: a free port, a GET with a deadline, percentiles,
memory of a process, the kernels under a server, Chromium's arguments, results as JSON.

``psutil`` comes with the ``tests`` and ``benchmarks`` extras; it is imported where used.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import platform
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil

LOOPBACK = "127.0.0.1"
#: Debian's Chromium: the only browser the tests and benchmarks drive (never a download).
CHROMIUM = Path("/usr/bin/chromium")
#: How Chromium is started: as root in CI, on a machine whose network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",  # this machine's network is closed: no stray calls
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MIB = 1024**2


class ServerFailed(RuntimeError):
    """A server exited at start or never answered; the message holds the end of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    """GET a page, within ``timeout`` seconds in all: (status, body).

    urllib's own timeout only bounds each read, and Voila keeps a slow page alive with
    heartbeats, so the whole request runs in a worker thread with a deadline.
    """

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return worker.submit(fetch).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise OSError(f"no complete answer from {url} within {timeout:g} s") from None
    finally:
        worker.shutdown(wait=False, cancel_futures=True)


# --- processes -------------------------------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every live process started by ``pid``, at any depth (read with ``ps``)."""
    found: set[int] = set()
    parents = [pid]
    while parents:
        answer = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parents.pop())],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        for child in map(int, answer):
            if child not in found:
                found.add(child)
                parents.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_survivors(pids: set[int], grace: float = 10.0) -> None:
    """Processes that outlived their server: asked to stop, then made to."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for pid in pids:
            if _alive(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)


def stop_group(process: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Stop a server and everything in its process group: asked, then after ``grace``
    seconds made to."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def kernel_processes(server_pid: int) -> list[psutil.Process]:
    """The live kernel processes a Jupyter or Voila server has started."""
    import psutil

    found = []
    for child in psutil.Process(server_pid).children(recursive=True):
        with suppress(psutil.Error):  # a kernel just shut down is a zombie until reaped
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(
                child.cmdline()
            ):
                found.append(child)
    return found


def memory(pid: int) -> dict[str, float]:
    """Resident (RSS) and proportional (PSS) memory of one process, in MB."""
    import psutil

    info = psutil.Process(pid).memory_full_info()
    return {"rss_mb": round(info.rss / MIB, 1), "pss_mb": round(info.pss / MIB, 1)}


# --- a running server ------------------------------------------------------------------------


@dataclass
class Server:
    """A server started by ``running``."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    #: The server's CASEWORK_DATA_DIR (its journey store), where one was given.
    data: Path | None = None
    #: Processes seen under the server (kernels, proxies), stopped with it.
    children: set[int] = field(default_factory=set)

    def remember_children(self) -> None:
        """Note every process the server has started so far, to stop them all at the end."""
        self.children |= descendants(self.process.pid)

    def kernels(self) -> list[psutil.Process]:
        return kernel_processes(self.process.pid)

    def log_tail(self, characters: int = 5000) -> str:
        try:
            return self.log.read_text(errors="replace")[-characters:]
        except OSError:
            return "(no log)"


@contextmanager
def running(
    command: Sequence[str],
    url: str,
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    ready: str = "/",
    timeout: float = 90,
    stop_grace: float = 20,
    data: Path | None = None,
) -> Iterator[Server]:
    """Run ``command`` in its own process group and yield once ``url + ready`` answers 200.

    ``ServerFailed`` (with the end of the log) if it exits first or does not answer within
    ``timeout`` seconds. On the way out, whatever happened, the group is stopped and then
    anything it started in a session of its own.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(url, process, log, data)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"{command[0]} exited at start:\n{server.log_tail()}")
            with suppress(OSError):
                if get(url + ready, timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise ServerFailed(
                    f"{command[0]} did not answer within {timeout:g} s:\n{server.log_tail()}"
                )
            time.sleep(0.3)
        yield server
    finally:
        if process.poll() is None:
            server.remember_children()
        stop_group(process, grace=stop_grace)
        stop_survivors(server.children)


# --- numbers and results -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile, linear between ranks (numpy's default); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float | None]:
    """n, p50, p95, min and max of some timings (rounded to 0.1)."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "min": None, "max": None}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on: compare within one run on a shared machine."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_results(path: Path, results: Mapping[str, Any]) -> Path:
    """Write a benchmark's results as JSON, with the date and the machine, atomically."""
    payload = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(), **results}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path
