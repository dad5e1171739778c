"""The player, driven as a learner drives it: real widgets, real clicks, a real journey file."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ipywidgets as widgets
import pytest

from casework.catalog import load_case
from casework.journey import MAX_REFLECTION_CHARS, Journey
from casework.player import PLAIN_ERROR, FileKeeper, Player, StoreKeeper, default_keeper
from casework.store import JourneyStore, display_token


def _all(widget: widgets.Widget, kind: type) -> list:
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()):
        found += _all(child, kind)
    return found


class Learner:
    """Presses buttons and types, as a learner does, with the player's page output silenced."""

    def __init__(self, player: Player) -> None:
        self.player = player

    def buttons(self) -> list[str]:
        return [b.description for b in _all(self.player.story, widgets.Button)]

    def press(self, text: str) -> None:
        """Press the button whose text contains ``text``. Where the scene first asks what the
        learner would do, this learner skips the question (as anyone may) and asks for the
        options; the tests of the first answer itself write one."""
        matches = [b for b in _all(self.player.widget, widgets.Button) if text in b.description]
        if not matches and "Show me the options" in self.buttons():
            self.press("Show me the options")
            matches = [b for b in _all(self.player.widget, widgets.Button) if text in b.description]
        assert matches, f"no button with {text!r}; there are {self.buttons()}"
        with contextlib.redirect_stdout(io.StringIO()):
            matches[0].click()

    def type(self, text: str) -> None:
        (box,) = _all(self.player.story, widgets.Textarea)
        box.value = text

    def story(self) -> str:
        return " ".join(h.value for h in _all(self.player.story, widgets.HTML))


@pytest.fixture
def demo():
    return load_case("demo")


@pytest.fixture
def journey_file(tmp_path: Path) -> Path:
    return tmp_path / "demo.journey.json"


@pytest.fixture
def learner(demo, journey_file: Path) -> Iterator[Learner]:
    with contextlib.redirect_stdout(io.StringIO()):
        player = Player(demo, FileKeeper(journey_file))
    yield Learner(player)


def test_a_case_opens_with_its_content_note_and_a_begin_button(learner: Learner) -> None:
    assert learner.player.stage == "intro"
    assert "Content note" in learner.story() and learner.buttons() == ["Begin the case"]
    learner.press("Begin the case")
    assert learner.player.stage == "scene"
    assert "The first knock on the door" in learner.story()
    assert sorted(learner.buttons()) == [
        "Explain why you are here, then listen to her story of the last worker",
        "Work through the assessment form with her now, so that nothing is missed",
    ]
    # ...in this learner's own order (tests/test_option_order.py pins the shuffling down).
    shown = learner.player.journey.options(learner.player.scenario, "first_visit")
    assert learner.buttons() == [choice.label for choice in shown]


def test_a_choice_is_saved_before_its_consequence_is_shown(
    learner: Learner, journey_file: Path
) -> None:
    learner.press("Begin")
    learner.press("Explain why you are here")
    saved = json.loads(journey_file.read_text())
    assert [s["choice"] for s in saved["steps"]] == ["explain_and_listen"]
    story = learner.story()
    assert "You chose: Explain why you are here" in story
    assert "Practice idea:" in story and "respectful communication" in story
    assert "Mason (2012): Respectful communication: trust, honesty and feeling safe" in story
    assert "Parent&#x27;s trust in you rose by 4" in story
    assert learner.buttons()[-1] == "Continue to week 1: What did you write about me?"


def test_the_chart_gains_a_point_per_choice_and_says_it_is_a_model(learner: Learner) -> None:
    def points() -> int:
        data = learner.player.chart.current["application/vnd.plotly.v1+json"]["data"]
        return len(data[0]["x"])

    learner.press("Begin")
    assert points() == 1
    learner.press("Explain why")
    assert points() == 2
    learner.press("Continue")
    learner.press("Offer to go through")
    assert points() == 3
    chart = learner.player.chart.current
    # The note now stands in the chart's own words beneath it (HTML, which wraps on a phone).
    beside = " ".join(o["data"].get("text/html", "") for o in learner.player.chart.output.outputs)
    assert "A teaching model, not a prediction" in beside
    assert chart["text/plain"].startswith("Relationship chart (a teaching model, not a prediction)")
    hover = chart["application/vnd.plotly.v1+json"]["data"][0]["hovertext"]
    assert hover[-1].startswith("Week 1: Offer to go through your record")
    assert "A teaching model, not a prediction" in learner.player.caption.value


def test_reflections_are_saved_as_typed_and_kept_as_text(
    learner: Learner, journey_file: Path
) -> None:
    learner.press("Begin")
    learner.press("Explain why")
    text = 'I felt <script>alert("x")</script> **nervous** & unsure'
    learner.type(text)  # no event loop here, so the save is immediate
    assert json.loads(journey_file.read_text())["reflections"] == {"first_feelings": text}
    assert "Saved at" in learner.player.status.value


def test_an_over_long_reflection_is_refused_and_the_saved_one_kept(
    learner: Learner, journey_file: Path
) -> None:
    learner.press("Begin")
    learner.press("Explain why")
    learner.type("kept")
    learner.type("x" * (MAX_REFLECTION_CHARS + 1))
    assert "shorten it" in learner.player.status.value
    assert json.loads(journey_file.read_text())["reflections"] == {"first_feelings": "kept"}


def _play_to_the_end(learner: Learner) -> None:
    learner.press("Begin")
    for choice in ["Explain why", "Offer to go through", "Keep the visit"]:
        learner.press(choice)
        learner.press("Continue" if "Keep" not in choice else "See how the case ends")


def test_the_last_consequence_comes_before_the_debrief(learner: Learner) -> None:
    learner.press("Begin")
    for choice in ["Explain why", "Offer to go through"]:
        learner.press(choice)
        learner.press("Continue")
    learner.press("Keep the visit")
    assert learner.player.stage == "consequence"
    assert learner.buttons() == ["See how the case ends"]


def test_the_ending_shows_debrief_study_path_ghosts_and_downloads(learner: Learner) -> None:
    _play_to_the_end(learner)
    assert learner.player.stage == "ending"
    story = learner.story()
    assert "Ending: A relationship to build on" in story and "Debrief" in story
    assert "same choice as the worker in the study at 3 of 3" in story
    assert "Practice ideas you met on the way" in story and "reliability" in story
    assert 'download="demo-journey.json"' in story and 'download="demo-reflections.md"' in story
    names = {
        t["name"] for t in learner.player.chart.current["application/vnd.plotly.v1+json"]["data"]
    }
    assert names == {"Your path", "The path in the study"}
    (picker,) = _all(learner.player.story, widgets.Dropdown)
    picker.value = 2  # the third decision: what if the visit had been postponed?
    names = {
        t["name"] for t in learner.player.chart.current["application/vnd.plotly.v1+json"]["data"]
    }
    assert (
        "Had you chosen: Postpone the visit by a fortnight and write to let her know the reason"
        in names
    )
    assert len(names) == 4


def test_step_back_and_restart(learner: Learner, journey_file: Path) -> None:
    learner.press("Begin")
    learner.press("Explain why")
    learner.type("a thought")
    learner.press("Step back one choice")
    assert learner.player.stage == "scene" and learner.player.journey.steps == []
    assert json.loads(journey_file.read_text())["steps"] == []
    learner.press("Work through the assessment form")
    learner.press("Start the case again")
    assert "Press again" in learner.player.restart_button.description  # asks to confirm
    learner.press("Press again")
    assert learner.player.journey.steps == []
    assert learner.player.journey.reflections == {"first_feelings": "a thought"}


def test_a_learner_who_comes_back_finds_the_journey(demo, journey_file: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        first = Learner(Player(demo, FileKeeper(journey_file)))
        first.press("Begin")
        first.press("Explain why")
        first.type("still here")
        again = Learner(Player(demo, FileKeeper(journey_file)))
    # Back on the very step they left (issue: coming back lands on the same step, not the
    # next one), with what they wrote in its box.
    assert again.player.stage == "consequence"
    assert "You chose: Explain why" in again.story()
    (box,) = _all(again.player.story, widgets.Textarea)
    assert box.value == "still here"
    assert again.player.journey.reflections == {"first_feelings": "still here"}
    with contextlib.redirect_stdout(io.StringIO()):
        again.press("Continue")
        later = Learner(Player(demo, FileKeeper(journey_file)))
    assert later.player.stage == "scene" and "What did you write about me?" in later.story()


def test_a_damaged_journey_file_is_kept_aside_and_the_learner_starts_again(
    demo,
    journey_file: Path,
) -> None:
    journey_file.write_text("{ not json")
    with contextlib.redirect_stdout(io.StringIO()):
        learner = Learner(Player(demo, FileKeeper(journey_file)))
    assert "kept aside" in learner.player.status.value
    kept = [p for p in journey_file.parent.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_text() == "{ not json"
    learner.press("Begin")
    learner.press("Explain why")
    assert json.loads(journey_file.read_text())["steps"][0]["choice"] == "explain_and_listen"


def test_no_traceback_reaches_the_learner(learner: Learner, monkeypatch) -> None:
    learner.press("Begin")

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Journey, "save", broken)
    learner.press("Explain why")
    assert PLAIN_ERROR in learner.player.status.value.replace("&#x27;", "'")
    assert "Traceback" not in learner.player.status.value and "disk on fire" not in learner.story()


def test_in_an_assignment_prompts_point_to_the_graded_cells(demo, tmp_path: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        learner = Learner(Player(demo, FileKeeper(tmp_path / "j.json"), write_reflections=False))
    learner.press("Begin")
    learner.press("Explain why")
    assert _all(learner.player.story, widgets.Textarea) == []
    assert "matching reflection section of this assignment" in learner.story()


def test_hosted_pages_keep_journeys_in_the_store_by_resume_code(
    monkeypatch,
    tmp_path: Path,
) -> None:
    """Every learner's kernel runs in the same folder: never a shared file there."""
    monkeypatch.setenv("CASEWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VOILA_SERVER_URL", "http://127.0.0.1:8866/")
    monkeypatch.setenv(
        "VOILA_REQUEST_URL", "http://127.0.0.1:8866/voila/render/05_clarke.ipynb?resume=abcd"
    )
    keeper = default_keeper("demo")
    assert isinstance(keeper, StoreKeeper) and keeper.token == "ABCD"
    monkeypatch.delenv("VOILA_SERVER_URL")
    keeper = default_keeper("demo")
    assert isinstance(keeper, FileKeeper) and keeper.path.name == "demo.journey.json"


def test_a_hosted_learner_sees_a_resume_code_and_can_come_back(demo, tmp_path: Path) -> None:
    store = JourneyStore(f"sqlite:///{tmp_path / 'j.sqlite'}")
    with contextlib.redirect_stdout(io.StringIO()):
        first = Learner(Player(demo, StoreKeeper(store)))
        first.press("Begin")
        first.press("Explain why")
        first.type("kept in the store")
    code = first.player.keeper.token
    resume = " ".join(h.value for h in _all(first.player.resume, widgets.HTML))
    assert display_token(code) in resume
    with contextlib.redirect_stdout(io.StringIO()):
        second = Learner(Player(demo, StoreKeeper(store)))  # a new page, a new code
        (box,) = _all(second.player.resume, widgets.Text)
        box.value = display_token(code).lower()
        second.press("Resume with this code")
    assert second.player.journey.path() == [("first_visit", "explain_and_listen")]
    assert second.player.journey.reflections == {"first_feelings": "kept in the store"}
    assert "Welcome back" in second.player.status.value


def test_every_button_has_a_readable_name(learner: Learner) -> None:
    learner.press("Begin")
    for button in _all(learner.player.widget, widgets.Button):
        assert len(button.description) > 3 and button.description == button.tooltip


def test_a_held_back_first_chart_is_drawn_after_its_delay_or_at_the_first_choice() -> None:
    """On a hosted page the first chart is held back so the buttons draw first
    (player.FIRST_CHART_DELAY); meanwhile the chart's place says what it will show."""
    import asyncio

    from casework.player import ChartView

    plotly = "application/vnd.plotly.v1+json"

    def shown(chart: ChartView) -> dict:
        return chart.output.outputs[0]["data"]

    async def later_by_itself() -> None:
        chart = ChartView(first_delay=0.05)
        chart.show({"data": [], "layout": {}}, "trust at 20")
        assert plotly not in shown(chart)
        assert 'aria-label="trust at 20"' in shown(chart)["text/html"]
        await asyncio.sleep(0.2)
        assert plotly in shown(chart) and shown(chart)["text/plain"] == "trust at 20"

    async def at_once_on_a_choice() -> None:
        chart = ChartView(first_delay=30)
        chart.show({"data": [], "layout": {}}, "first")
        chart.show({"data": [{"y": [1]}], "layout": {}}, "after a choice")
        assert shown(chart)[plotly]["data"] == [{"y": [1]}]
        await asyncio.sleep(0)
        assert chart._pending is None

    def outside_a_loop() -> None:
        # Outside an event loop (a notebook cell run by nbclient, say) nothing is held back.
        chart = ChartView(first_delay=30)
        chart.show({"data": [], "layout": {}}, "now")
        assert plotly in shown(chart)

    # Each in a thread of its own: Playwright's tests leave an event loop running in this one.
    for part in (
        lambda: asyncio.run(later_by_itself()),
        lambda: asyncio.run(at_once_on_a_choice()),
        outside_a_loop,
    ):
        failures: list[BaseException] = []

        def run(part: Callable[[], None] = part, failures: list[BaseException] = failures) -> None:
            try:
                part()
            except BaseException as error:  # reported in the test's own thread
                failures.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=30)
        if failures:
            raise failures[0]


def test_a_reflection_typed_just_before_the_kernel_stops_is_saved(tmp_path: Path) -> None:
    """A closed page stops its kernel at once (Voila's shutdown on unload). A reflection typed
    in the second before waits for its debounced save; it is written as the kernel exits."""
    from jupyter_client.manager import start_new_kernel

    journey = tmp_path / "demo.journey.json"
    code = f"""
import contextlib, io, ipywidgets as widgets
from pathlib import Path
from casework.catalog import load_case
from casework.player import FileKeeper, Player

def everything(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from everything(child)

def press(text):
    [b for b in everything(player.widget) if isinstance(b, widgets.Button)
     and text in b.description][0].click()

import casework.player.player
casework.player.player.SAVE_DELAY = 600  # the debounced save alone would never come in time
player = Player(load_case("demo"), FileKeeper({str(journey)!r}))
press("Begin")
press("Explain why")
[box for box in everything(player.story) if isinstance(box, widgets.Textarea)][0].value = "typed"
print("pending:", player._save_handle is not None, "typed" in Path({str(journey)!r}).read_text())
"""
    manager, client = start_new_kernel(cwd=str(tmp_path))
    try:
        printed: list[str] = []
        client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")),
        )
        assert "pending: True False" in "".join(printed), printed
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # as Voila stops a closed page's kernel
    assert json.loads(journey.read_text())["reflections"] == {"first_feelings": "typed"}


# --- a pooled kernel learning its request from Voila ---------------------------------------


@pytest.fixture
def pooled_kernel(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """This process as a kernel in Voila's pool, with no request handed over yet."""
    from casework.player import handover as player

    monkeypatch.setattr(player, "_handed_over", [])
    monkeypatch.setattr(player, "_handover_lock", threading.Lock())
    for name in ("SCRIPT_NAME", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT"):
        monkeypatch.setenv(name, "")  # restored (removed) after the test
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_IP", "127.0.0.1")
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "kernel-1")

    def at_port(port: int) -> None:
        monkeypatch.setenv("VOILA_APP_PORT", str(port))

    yield at_port


def test_a_pooled_kernel_reads_its_request_once_however_many_ask(
    pooled_kernel: Callable[[int], None],
) -> None:
    """Voila's own request socket (voila.request_info_handler) keeps one waiter per kernel:
    two readers at once must share one fetch, or one of them waits for ever."""
    import asyncio
    import socket

    import tornado.web
    from voila.request_info_handler import RequestInfoSocketHandler

    from casework.player import request_url

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pooled_kernel(port)
    ready = threading.Event()
    server_loop: list[asyncio.AbstractEventLoop] = []

    def serve() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([(r"/voila/query/(.*)", RequestInfoSocketHandler)])
        server = app.listen(port, address="127.0.0.1")
        server_loop.append(loop)
        ready.set()
        loop.run_forever()
        server.stop()
        loop.close()

    threading.Thread(target=serve, daemon=True).start()
    assert ready.wait(10)
    answers: list[str | None] = []
    readers = [threading.Thread(target=lambda: answers.append(request_url())) for _ in range(2)]
    for reader in readers:
        reader.start()
    time.sleep(0.5)  # both are waiting: no learner yet
    assert answers == []
    payload = {
        "SCRIPT_NAME": "/voila/render/cases/clarke.ipynb",
        "QUERY_STRING": "resume=ABCD",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8866",
    }
    server_loop[0].call_soon_threadsafe(
        RequestInfoSocketHandler.send_updates,
        {"kernel_id": "kernel-1", "payload": json.dumps(payload)},
    )
    for reader in readers:
        reader.join(timeout=10)
    server_loop[0].call_soon_threadsafe(server_loop[0].stop)
    address = "http://127.0.0.1:8866/voila/render/cases/clarke.ipynb?resume=ABCD"
    assert answers == [address, address]


def test_a_pooled_kernel_that_cannot_reach_voila_says_so_instead_of_guessing(
    pooled_kernel: Callable[[int], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guessing the address would open a fresh journey whatever the learner's resume code,
    and give them a personal link that leads nowhere."""
    import socket

    from casework.player import handover as player

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    pooled_kernel(port)
    monkeypatch.setattr(player, "HANDOVER_ATTEMPTS", 2)
    with pytest.raises(player.HandoverError):
        player.request_url()
    assert player.waiting_for_learner()
    assert "reload" in player.HANDOVER_FAILED
