"""Shared fixtures: real servers on 127.0.0.1, always stopped by the test that started them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The course served exactly as ``make start`` serves it, on a free loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    env = dict(
        os.environ,
        JUPYTER_PLATFORM_DIRS="1",
        CASEWORK_DATA_DIR=str(tmp_path_factory.mktemp("data")),
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "casework"), "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"Voila exited early:\n{log.read_text()}")
            try:
                status, _ = get(url + "/", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Voila did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.5)
        yield Server(url, process, log)
    finally:
        _stop(process)
