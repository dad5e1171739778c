"""The course on a real JupyterHub: every learner has their own server, and only their own.

A JupyterHub starts on 127.0.0.1 with the course's hub configuration (deploy/), the
configurable-http-proxy from npm, a local spawner (every user's server is a process here,
with its own home folder, as each pod has its own disk on Kubernetes) and the dummy
authenticator. Two learners log in through a real browser, each lands on the course in
Voila, opens a case, makes a choice and writes a reflection. Then, through the hub, neither
can open the other's server, the other's journey (not even with the other's resume code), or
JupyterLab; each journey is stored only in its learner's own store. An educator lands in
JupyterLab with the formgrader.

The proxy is installed with npm into a cache folder outside the repository
(~/.cache/holding-in-mind/, or $XDG_CACHE_HOME); without npm the tests are skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import runpy
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from traitlets.config import Config

from casework.catalog import load_case
from casework.locations import jupyter_data_dir
from casework.paths import study_path_steps
from casework.store import JourneyStore, normalise_token
from casework.testing.servers import Server, ServerFailed, running, stop_group
from conftest import ROOT, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CASE = "project_x"
LEARNERS = ("ama", "bryn")
#: The learners of the seminar room on the hub with a PostgreSQL store (new to the database, so
#: that nothing an earlier test stored for the others comes back to them).
ROOM_LEARNERS = ("cai", "dilys")
EDUCATOR = "tutor"
PROXY_VERSION = "5"
BIN = Path(sys.executable).parent


# --- configurable-http-proxy, from npm, outside the repository -------------------------------


def _proxy_command() -> str:
    """The proxy's executable: on PATH already (conda's jupyterhub brings one), or installed
    once with npm into a cache folder that every later run reuses."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "holding-in-mind"
    prefix = cache / f"configurable-http-proxy-{PROXY_VERSION}"
    command = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if command.exists():
        return str(command)
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(
            "the JupyterHub tests need configurable-http-proxy, installed with npm "
            "(Node.js 20 or later); npm was not found, so they are skipped"
        )
    prefix.mkdir(parents=True, exist_ok=True)
    installed = subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
         "--loglevel=error", f"configurable-http-proxy@{PROXY_VERSION}"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if installed.returncode != 0 or not command.exists():
        message = f"npm could not install configurable-http-proxy:\n{installed.stderr[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(command)


# --- a real JupyterHub -------------------------------------------------------------------------


@dataclass
class Hub:
    server: Server
    folder: Path
    #: The key the hub makes database passwords from (a hub with a PostgreSQL store).
    secret: str = ""

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def log(self) -> Path:
        return self.server.log

    def home(self, name: str) -> Path:
        return self.folder / "home" / name

    def store(self, name: str) -> Path:
        """Where a learner's server keeps journeys: the default store in their own home."""
        return self.home(name) / ".local" / "share" / "holding-in-mind" / "journeys.sqlite"


HUB_CONFIG = """
# Written by tests/test_hub.py: what the distribution would choose, then the course's own
# configuration exactly as deploy/ ships it.
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {cookie_file!r}
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{folder}/home/{{username}}"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# What the course image sets for everyone (deploy/Dockerfile): the servers' configuration.
c.Spawner.environment = {{
    "JUPYTER_CONFIG_PATH": {config_path!r},
    "JUPYTER_PATH": {data_path!r},
    "JUPYTER_PLATFORM_DIRS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}}
{allow_root}
load_subconfig({course_config!r})
"""


@contextmanager
def _running_hub(folder: Path, **settings: str) -> Iterator[Hub]:
    """A JupyterHub on 127.0.0.1 with the course's configuration; ``settings``: more of the
    hub's environment (the host's HOLDING_IN_MIND_* choices)."""
    proxy = _proxy_command()
    port, hub_port, api_port = free_port(), free_port(), free_port()
    config = folder / "jupyterhub_config.py"
    config.write_text(
        HUB_CONFIG.format(
            port=port,
            hub_port=hub_port,
            api_port=api_port,
            proxy=proxy,
            pid_file=str(folder / "proxy.pid"),
            folder=folder,
            cookie_file=str(folder / "cookie_secret"),
            singleuser=str(BIN / "jupyterhub-singleuser"),
            config_path=str(ROOT / "deploy" / "singleuser"),
            data_path=str(jupyter_data_dir()),
            course_config=str(ROOT / "deploy" / "jupyterhub_config.py"),
            # CI runs as root, and Jupyter Server refuses root unless told.
            allow_root='c.Spawner.args = ["--allow-root"]' if os.geteuid() == 0 else "",
        )
    )
    env = dict(
        os.environ,
        CONFIGPROXY_AUTH_TOKEN=secrets.token_hex(32),
        HOLDING_IN_MIND_EDUCATORS=EDUCATOR,
        JUPYTER_PLATFORM_DIRS="1",
        **settings,
    )
    env.pop("CASEWORK_DATA_DIR", None)
    env.pop("CASEWORK_DATABASE_URL", None)
    try:
        with running(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            f"http://127.0.0.1:{port}",
            log=folder / "jupyterhub.log",
            env=env,
            cwd=folder,
            ready="/hub/health",
            stop_grace=60,  # the hub stops the servers it spawned and the proxy
        ) as server:
            yield Hub(server, folder)
    except ServerFailed as failure:
        pytest.fail(str(failure))


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with _running_hub(tmp_path_factory.mktemp("hub")) as started:
        yield started


# --- learners in a real browser ---------------------------------------------------------------


@dataclass
class Learner:
    name: str
    context: BrowserContext
    page: Page
    code: str = ""
    choice: str = ""
    reflection: str = ""


def _log_in(browser: Browser, hub: Hub, name: str, lands_on: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", "any password")
    page.click("#login_submit")
    # The hub starts the server, then sends the browser to its default URL.
    page.wait_for_url(f"**/user/{name}/{lands_on}", wait_until="commit", timeout=180_000)
    return context, page


def _play_and_reflect(learner: Learner, hub: Hub) -> None:
    """Open a case through the hub, take its first choice on the study path, reflect."""
    page = learner.page
    page.goto(f"{hub.url}/user/{learner.name}/voila/render/cases/{CASE}.ipynb")
    scenario = load_case(CASE)
    first_scene, first_choice = study_path_steps(scenario)[0]
    page.get_by_role("button", name="Begin the case").click()
    if scenario.scenes[first_scene].content_note:
        page.get_by_role("button", name="Continue to the scene").click()
    page.get_by_role("button", name=scenario.choice(first_scene, first_choice).label).click()
    page.get_by_text("You chose:").wait_for()
    learner.reflection = (
        f"{learner.name} wrote this: the visit left me unsettled " + secrets.token_hex(8)
    )
    page.get_by_role("textbox", name="Your reflection").fill(learner.reflection)
    page.get_by_text("Saved at").wait_for()
    learner.code = normalise_token(page.locator(".hm-resume code").inner_text())
    learner.choice = first_choice


@pytest.fixture(scope="module")
def learners(browser: Browser, hub: Hub) -> Iterator[dict[str, Learner]]:
    logged_in: dict[str, Learner] = {}
    try:
        for name in LEARNERS:
            context, page = _log_in(browser, hub, name, "voila/render/index.ipynb")
            logged_in[name] = Learner(name, context, page)
        for learner in logged_in.values():
            _play_and_reflect(learner, hub)
        yield logged_in
    finally:
        for learner in logged_in.values():
            learner.context.close()


def _fetch(learner: Learner, url: str) -> tuple[int, str, dict[str, str]]:
    """A request with the learner's own hub cookies, following redirects as a browser does."""
    response = learner.context.request.get(url, max_redirects=10)
    return response.status, response.text(), response.headers


# --- the tests -------------------------------------------------------------------------------


def test_each_learner_lands_on_the_course_as_a_voila_app(learners: dict[str, Learner]) -> None:
    for learner in learners.values():
        page = learner.page
        # The server's own root sends the learner to the course (singleuser.defaultUrl).
        page.goto(page.url.split("/voila/")[0] + "/")
        assert urlparse(page.url).path == f"/user/{learner.name}/voila/render/index.ipynb"
        page.get_by_role("heading", name="The cases").wait_for()
        text = page.inner_text("body")
        assert "There was an error when executing cell" not in text
        assert "Traceback" not in text


def test_learners_cannot_reach_jupyterlab_terminals_or_nbgrader(
    learners: dict[str, Learner], hub: Hub
) -> None:
    learner = learners[LEARNERS[0]]
    mine = f"{hub.url}/user/{learner.name}"
    for closed in ("/lab", "/lab/tree/index.ipynb", "/tree", "/notebooks/index.ipynb",
                   "/terminals/1", "/api/terminals", "/formgrader", "/assignments"):  # fmt: skip
        status, _, _ = _fetch(learner, mine + closed)
        assert status == 404, f"{closed} answered {status} for a learner"
    # What the course needs is still there: the page, and the kernel API Voila talks to.
    assert _fetch(learner, mine + "/voila/render/index.ipynb")[0] == 200
    assert _fetch(learner, mine + "/api/kernels")[0] == 200


def test_a_learner_cannot_open_another_learners_server(
    learners: dict[str, Learner], hub: Hub
) -> None:
    first, second = (learners[name] for name in LEARNERS)
    for reader, owner in ((first, second), (second, first)):
        theirs = f"{hub.url}/user/{owner.name}"
        for path in (f"/voila/render/cases/{CASE}.ipynb?resume={owner.code}",
                     "/api/contents", "/api/kernels", "/"):  # fmt: skip
            status, text, _ = _fetch(reader, theirs + path)
            assert status == 403, f"{reader.name} got {status} from {owner.name}'s {path}"
            assert owner.reflection not in text


def test_another_learners_resume_code_opens_nothing(learners: dict[str, Learner], hub: Hub) -> None:
    """Even a copied resume code opens nothing: each learner's server has its own store."""
    first, second = (learners[name] for name in LEARNERS)
    page = first.page
    page.goto(f"{hub.url}/user/{first.name}/voila/render/cases/{CASE}.ipynb?resume={second.code}")
    page.get_by_text("That resume code was not found").wait_for()
    assert second.reflection not in page.inner_text("body")
    # Their own code still brings their own journey back.
    page.goto(f"{hub.url}/user/{first.name}/voila/render/cases/{CASE}.ipynb?resume={first.code}")
    page.get_by_role("button", name="Step back one choice").wait_for()


def test_leaving_a_page_stops_its_kernel_on_the_hub(learners: dict[str, Learner], hub: Hub) -> None:
    """Each page view holds a kernel inside the learner's server (a share of their memory
    limit). Leaving the page stops it there too, not only at the idle cull."""
    import json

    learner = learners[LEARNERS[0]]
    page = learner.context.new_page()
    try:
        page.goto(f"{hub.url}/user/{learner.name}/voila/render/cases/{CASE}.ipynb")
        page.get_by_role("button", name="Step back one choice").wait_for()
        kernel = page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        kernels = f"{hub.url}/user/{learner.name}/api/kernels"

        def running() -> set[str]:
            status, text, _ = _fetch(learner, kernels)
            assert status == 200, text
            return {k["id"] for k in json.loads(text)}

        assert kernel in running()
        page.goto("about:blank")  # the learner leaves; the page asks for its kernel's end
        deadline = time.monotonic() + 30
        while kernel in running():
            assert time.monotonic() < deadline, "the page's kernel was still running after 30 s"
            time.sleep(0.5)
    finally:
        page.close()


def test_each_journey_is_kept_only_in_its_learners_own_store(
    learners: dict[str, Learner], hub: Hub
) -> None:
    scenario = load_case(CASE)
    for learner in learners.values():
        others = [other for other in learners.values() if other is not learner]
        path = hub.store(learner.name)
        assert path.exists(), f"{learner.name}'s store is in their own home"
        store = JourneyStore(f"sqlite:///{path}")
        try:
            journey = store.load(learner.code, scenario)
            assert journey is not None
            assert [choice for _, choice in journey.path()] == [learner.choice]
            assert list(journey.reflections.values()) == [learner.reflection]
            for other in others:
                assert store.load(other.code, scenario) is None
        finally:
            store.close()
        stored = b"".join(p.read_bytes() for p in path.parent.glob("journeys.sqlite*"))
        for other in others:
            assert other.reflection.encode() not in stored


def test_an_educator_gets_jupyterlab_and_the_formgrader(
    browser: Browser, hub: Hub, learners: dict[str, Learner]
) -> None:
    context, _ = _log_in(browser, hub, EDUCATOR, "lab")
    try:
        educator = Learner(EDUCATOR, context, None)
        mine = f"{hub.url}/user/{EDUCATOR}"
        status, text, headers = _fetch(educator, mine + "/formgrader")
        assert status == 200 and "formgrader" in text.lower()
        # Without per-user subdomains, framing stays forbidden: the formgrader is opened in
        # its own tab (/hub/user-redirect/formgrader/), never framed by another user's page.
        assert headers["content-security-policy"] == "frame-ancestors 'none'"
        assert _fetch(educator, f"{hub.url}/hub/user-redirect/formgrader/")[0] == 200
        exercises = hub.home(EDUCATOR) / "holding-in-mind" / "exercises"
        assert (exercises / "nbgrader_config.py").exists()
        assert (exercises / "source" / "clarke-reflection").is_dir()
        # Educators are not hub admins: learners' servers are closed to them too.
        learner = learners[LEARNERS[0]]
        status, text, _ = _fetch(educator, f"{hub.url}/user/{learner.name}/api/contents")
        assert status == 403 and learner.reflection not in text
    finally:
        context.close()


# --- the journey store on PostgreSQL: one role and schema per person ------------------------


@dataclass
class Postgres:
    admin_url: str
    process: subprocess.Popen[bytes]
    folder: Path


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: CI (root) runs it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server on 127.0.0.1, with a hub admin role that may create
    roles (not a superuser) and owns the course's database, as a host would set it up."""
    pytest.importorskip("psycopg", reason="the PostgreSQL store needs psycopg")
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = shutil.which("initdb") or (binaries[-1] if binaries else None)
    if initdb is None:
        pytest.skip("no PostgreSQL server here (Debian: apt-get install postgresql)")
    bindir = Path(initdb).parent
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run PostgreSQL as")
    # Not under pytest's temporary folder: as root that is closed to the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="holding-in-mind-pg-"))
    data, password = folder / "data", secrets.token_hex(16)
    (folder / "pw").write_text(password)
    if os.geteuid() == 0:
        for path in (folder, folder / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()
    process = None
    try:
        subprocess.run(
            _as_postgres([initdb, "-D", str(data), "-U", "postgres_admin",
                          f"--pwfile={folder / 'pw'}", "--auth=scram-sha-256"]),
            check=True, capture_output=True,
        )  # fmt: skip
        process = subprocess.Popen(
            _as_postgres([str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                          "-p", str(port), "-k", str(folder)]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        import psycopg

        superuser = f"host=127.0.0.1 port={port} user=postgres_admin password={password}"
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = psycopg.connect(superuser + " dbname=postgres", autocommit=True)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("PostgreSQL did not start")
                time.sleep(0.3)
        hub_password = secrets.token_hex(16)
        with connection:
            connection.execute(f"CREATE ROLE hub_admin LOGIN CREATEROLE PASSWORD '{hub_password}'")
            connection.execute("CREATE DATABASE holding_in_mind OWNER hub_admin")
        yield Postgres(
            f"postgresql+psycopg://hub_admin:{hub_password}@127.0.0.1:{port}/holding_in_mind",
            process,
            folder,
        )
    finally:
        if process is not None:
            stop_group(process, grace=60)
        shutil.rmtree(folder, ignore_errors=True)


def test_on_postgresql_each_learner_has_a_store_no_one_else_can_read(postgres: Postgres) -> None:
    """The hub's pre-spawn step (deploy/jupyterhub_config.py) gives each learner their own
    role and schema; a learner's server only ever holds its own URL."""
    import psycopg

    course = runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), {"c": Config()})
    provision = course["provision_store"]
    secret = secrets.token_hex(32)
    urls = {name: provision(name, postgres.admin_url, secret) for name in LEARNERS}
    assert provision(LEARNERS[0], postgres.admin_url, secret) == urls[LEARNERS[0]]  # again: same
    for name, url in urls.items():
        assert name not in url and "hub_admin" not in url

    scenario = load_case(CASE)
    first_scene, first_choice = study_path_steps(scenario)[0]
    reflection = scenario.scenes[first_scene].reflection
    assert reflection is not None
    codes, texts = {}, {}
    for name, url in urls.items():
        store = JourneyStore(url)
        try:
            codes[name], journey = store.start(scenario)
            journey.choose(scenario, first_choice)
            texts[name] = f"{name}'s reflection " + secrets.token_hex(8)
            journey.reflect(reflection.id, texts[name])
            store.save(codes[name], journey)
        finally:
            store.close()

    for name, url in urls.items():
        other = next(n for n in LEARNERS if n != name)
        store = JourneyStore(url)
        try:
            mine = store.load(codes[name], scenario)
            assert mine is not None and list(mine.reflections.values()) == [texts[name]]
            assert store.load(codes[other], scenario) is None  # their code means nothing here
        finally:
            store.close()
        # Reaching into the other learner's schema directly is refused by PostgreSQL.
        own = sa.engine.make_url(url)
        with psycopg.connect(
            host=own.host, port=own.port, dbname=own.database,
            user=own.username, password=own.password, autocommit=True,
        ) as connection:  # fmt: skip
            for table in ("reflections", "sessions", "steps"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(f'SELECT * FROM "{course["store_role"](other)}".{table}')
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("CREATE TABLE public.drop_box (text varchar)")


# --- seminar rooms on the PostgreSQL store: learners add rows and never read them ------------


def _connect(url: str):
    """A plain psycopg connection as the role in a store URL."""
    import psycopg

    own = sa.engine.make_url(url)
    return psycopg.connect(
        host=own.host, port=own.port, dbname=own.database,
        user=own.username, password=own.password, autocommit=True,
    )  # fmt: skip


def test_on_postgresql_learners_add_to_a_room_but_cannot_read_it(postgres: Postgres) -> None:
    """Everyone may add events to a room and ask one room's status; only educators read the
    events, and open, hold and close rooms (deploy/jupyterhub_config.py, ROOMS_SQL)."""
    import psycopg

    from casework.rooms.codes import skeleton
    from casework.rooms.member import Joined, RoomMember
    from casework.rooms.store import RoomError, RoomStore
    from casework.rooms.tally import RoomTally

    course = runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), {"c": Config()})
    provision, schema = course["provision_store"], course["ROOMS_SCHEMA"]
    secret = secrets.token_hex(32)
    tutor_url = provision(EDUCATOR, postgres.admin_url, secret, educator=True)
    urls = {name: provision(name, postgres.admin_url, secret) for name in LEARNERS}
    scenario = load_case(CASE)
    steps = study_path_steps(scenario)
    tutor_store = JourneyStore(tutor_url)
    stores = {name: JourneyStore(url) for name, url in urls.items()}
    try:
        tutor = RoomStore(tutor_store, schema=schema)
        opened = tutor.open(CASE)
        for number, (name, store) in enumerate(stores.items()):
            member = RoomMember(RoomStore(store, schema=schema), scenario)
            assert member.join(opened.code.lower(), name).outcome == Joined.joined
            assert member.sync(steps[: number + 1])
        state = RoomTally(scenario).state(tutor.events(opened.code))
        assert state.joined == 2 and sorted(map(len, state.paths)) == [1, 2]
        tutor.hold(opened.code, opened.key, steps[1][0])
        learner_rooms = RoomStore(stores[LEARNERS[0]], schema=schema)
        info = learner_rooms.status(opened.code)
        assert info is not None and info.held_at == steps[1][0]
        # A learner's kernel can neither read the room nor steer it.
        for attempt in (
            lambda: learner_rooms.events(opened.code),
            lambda: learner_rooms.tutor(opened.code, opened.key),
            lambda: learner_rooms.open(CASE),
            lambda: learner_rooms.close(opened.code, opened.key),
        ):
            with pytest.raises(RoomError):
                attempt()
        other = course["store_role"](LEARNERS[1])
        with _connect(urls[LEARNERS[0]]) as connection:
            for statement in (
                f"SELECT * FROM {schema}.room_events",
                f"SELECT learner FROM {schema}.room_events",
                f"SELECT key_hash FROM {schema}.rooms",
                f"UPDATE {schema}.rooms SET held_at = NULL",
                f"DELETE FROM {schema}.room_events",
                f"INSERT INTO {schema}.rooms (code, skeleton, case_id, key_hash, opened_at, "
                "closes_at) VALUES ('HHHHHH', 'HHHHHH', 'x', 'x', now(), now())",
                f'SELECT * FROM "{other}".sessions',  # nor another learner's journey
                f'SELECT * FROM "{other}".reflections',
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(statement)
            row = connection.execute(
                f"SELECT * FROM {schema}.room_status(%s)", (skeleton(opened.code),)
            ).fetchone()
            assert row is not None and len(row) == 5  # code, case, status, hold, closing time
        # The hub's tables are the migration's (each learner's own schema has a copy, unused).
        with _connect(postgres.admin_url.replace("+psycopg", "")) as admin:

            def columns(table_schema: str) -> list[tuple[str, str, str]]:
                return admin.execute(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name IN ('rooms', 'room_events') "
                    "ORDER BY table_name, ordinal_position",
                    (table_schema,),
                ).fetchall()

            assert columns(schema) == columns(course["store_role"](LEARNERS[0]))
            # A room past its time: the next learner to ask closes it and its rows go.
            admin.execute(
                f"UPDATE {schema}.rooms SET closes_at = now() - interval '1 second' "
                "WHERE code = %s",
                (opened.code,),
            )
        info = learner_rooms.status(opened.code)
        assert info is not None and not info.open
        assert tutor.signature(opened.code) == (0, 0)
        # A closed room drops what a kernel that has not noticed still sends.
        RoomStore(stores[LEARNERS[1]], schema=schema).post(opened.code, "someone", steps[:1])
        assert tutor.signature(opened.code) == (0, 0)
    finally:
        tutor_store.close()
        for store in stores.values():
            store.close()


def _choose_on_the_page(page: Page, label: str) -> None:
    """From wherever a learner's page is (the introduction, a content note, a first-answer
    question), on to the option ``label``, pressed as a keyboard user does (focus, Enter)."""
    steps = ("Begin the case", "Continue to the scene", "Show me the options")
    wanted = page.get_by_role("button", name=label, exact=True).filter(visible=True)
    ways = [page.get_by_role("button", name=name).filter(visible=True) for name in steps]
    for _ in range(8):
        anything = wanted
        for way in ways:
            anything = anything.or_(way)
        anything.first.wait_for()
        button = wanted if wanted.count() else next((w for w in ways if w.count()), None)
        if button is None:
            continue
        button.first.focus()
        page.keyboard.press("Enter")
        if button is wanted:
            return
        page.wait_for_timeout(300)
    raise AssertionError(f"the page never offered {label!r}")


@pytest.fixture(scope="module")
def room_hub(tmp_path_factory: pytest.TempPathFactory, postgres: Postgres) -> Iterator[Hub]:
    """A hub whose journey store is PostgreSQL: one role per person, rooms shared."""
    secret = secrets.token_hex(32)
    with _running_hub(
        tmp_path_factory.mktemp("room-hub"),
        HOLDING_IN_MIND_STORE_ADMIN_URL=postgres.admin_url,
        HOLDING_IN_MIND_STORE_SECRET=secret,
    ) as started:
        started.secret = secret
        yield started


def test_on_the_hub_two_learners_and_a_tutor_share_a_room_only_the_tutor_reads(
    browser: Browser, room_hub: Hub, postgres: Postgres
) -> None:
    """The tutor opens a room on the tutor's page in their own server; two learners follow
    the room's link (through the hub's user-redirect, to their own servers) and choose; the
    tutor's view counts them; learners' roles cannot read the room's rows or each other's
    journeys."""
    import psycopg

    hub = room_hub
    scenario = load_case(CASE)
    s1, c1 = study_path_steps(scenario)[0]
    contexts = []
    try:
        context, tutor = _log_in(browser, hub, EDUCATOR, "lab")
        contexts.append(context)
        tutor.goto(f"{hub.url}/user/{EDUCATOR}/voila/render/holding-in-mind/tutor.ipynb")
        tutor.get_by_label("Case").select_option(label=scenario.title)
        tutor.get_by_role("button", name="Open a room").click()
        code = tutor.locator("[data-hm-room-code]").get_attribute("data-hm-room-code")
        assert code
        link = tutor.locator(f'a[href*="room={code}"]').first.get_attribute("href")
        assert link and "/hub/user-redirect/voila/render/cases/" in link
        for name in ROOM_LEARNERS:
            context, page = _log_in(browser, hub, name, "voila/render/index.ipynb")
            contexts.append(context)
            page.goto(link)
            page.wait_for_url(f"**/user/{name}/voila/render/cases/{CASE}.ipynb?room={code}")
            page.get_by_text("You are in your tutor").wait_for()
            _choose_on_the_page(page, scenario.choice(s1, c1).label)
            page.get_by_text("You chose:").wait_for()
        tutor.wait_for_function(
            "([scene]) => document.querySelector('[data-hm-joined-count=\"2\"]') && "
            'document.querySelector(`[data-hm-decision="${scene}"]`)'
            ".getAttribute('data-hm-answered') === '2'",
            arg=[s1],
            timeout=60_000,
        )
        assert "(2 so far)" in tutor.inner_text(f'[data-hm-decision="{s1}"]')  # withheld
        # What the rooms' schema holds, read as the tutor's role: ids from the case, no more.
        course = runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), {"c": Config()})
        schema = course["ROOMS_SCHEMA"]
        tutor_url = course["provision_store"](
            EDUCATOR, postgres.admin_url, hub.secret, educator=True
        )
        with _connect(tutor_url) as connection:
            rows = connection.execute(
                f"SELECT learner, decision, option FROM {schema}.room_events WHERE room = %s",
                (code,),
            ).fetchall()
        assert len({learner for learner, _, _ in rows}) == 2
        assert {(d, o) for _, d, o in rows} == {(scenario.case.start, ""), (s1, c1)}
        for name in ROOM_LEARNERS:
            url = course["provision_store"](name, postgres.admin_url, hub.secret)
            other = course["store_role"](next(n for n in ROOM_LEARNERS if n != name))
            with _connect(url) as connection:
                for statement in (f"SELECT * FROM {schema}.room_events",
                                  f"SELECT * FROM {schema}.rooms",
                                  f'SELECT * FROM "{other}".steps'):  # fmt: skip
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        connection.execute(statement)
    finally:
        for context in contexts:
            context.close()


# --- the deployment files agree with each other --------------------------------------------


def test_the_deployment_files_agree_with_each_other(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the hub test emulates is what the image and the chart values set."""
    import yaml
    from traitlets.config.loader import PyFileConfigLoader

    values = yaml.safe_load((ROOT / "deploy" / "values.yaml").read_text())
    course = runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), {"c": Config()})
    assert values["singleuser"]["defaultUrl"] == course["LEARNER_URL"]
    mount = values["hub"]["extraFiles"]["holding-in-mind"]["mountPath"]
    assert mount.startswith("/usr/local/etc/jupyterhub/jupyterhub_config.d/")
    assert values["cull"]["enabled"] is True
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--file environment.yml" in dockerfile
    # The hub test sets these two in the spawner's environment, standing in for the image.
    assert "JUPYTER_CONFIG_PATH=${COURSE}/deploy/singleuser" in dockerfile
    assert "JUPYTER_PATH=${COURSE}/share/jupyter" in dockerfile
    ignored = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().split()
    assert "exercises/gradebook.db" in ignored and "exercises/submitted" in ignored

    # A server's own ServerApp.default_url would win over the hub's (singleuser.defaultUrl):
    # the image's configuration must never set one, for either role.
    for role in ("learner", "educator", ""):
        monkeypatch.setenv("HOLDING_IN_MIND_ROLE", role)
        monkeypatch.setenv("HOME", str(tmp_path / role))  # an educator's first start
        loader = PyFileConfigLoader("jupyter_server_config.py", str(ROOT / "deploy" / "singleuser"))
        config = loader.load_config()
        assert "default_url" not in config.ServerApp
        learner = role != "educator"  # no role, or an unknown one, is a learner
        assert ("jupyterlab" in config.ServerApp.jpserver_extensions.get_value({})) is learner
        seeded = tmp_path / role / "holding-in-mind" / "exercises" / "nbgrader_config.py"
        assert seeded.exists() is not learner
