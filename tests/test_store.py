"""The journey store: migrations, resume codes, damaged rows, and many writers at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework.catalog import load_case
from casework.journey import JourneyError
from casework.player import StoreKeeper
from casework.store import (
    JourneyStore,
    display_token,
    new_token,
    normalise_token,
)
from casework.testing import simulate_learner


@pytest.fixture
def store(tmp_path: Path) -> JourneyStore:
    made = JourneyStore(f"sqlite:///{tmp_path / 'journeys.sqlite'}")
    yield made
    made.close()


@pytest.fixture(scope="module")
def demo():
    return load_case("demo")


def test_a_new_database_is_migrated_to_the_latest_schema(store: JourneyStore) -> None:
    assert store.revision() == "0004"
    with store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
    assert mode == "wal"


def test_the_upgrade_from_the_first_schema_keeps_the_data(tmp_path: Path, demo) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = JourneyStore(url, migrate=False)
    old.upgrade("0001")
    assert old.revision() == "0001"
    with old.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sessions (id, token_hash, case_id, case_version, status, created_at,"
            " updated_at) VALUES (1, 'h', 'demo', '1.0', 'active', '2026-01-01', '2026-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO steps VALUES (1, 0, 'first_visit', 'explain_and_listen', '2026-01-01')"
        )
    old.close()
    upgraded = JourneyStore(url)
    assert upgraded.revision() == "0004"
    assert upgraded.counts() == {"sessions": 1, "steps": 1, "reflections": 0}
    columns = {c["name"] for c in sa.inspect(upgraded.engine).get_columns("sessions")}
    assert "note" in columns
    upgraded.upgrade()  # running it again on every start is harmless
    assert upgraded.revision() == "0004"
    upgraded.close()


def test_a_current_database_is_opened_without_alembic_and_head_is_the_newest_migration(
    tmp_path: Path,
) -> None:
    """Every page view opens the store: when it is current, Alembic is not run (its import
    alone costs about 0.1 s of each page), so HEAD_REVISION must name the newest migration."""
    import subprocess
    import sys

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from casework.store import HEAD_REVISION

    config = Config()
    config.set_main_option("script_location", "casework:migrations")
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]
    url = f"sqlite:///{tmp_path / 'journeys.sqlite'}"
    JourneyStore(url).close()
    opened = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from casework.store import JourneyStore; s = JourneyStore(sys.argv[1]);"
            " print(s._recorded_revision(), 'alembic' in sys.modules)",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert opened.stdout.split() == [HEAD_REVISION, "False"], opened.stderr


def test_resume_codes_are_random_long_and_only_their_hash_is_stored(
    store: JourneyStore,
    demo,
) -> None:
    tokens = {new_token() for _ in range(10_000)}
    assert len(tokens) == 10_000
    assert all(len(t) == 28 and set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for t in tokens)
    token, journey = store.start(demo)
    journey.choose(demo, "explain_and_listen")
    store.save(token, journey)
    raw = Path(store.engine.url.database).read_bytes()
    wal = Path(str(store.engine.url.database) + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert token.encode() not in raw
    assert normalise_token(display_token(token).lower()) == token


def test_a_journey_round_trips_through_the_store(store: JourneyStore, demo) -> None:
    token, journey = store.start(demo)
    journey.choose(demo, "explain_and_listen")
    journey.reflect("first_feelings", "<b>text</b> & more\n" * 100)
    store.save(token, journey)
    journey.back()
    journey.choose(demo, "stick_to_the_form")
    store.save(token, journey)
    loaded = store.load(token, demo)
    assert loaded is not None
    assert loaded.path() == journey.path() and loaded.reflections == journey.reflections


def test_one_learners_code_never_opens_another_journey(store: JourneyStore, demo) -> None:
    mine, journey = store.start(demo)
    journey.reflect("first_feelings", "private")
    store.save(mine, journey)
    theirs, _ = store.start(demo)
    assert store.load(theirs, demo).reflections == {}
    assert store.load(new_token(), demo) is None
    assert store.load(mine[:-1] + ("A" if mine[-1] != "A" else "B"), demo) is None
    keeper = StoreKeeper(store, "not-a-real-code")
    fresh, message = keeper.load(demo)
    assert fresh.reflections == {} and "not found" in message and keeper.token != mine


def test_a_damaged_row_is_kept_aside_and_the_learner_starts_again(
    store: JourneyStore,
    demo,
) -> None:
    token, journey = store.start(demo)
    journey.choose(demo, "explain_and_listen")
    store.save(token, journey)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE steps SET choice = 'vanished'")
    with pytest.raises(JourneyError, match="no choice 'vanished'"):
        store.load(token, demo)
    with store.engine.connect() as connection:
        status, note = connection.exec_driver_sql("SELECT status, note FROM sessions").one()
    assert status == "set_aside" and "vanished" in note
    assert store.counts()["steps"] == 1  # the data is kept
    keeper = StoreKeeper(store, token)
    fresh, message = keeper.load(demo)
    assert fresh.steps == [] and "kept aside" in message and keeper.token != token


def test_gaps_in_saved_steps_are_treated_as_damage(store: JourneyStore, demo) -> None:
    token, journey = store.start(demo)
    for choice in ("explain_and_listen", "show_her"):
        journey.choose(demo, choice)
    store.save(token, journey)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM steps WHERE position = 0")
    with pytest.raises(JourneyError, match="out of order or have gaps"):
        store.load(token, demo)


# --- many learners at once ----------------------------------------------------------------

SOAK_SECONDS = 60
LEARNERS = 50


def _learner(url: str, seed: int, seconds: float, results: multiprocessing.Queue) -> None:
    results.put(simulate_learner(url, seed, seconds))


@pytest.fixture
def crowd_store(tmp_path: Path) -> str:
    """A new store for a crowd of learners (a minute-long soak: marked slow by conftest)."""
    url = f"sqlite:///{tmp_path / 'soak.sqlite'}"
    JourneyStore(url).close()  # the schema exists before the crowd arrives
    return url


def test_fifty_learners_writing_for_a_minute_lose_nothing(crowd_store: str, demo) -> None:
    url = crowd_store
    # fork: the learners inherit the imports (spawn spends a minute re-importing on two
    # cores); each opens its own connection after the fork.
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    learners = [
        context.Process(target=_learner, args=(url, seed, SOAK_SECONDS, results))
        for seed in range(LEARNERS)
    ]
    for process in learners:
        process.start()
    reports = [results.get(timeout=SOAK_SECONDS + 120) for _ in learners]
    for process in learners:
        process.join(timeout=30)
        assert process.exitcode == 0
    store = JourneyStore(url)
    assert sum(r["errors"] for r in reports) == 0, "a learner met a 'database is locked' error"
    sessions = 0
    for report in reports:
        for token, expected in report["finished"].items():
            loaded = store.load(token, demo)
            assert loaded is not None
            assert loaded.path() == expected["path"]
            assert loaded.reflections == expected["reflections"]
            sessions += 1
    assert store.counts()["sessions"] == sessions
    assert sum(r["saves"] for r in reports) > LEARNERS * 10
    store.close()


def test_the_store_file_and_folder_are_for_the_server_user_alone(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CASEWORK_DATA_DIR", str(tmp_path / "data"))
    made = JourneyStore()
    made.start(load_case("demo"))
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "journeys.sqlite").stat().st_mode & 0o777 == 0o600
    made.close()


def test_a_learners_own_store_reopens_their_latest_journey(store: JourneyStore, demo) -> None:
    old_code, journey = store.start(demo)
    journey.choose(demo, "explain_and_listen")
    store.save(old_code, journey)
    shared = StoreKeeper(store)  # a shared server: never guess whose journey it is
    assert shared.load(demo)[0].steps == []
    own = StoreKeeper(store, reopen_latest=True)
    # The latest active session is the one `shared` just started; finish checking it is empty,
    # then make the older journey the latest again by saving it.
    store.save(old_code, journey)
    reopened, message = own.load(demo)
    assert reopened.path() == journey.path() and message is None
    assert own.token != old_code and store.load(old_code, demo) is None
