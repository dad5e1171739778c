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
from casework.paths import study_matches, study_path_steps
from casework.references import ALL_SOURCES
from casework.scenario import Basis, BasisKind, Choice, Ending, LawNote, Quote, Scenario, Scene
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory

#: Short forms of the course's sources, for "Source: ..." lines.
SHORT_CITATIONS = {
    "ferguson": "Ferguson et al. (2022)",
    "ruch": "Ruch (n.d.)",
    "mason": "Mason (2012)",
    "basw": "BASW England (2022)",
    "pitt": "Pitt (2020)",
    "children_act_1989": "Children Act 1989",
    "working_together_2023": "Working Together to Safeguard Children 2023",
    "public_law_outline": "the Public Law Outline (Practice Direction 12A)",
    "uk_gdpr": "UK GDPR and Data Protection Act 2018",
    "hse_lone_working": "HSE (2020) Protecting lone workers",
    "nhs_fever": "NHS: high temperature (fever) in children",
}


def short_citation(scenario: Scenario, key: str) -> str:
    """'Ferguson et al. (2022)' for a source key; derived from the citation if not known."""
    citation = scenario.sources[key].citation if key in scenario.sources else key
    if key in SHORT_CITATIONS and citation.split(",")[0] in ALL_SOURCES.get(key, ""):
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


#: Weeks into a month, in words, for a scene part-way through one ("Month 6, three weeks in").
_WEEKS_IN = {1: "a week in", 2: "two weeks in", 3: "three weeks in", 4: "four weeks in"}


def when(scenario: Scenario, time: float) -> str:
    """When a scene happens, as a learner reads it: "Month 6", "Month 6, three weeks in",
    "Week 3" (a case's time can fall part-way through a month; 6.7 would mean nothing)."""
    if scenario.case.time_unit.value != "months":
        return f"Week {time:g}"
    whole = int(time)
    weeks = round((time - whole) * 4.348)
    if weeks == 0:
        return f"Month {whole}"
    if weeks > 4:
        return f"Month {whole + 1}"
    return f"Month {whole}, {_WEEKS_IN[weeks]}"


#: The mark of a consequence its author left unmarked (the study path's are always marked).
COURSE_BASIS = Basis(kind=BasisKind.course)


def basis_html(scenario: Scenario, basis: Basis | None) -> str:
    """The mark that tells a learner whether this part reports the study or is the course's own.

    Nothing is shown for an unmarked part (only older case files have them; the validator
    warns about each one).
    """
    if basis is None:
        return ""
    if basis.kind == BasisKind.study and basis.source:
        where = f", {basis.locator}" if basis.locator else ""
        text = f"From the study: {short_citation(scenario, basis.source)}{where}."
        css = "hm-basis hm-basis-study"
    else:
        text = "The course's own scenario: invented for teaching, not reported in the study."
        css = "hm-basis hm-basis-course"
    note = f" {basis.note}" if basis.note else ""
    return f'<p class="{css}"><strong>{escape(text)}</strong>{escape(note)}</p>'


def quotes_html(scenario: Scenario, quotes: Iterable[Quote]) -> str:
    """Where each quotation in the text above comes from."""
    items = [
        f"<li>&#8220;{escape(q.text)}&#8221;: {escape(short_citation(scenario, q.source))}, "
        f"{escape(q.locator)}</li>"
        for q in quotes
    ]
    if not items:
        return ""
    return f'<div class="hm-quotes"><p>Quoted here:</p><ul>{"".join(items)}</ul></div>'


def law_notes_html(scenario: Scenario, notes: Iterable[LawNote]) -> str:
    """Law and procedure at a decision: what applies, in plain words, with its source."""
    parts = []
    for note in notes:
        cited = "; ".join(
            f"{short_citation(scenario, e.source)}, {e.locator}" for e in note.evidence
        )
        parts.append(
            f"<h5>{escape(note.topic)}</h5>{paragraphs(note.text)}"
            f'<p class="hm-small">Source: {escape(cited)}</p>'
        )
    if not parts:
        return ""
    return (
        '<section class="hm-law" aria-label="Law and procedure">'
        "<h4>Law and procedure here</h4>" + "".join(parts) + "</section>"
    )


def debrief_html(scenario: Scenario, ending: Ending) -> str:
    """The debrief, each part with its mark (the study's, or the course's own)."""
    parts = []
    for part in ending.debrief_parts():
        if isinstance(part, str):
            parts.append(paragraphs(part))
        else:
            parts.append(
                f'<div class="hm-debrief-part">{basis_html(scenario, part.basis)}'
                f"{paragraphs(part.text)}</div>"
            )
    return "".join(parts)


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
        f"{basis_html(scenario, scene.basis)}"
        f"{paragraphs(scene.narrative)}"
        f"{quotes_html(scenario, scene.quotes)}"
        '<p class="hm-prompt"><strong>What do you do?</strong></p>'
        "</section>"
    )


def evidence_html(scenario: Scenario, choice: Choice) -> str:
    items = "".join(
        f"<li>{escape(short_citation(scenario, e.source))}: {escape(e.locator)}</li>"
        for e in choice.evidence
    )
    return f'<ul class="hm-sources">{items}</ul>'


def first_answer_html(text: str | None) -> str:
    """What the learner wrote before the options appeared, beside what they then chose."""
    if not text or not text.strip():
        return ""
    return (
        '<div class="hm-first-answer"><p><strong>Before the options, you wrote:</strong></p>'
        f"<blockquote>{paragraphs(text)}</blockquote></div>"
    )


def consequence_html(
    scenario: Scenario,
    choice: Choice,
    moved: Iterable[str] = (),
    *,
    scene: Scene | None = None,
    first_answer: str | None = None,
) -> str:
    """What followed the choice: the learner's first answer, the consequence with its mark,
    the practice idea, how the model moved, the research, and law or procedure that bears."""
    concepts = ", ".join(choice.concepts)
    movement = "".join(f"<li>{escape(m)}</li>" for m in moved)
    return (
        '<section class="hm-consequence" aria-labelledby="hm-consequence-title">'
        f'<h3 id="hm-consequence-title">You chose: {escape(choice.label)}</h3>'
        f"{first_answer_html(first_answer)}"
        # An unmarked consequence is the course's own: only the study's need citing.
        f"{basis_html(scenario, choice.basis or COURSE_BASIS)}"
        f"{paragraphs(choice.consequence)}"
        f"{quotes_html(scenario, choice.quotes)}"
        f"<p><strong>Practice idea:</strong> {escape(concepts)}</p>"
        + (f"<p><strong>In the model:</strong></p><ul>{movement}</ul>" if movement else "")
        + f"<p><strong>Research behind this:</strong></p>{evidence_html(scenario, choice)}"
        + (law_notes_html(scenario, scene.law_notes) if scene is not None else "")
        + "</section>"
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
        f"{last:g}</label> "
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
    compared = ""
    if scenario.case.study_path:
        same, met = study_matches(scenario, journey.path())
        compared = (
            f"<p>You made the same choice as the worker in the study at {same} of "
            f"{met} decisions. The chart below sets your path beside theirs.</p>"
        )
    return (
        '<section class="hm-ending" aria-labelledby="hm-ending-title">'
        f'<h3 id="hm-ending-title">Ending: {escape(ending.title)}</h3>'
        f'<p class="hm-small">{escape(ending.kind)}</p>'
        f"{basis_html(scenario, ending.basis)}"
        f"{paragraphs(ending.narrative)}"
        "<h4>Debrief</h4>"
        f"{debrief_html(scenario, ending)}"
        f"{quotes_html(scenario, ending.quotes)}"
        f"{compared}"
        f"{first_answers_table_html(scenario, journey)}"
        "<h4>Practice ideas you met on the way</h4>"
        f"<ul>{''.join(f'<li>{escape(c)}</li>' for c in concepts)}</ul>"
        "</section>"
    )


def first_answers_table_html(scenario: Scenario, journey: Journey) -> str:
    """The debrief's table: at each decision where the learner wrote first, their words, what
    they chose, and what the worker in the study chose there (private to the learner)."""
    study = dict(study_path_steps(scenario)) if scenario.case.study_path else {}
    rows = []
    for step in journey.steps:
        scene = scenario.scenes[step.scene]
        if scene.first_answer is None:
            continue
        written = journey.reflections.get(scene.first_answer.id, "").strip()
        chosen = scenario.choice(scene.id, step.choice).label
        theirs = (
            scenario.choice(scene.id, study[scene.id]).label
            if scene.id in study
            else "(the study did not reach this decision)"
        )
        rows.append(
            f'<tr><th scope="row">{escape(when(scenario, scene.time))}: {escape(scene.title)}'
            f"</th><td>{escape(written) if written else '<em>(you did not write one)</em>'}</td>"
            f"<td>{escape(chosen)}</td><td>{escape(theirs)}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<h4>Your first thoughts beside your choices</h4>"
        '<table class="hm-first-answers"><caption>Only you can see what you wrote.</caption>'
        '<thead><tr><th scope="col">Decision</th><th scope="col">You wrote first</th>'
        '<th scope="col">You chose</th><th scope="col">The worker in the study</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def reflections_markdown(scenario: Scenario, journey: Journey) -> str:
    """The learner's reflections as a markdown file they can keep (their text, unchanged)."""
    prompts = {s.reflection.id: s.reflection.prompt for s in scenario.case.scenes if s.reflection}
    prompts |= {
        s.first_answer.id: f"Before the options ({when(scenario, s.time)}): {s.first_answer.prompt}"
        for s in scenario.case.scenes
        if s.first_answer
    }
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
