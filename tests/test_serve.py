"""The README's start command serves the course with Voila on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil

from casework.locations import course_dir
from casework.serve import PAGE_EXTENSIONS, preheat_arguments, voila_command
from conftest import Server, get

ERROR_BANNER = "There was an error when executing cell"


def test_the_landing_page_renders_the_case_list(course_server: Server) -> None:
    status, html = get(course_server.url + "/voila/render/index.ipynb")
    assert status == 200
    assert ERROR_BANNER not in html and "Traceback" not in html
    assert "Holding in Mind" in html
    assert "The cases" in html and "The Clarke reunification" in html
    assert "A first month with a new family" not in html  # the authors' demonstration case
    assert "A teaching model, not a prediction" in html


def test_the_home_page_answers(course_server: Server) -> None:
    status, html = get(course_server.url + "/")
    assert status == 200 and "voila-tree-main" in html


def test_nothing_outside_the_course_folder_is_served(course_server: Server) -> None:
    for path in [
        "/voila/render/..%2Fexercises%2Fnbgrader_config.py",
        "/voila/files/..%2Fpyproject.toml",
        "/voila/files/../pyproject.toml",
        "/voila/render/..%2FREADME.md",
        "/voila/files/index.ipynb",
    ]:
        status, _ = get(course_server.url + path)
        assert status in {403, 404}, f"{path} answered {status}"


def test_the_server_listens_on_loopback_only(course_server: Server) -> None:
    """Every socket the server and its kernels listen on is bound to 127.0.0.1 (read from the
    operating system, so the check never depends on what the host name resolves to), and the
    page's port answers on none of the machine's other addresses."""
    server = psutil.Process(course_server.process.pid)
    listening = [
        (process.pid, connection.laddr)
        for process in [server, *server.children(recursive=True)]
        for connection in process.net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN
    ]
    port = int(course_server.url.rsplit(":", 1)[1])
    assert any(address.port == port for _pid, address in listening)
    assert all(address.ip == "127.0.0.1" for _pid, address in listening), listening
    others = {
        address.address
        for addresses in psutil.net_if_addrs().values()
        for address in addresses
        if address.family == socket.AF_INET and not address.address.startswith("127.")
    }
    for address in others:
        with socket.socket() as probe:
            probe.settimeout(2)
            assert probe.connect_ex((address, port)) != 0, f"reachable on {address}"


def test_the_command_keeps_tracebacks_sources_and_extensions_out() -> None:
    command = " ".join(voila_command())
    assert "--Voila.ip=127.0.0.1" in command
    assert "show_tracebacks=False" in command and "strip_sources=True" in command
    assert all(name in command for name in PAGE_EXTENSIONS) and "nbgrader" not in command
    assert "cull_idle_timeout" in command


def test_a_pool_preheats_the_case_pages_and_nothing_else() -> None:
    """``casework serve --pool N``: Voila's deny list, applied as Voila 0.5 applies it (a
    pattern matched at the start of the notebook's absolute path), keeps the pool for the
    case pages; the reading pages start their kernels on demand."""
    import re

    assert not [a for a in voila_command() if "preheat" in a]
    arguments = voila_command(pool=2)
    assert "--preheat_kernel=True" in arguments and "--pool_size=2" in arguments
    assert any(a.startswith("--VoilaKernelManager.fill_delay=") for a in arguments)
    (deny,) = [a.split("=", 1)[1] for a in arguments if "preheat_denylist" in a]

    def preheated(notebook: Path) -> bool:
        name = str(notebook.resolve())
        return not (deny in name or re.compile(deny).match(name))

    pages = sorted(course_dir().rglob("*.ipynb"))
    cases = {p.stem for p in pages if preheated(p)}
    assert cases == {p.stem for p in (course_dir() / "cases").glob("*.ipynb")}
    assert len(cases) >= 4 and len(pages) > len(cases)
    assert preheat_arguments(0) == []


def test_a_failed_or_slow_page_tells_the_learner_what_to_do() -> None:
    """Voila's own notices tell the reader to restart Voila with debugging options; learners
    are told to reload, and that their saved work is kept."""
    from casework.serve import CELL_ERROR_ADVICE, CELL_TIMEOUT_ADVICE

    command = voila_command()
    assert f"--VoilaExecutor.cell_error_instruction={CELL_ERROR_ADVICE}" in command
    assert f"--VoilaExecutor.cell_timeout_instruction={CELL_TIMEOUT_ADVICE}" in command
    for advice in (CELL_ERROR_ADVICE, CELL_TIMEOUT_ADVICE):
        assert "Reload the page" in advice and "Voil" not in advice
