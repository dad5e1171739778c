"""A learner's path through a case, as a record anyone can read without the player.

nbgrader re-runs an assignment without replaying a click, and the course keeps no widget state
in marked notebooks, so in formgrader the player is only a placeholder. Rubric criterion 1 asks
the learner to set their path against the study's; the marker needs to see both. The locked
cell after the player prints this record from the saved journey: every decision with the
learner's choice and the study path's choice there, the ending, and the debrief chart as a
table of values. It is plain text (an autograded notebook keeps only text and images), so it
survives autograde and shows the same in formgrader, in a live notebook and on paper.

Only choices are read: a journey's reflections and first answers are never printed.
"""

from __future__ import annotations

from pathlib import Path

from casework.journey import Journey, JourneyError
from casework.paths import Played, replay, scenario_of, study_path_steps
from casework.scenario import Scenario
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory, trajectory


def _when(scenario: Scenario, time: float) -> str:
    unit = "Month" if scenario.case.time_unit.value == "months" else "Week"
    return f"{unit} {time:g}"


def _label(scenario: Scenario, scene: str, choice: str) -> str:
    return scenario.choice(scene, choice).label


def _decisions(scenario: Scenario, path: list[tuple[str, str]]) -> list[str]:
    study = dict(study_path_steps(scenario)) if scenario.case.study_path else {}
    lines: list[str] = []
    for number, (scene_id, choice_id) in enumerate(path, start=1):
        scene = scenario.scenes[scene_id]
        lines.append(f"{number}. {_when(scenario, scene.time)}: {scene.title}")
        lines.append(f"   You chose:         {_label(scenario, scene_id, choice_id)}")
        if scene_id not in study:
            lines.append("   The study's path:  did not pass through this scene")
        elif study[scene_id] == choice_id:
            lines.append("   The study's path:  the same choice")
        else:
            lines.append(f"   The study's path:  {_label(scenario, scene_id, study[scene_id])}")
    visited = {scene for scene, _ in path}
    missed = [(s, c) for s, c in study_path_steps(scenario) if s not in visited] if study else []
    if missed:
        lines.append("")
        lines.append("Decisions on the study's path that your path did not reach:")
        for scene_id, choice_id in missed:
            scene = scenario.scenes[scene_id]
            lines.append(
                f"-  {_when(scenario, scene.time)}: {scene.title}: "
                f"{_label(scenario, scene_id, choice_id)}"
            )
    return lines


def _ending_line(scenario: Scenario, played: Trajectory, who: str) -> str:
    if played.ending is not None:
        return f"{who} {scenario.endings[played.ending].title}"
    node = scenario.node(played.position)
    return f"{who} not reached yet: the path stops at {_when(scenario, node.time)}, {node.title}"


def _number(value: float) -> str:
    return f"{value:.0f}"


def chart_table(scenario: Scenario, learner: Trajectory, study: Trajectory | None) -> list[str]:
    """The debrief chart as text: for each line of the chart, a small table of each time
    point with the learner's value (up to their last point) and the study path's."""
    times = sorted({p.time for p in learner.points} | {p.time for p in (study or learner).points})
    last = learner.points[-1].time
    width = max(len(_when(scenario, time)) for time in times)
    lines: list[str] = []
    for dimension in scenario.case.dimensions:
        scale = f"{dimension.min:g} to {dimension.max:g}, {dimension.better} is better"
        lines += ["", f"{dimension.label} ({scale})"]
        lines.append(f"  {'When':<{width}}  {'You':>5}" + (f"  {'Study':>5}" if study else ""))
        for time in times:
            mine = _number(learner.value_at(dimension.id, time)) if time <= last else "-"
            row = f"  {_when(scenario, time):<{width}}  {mine:>5}"
            if study is not None:
                row += f"  {_number(study.value_at(dimension.id, time)):>5}"
            lines.append(row)
    return lines


def path_record(played: Played) -> str:
    """The record of one saved journey (see the module docstring)."""
    scenario = played.scenario
    path = played.journey.path()
    study = trajectory(scenario, study_path_steps(scenario)) if scenario.case.study_path else None
    lines = [f"Your path through {scenario.title}", ""]
    if not path:
        lines.append("No choices yet: play the case in the player above.")
    else:
        lines += _decisions(scenario, path)
    lines.append("")
    lines.append(_ending_line(scenario, played.trajectory, "Your ending:"))
    if study is not None:
        lines.append(_ending_line(scenario, study, "The study's ending:"))
    if path:
        lines += ["", "The debrief chart, line by line ('-': your path had not reached it):"]
        lines += chart_table(scenario, played.trajectory, study)
    lines += ["", TEACHING_MODEL_NOTE]
    return "\n".join(lines)


def show_path_record(case: str, journey_file: str | Path) -> None:
    """Print the record of the journey saved in ``journey_file`` (the assignment's locked cell
    after the player). Never fails: a missing or damaged file is said in words."""
    path = Path(journey_file)
    if not path.exists():
        print(f"No journey saved yet ({path.name}): play the case in the player above.")
        return
    try:
        played = replay(scenario_of(case), path)
    except JourneyError as error:
        print(f"The saved journey cannot be read: {error}")
        return
    print(path_record(played))


__all__ = ["Journey", "chart_table", "path_record", "show_path_record"]
