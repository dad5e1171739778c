"""What the learner reads, as HTML: pure functions, every piece of text escaped.

Case text is authored and reflections are typed by learners; neither is ever inserted
as markup. Headings, lists and landmarks give screen-reader users the same structure
sighted learners see; nothing relies on colour alone.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from html import escape

from casework.journey import Journey
from casework.references import REFERENCES
from casework.scenario import Choice, Ending, Scenario, Scene
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory

#: Short forms of the course's sources, for "Source: ..." lines.
SHORT_CITATIONS = {
    "ferguson": "Ferguson et al. (2022)",
    "ruch": "Ruch (n.d.)",
    "mason": "Mason (2012)",
    "basw": "BASW England (2022)",
    "pitt": "Pitt (2020)",
}


def short_citation(scenario: Scenario, key: str) -> str:
    """'Ferguson et al. (2022)' for a source key; derived from the citation if not known."""
    citation = scenario.sources[key].citation if key in scenario.sources else key
    if key in SHORT_CITATIONS and citation.split(",")[0] in REFERENCES.get(key, ""):
        return SHORT_CITATIONS[key]
    match = re.match(r"\s*([^,(]+?)[,\s].*?\((\d{4}|n\.d\.|undated)\)", citation)
    if match:
        author = match.group(1).strip()
        several = citation.count(",") > 2 or " et al" in citation
        return f"{author}{' et al.' if several else ''} ({match.group(2)})"
    return key


def paragraphs(text: str) -> str:
    """Plain text as escaped paragraphs (blank lines separate them)."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{escape(' '.join(p.split()))}</p>" for p in parts)


def when(scenario: Scenario, time: float) -> str:
    unit = "Month" if scenario.case.time_unit.value == "months" else "Week"
    return f"{unit} {time:g}"


def _phase(scenario: Scenario, phase: str | None) -> str:
    if phase and phase in scenario.phases:
        return scenario.phases[phase].label
    return ""


def case_intro_html(scenario: Scenario) -> str:
    case = scenario.case
    first, last = scenario.time_span()
    return (
        '<section class="hm-intro" aria-labelledby="hm-case-title">'
        f'<h2 id="hm-case-title">{escape(case.title)}</h2>'
        f"{paragraphs(case.summary)}"
        f"<p>This case runs from {escape(when(scenario, first).lower())} to "
        f"{escape(when(scenario, last).lower())}, with {scenario.decision_points()} decisions "
        f"and {len(scenario.endings)} possible endings.</p>"
        '<div class="hm-note" role="note"><h3>Content note</h3>'
        f"{paragraphs(case.content_note)}"
        "<p>Take a break whenever you need one. Your path is kept, so you can come back "
        "to it.</p></div>"
        f'<p class="hm-small">{escape(case.anonymisation)}</p>'
        "</section>"
    )


def scene_note_html(scene: Scene) -> str:
    return (
        '<div class="hm-note" role="note"><h3>Content note for the next scene</h3>'
        f"{paragraphs(scene.content_note or '')}</div>"
    )


def scene_html(scenario: Scenario, scene: Scene) -> str:
    phase = _phase(scenario, scene.phase)
    facts = [f"<dt>When</dt><dd>{escape(when(scenario, scene.time))}</dd>"]
    if phase:
        facts.append(f"<dt>Stage</dt><dd>{escape(phase)}</dd>")
    facts.append(f"<dt>Where</dt><dd>{escape(scene.setting)}</dd>")
    if scene.present:
        facts.append(f"<dt>Who is there</dt><dd>{escape(', '.join(scene.present))}</dd>")
    return (
        '<section class="hm-scene" aria-labelledby="hm-scene-title">'
        f'<h3 id="hm-scene-title">{escape(scene.title)}</h3>'
        f'<dl class="hm-facts">{"".join(facts)}</dl>'
        f"{paragraphs(scene.narrative)}"
        '<p class="hm-prompt"><strong>What do you do?</strong></p>'
        "</section>"
    )


def evidence_html(scenario: Scenario, choice: Choice) -> str:
    items = "".join(
        f"<li>{escape(short_citation(scenario, e.source))}: {escape(e.locator)}</li>"
        for e in choice.evidence
    )
    return f'<ul class="hm-sources">{items}</ul>'


def consequence_html(scenario: Scenario, choice: Choice, moved: Iterable[str] = ()) -> str:
    concepts = ", ".join(choice.concepts)
    movement = "".join(f"<li>{escape(m)}</li>" for m in moved)
    return (
        '<section class="hm-consequence" aria-labelledby="hm-consequence-title">'
        f'<h3 id="hm-consequence-title">You chose: {escape(choice.label)}</h3>'
        f"{paragraphs(choice.consequence)}"
        f"<p><strong>Practice idea:</strong> {escape(concepts)}</p>"
        + (f"<p><strong>In the model:</strong></p><ul>{movement}</ul>" if movement else "")
        + f"<p><strong>Research behind this:</strong></p>{evidence_html(scenario, choice)}"
        "</section>"
    )


def movement_lines(
    scenario: Scenario, before: dict[str, float], after: dict[str, float]
) -> list[str]:
    """Plain sentences for how each dimension moved: the chart's meaning, in words too."""
    lines = []
    for dimension in scenario.case.dimensions:
        change = after[dimension.id] - before[dimension.id]
        if abs(change) < 0.5:
            continue
        direction = "rose" if change > 0 else "fell"
        good = (change > 0) == (dimension.better == "higher")
        lines.append(
            f"{dimension.label} {direction} by {abs(change):.0f} "
            f"(to {after[dimension.id]:.0f}; {'better' if good else 'worse'} for the relationship)"
        )
    return lines


def timeline_html(scenario: Scenario, journey: Journey, trajectory: Trajectory) -> str:
    """Where the learner is: a progress bar over the case's time and the steps taken so far."""
    first, last = scenario.time_span()
    node = scenario.node(trajectory.position)
    now = node.time
    span = max(last - first, 1e-9)
    percent = round((now - first) / span * 100)
    steps = []
    for point in trajectory.steps:
        scene = scenario.scenes[point.scene]
        steps.append(f"<li>{escape(when(scenario, point.time))}: {escape(scene.title)}</li>")
    here = "the ending" if isinstance(node, Ending) else escape(node.title)
    steps.append(f'<li aria-current="step"><strong>Now: {here}</strong></li>')
    return (
        '<nav class="hm-timeline" aria-label="Your progress through the case">'
        f'<label for="hm-progress">{escape(when(scenario, now))} of '
        f"{escape(when(scenario, last).split()[-1])}</label> "
        f'<progress id="hm-progress" max="100" value="{percent}">{percent}%</progress>'
        f"<details><summary>Steps so far ({len(journey.steps)})</summary>"
        f'<ol class="hm-steps">{"".join(steps)}</ol></details>'
        "</nav>"
    )


def chart_caption_html(scenario: Scenario) -> str:
    lines = "".join(
        f"<li><strong>{escape(d.label)}</strong>: {escape(d.meaning)} "
        f"({'higher' if d.better == 'higher' else 'lower'} is better)</li>"
        for d in scenario.case.dimensions
    )
    return (
        f'<div class="hm-caption"><p>{escape(TEACHING_MODEL_NOTE)}</p>'
        f"<details><summary>What the lines mean</summary><ul>{lines}</ul></details></div>"
    )


def ending_html(scenario: Scenario, ending: Ending, journey: Journey) -> str:
    concepts: list[str] = []
    for step in journey.steps:
        for concept in scenario.choice(step.scene, step.choice).concepts:
            if concept not in concepts:
                concepts.append(concept)
    study = scenario.case.study_path
    compared = ""
    if study:
        yours = [s.choice for s in journey.steps]
        same = sum(1 for a, b in zip(yours, study, strict=False) if a == b)
        compared = (
            f"<p>You made the same choice as the worker in the study at {same} of "
            f"{len(study)} decisions. The chart below sets your path beside theirs.</p>"
        )
    return (
        '<section class="hm-ending" aria-labelledby="hm-ending-title">'
        f'<h3 id="hm-ending-title">Ending: {escape(ending.title)}</h3>'
        f'<p class="hm-small">{escape(ending.kind)}</p>'
        f"{paragraphs(ending.narrative)}"
        "<h4>Debrief</h4>"
        f"{paragraphs(ending.debrief)}"
        f"{compared}"
        "<h4>Practice ideas you met on the way</h4>"
        f"<ul>{''.join(f'<li>{escape(c)}</li>' for c in concepts)}</ul>"
        "</section>"
    )


def reflections_markdown(scenario: Scenario, journey: Journey) -> str:
    """The learner's reflections as a markdown file they can keep (their text, unchanged)."""
    prompts = {s.reflection.id: s.reflection.prompt for s in scenario.case.scenes if s.reflection}
    prompts |= {e.reflection.id: e.reflection.prompt for e in scenario.case.endings if e.reflection}
    lines = [f"# My reflections: {scenario.title}", ""]
    for reflection_id, text in journey.reflections.items():
        prompt = " ".join(prompts.get(reflection_id, reflection_id).split())
        # Entities for < > &: a markdown viewer shows exactly what was typed, and any
        # markup in it is shown as text, never run.
        lines += [f"## {escape(prompt, quote=False)}", "", escape(text, quote=False), ""]
    if len(lines) == 2:
        lines.append("(No reflections written yet.)")
    return "\n".join(lines) + "\n"


def downloads_html(scenario: Scenario, journey: Journey) -> str:
    """Links that save the learner's journey (JSON) and reflections (markdown) on their device.

    The files are inside the links themselves (data: addresses), so nothing is fetched from
    anywhere and nothing leaves the page.
    """
    data = base64.b64encode(journey.to_json().encode()).decode()
    notes = base64.b64encode(reflections_markdown(scenario, journey).encode()).decode()
    case = escape(scenario.id)
    return (
        '<div class="hm-download"><h4>Keep a copy</h4>'
        f'<a download="{case}-journey.json" '
        f'href="data:application/json;base64,{data}">Download your journey (JSON)</a>'
        f'<a download="{case}-reflections.md" '
        f'href="data:text/markdown;base64,{notes}">Download your reflections '
        "(markdown)</a></div>"
    )


def resume_html(code: str, personal_link: str | None) -> str:
    """On hosted pages: the learner's resume code, and their personal link when it is known."""
    link = (
        f'<p>Or keep this personal link: <a href="{escape(personal_link)}">'
        f"{escape(personal_link)}</a></p>"
        if personal_link
        else ""
    )
    return (
        '<section class="hm-resume" aria-labelledby="hm-resume-title">'
        '<h4 id="hm-resume-title">Coming back later</h4>'
        "<p>Your work is saved as you go. To come back to it, note your resume code: "
        f"<strong><code>{escape(code)}</code></strong>. It is private "
        "to you: anyone with it can open your journey and reflections.</p>"
        f"{link}</section>"
    )
