"""The tutor's projected view of a room, as HTML: pure functions, every piece of text escaped.

It shows only the case's own text (scene titles, option labels, endings, the study's account)
and numbers; a room holds nothing a learner wrote. The page is meant to be projected, so the
type is large and every bar also says its number in words.
"""

from __future__ import annotations

from html import escape

from casework import views
from casework.rooms.codes import display_code
from casework.rooms.store import RoomInfo
from casework.rooms.tally import MIN_COUNT, DecisionCount, RoomState, decisions, withheld
from casework.scenario import Scenario
from casework.trust_model import study_path_steps

STYLE = """<style>
.hm-room-view { font-size: 1.15em; line-height: 1.45; color: #1f2933; max-width: 1200px; }
.hm-room-view h2 { font-size: 1.6em; margin: 0.2em 0; }
.hm-room-view h3 { font-size: 1.25em; margin: 1em 0 0.3em; }
.hm-room-code { font-size: 2.6em; font-weight: 700; letter-spacing: 0.15em;
  font-family: ui-monospace, monospace; }
.hm-room-bars { list-style: none; padding: 0; margin: 0.3em 0 1em; }
.hm-room-bars li { display: grid; grid-template-columns: minmax(10em, 2fr) 3fr auto;
  gap: 0.6em; align-items: center; margin: 0.35em 0; }
.hm-room-bar { display: block; height: 1.2em; background: #0b5394; min-width: 2px; }
.hm-room-study .hm-room-bar { background: #006d4e; }
.hm-room-study .hm-room-label { font-weight: 700; }
.hm-room-note { border-left: 6px solid #6b7280; background: #f3f4f6; padding: 4px 12px; }
.hm-room-reveal { border-left: 6px solid #006d4e; background: #eef8f3; padding: 4px 12px; }
.hm-room-held { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 4px 12px; }
.hm-room-count { font-variant-numeric: tabular-nums; white-space: nowrap; }
@media (max-width: 640px) { .hm-room-bars li { grid-template-columns: 1fr; } }
</style>"""


def decision_title(scenario: Scenario, scene_id: str) -> str:
    """'Month 2: Team meeting' (plain text)."""
    scene = scenario.scenes[scene_id]
    return f"{views.when(scenario, scene.time)}: {scene.title}"


def node_title(scenario: Scenario, node: str) -> str:
    if scenario.is_ending(node):
        return f"Ending: {scenario.endings[node].title}"
    return decision_title(scenario, node)


def decision_options(scenario: Scenario) -> list[tuple[str, str]]:
    """(label, scene id) for every decision, in the case's order (for the tutor's menus)."""
    return [(decision_title(scenario, s.id), s.id) for s in decisions(scenario)]


def _shown(count: int) -> str:
    value = withheld(count)
    return f"fewer than {MIN_COUNT}" if value is None else str(value)


def header_html(
    scenario: Scenario, info: RoomInfo, learner_link: str | None, address: str | None
) -> str:
    """The room's code, large, and how learners join; where the tutor's own address is."""
    code = escape(display_code(info.code))
    link = (
        f'<p>Or open this link: <a href="{escape(learner_link)}">{escape(learner_link)}</a></p>'
        if learner_link
        else ""
    )
    keep = (
        f'<p class="hm-small">This view&#8217;s address is the key to the room: keep it to '
        f'yourself. <a href="{escape(address)}">Keep this address</a> (a bookmark) to come back '
        "to the view, also after a reload.</p>"
        if address
        else ""
    )
    closes = info.closes_at.astimezone().strftime("%H:%M on %d %B")
    return (
        f'<section class="hm-room-view" aria-labelledby="hm-room-title">{STYLE}'
        f'<h2 id="hm-room-title">Seminar room: {escape(scenario.title)}</h2>'
        f"<p>To join, open the case <strong>{escape(scenario.title)}</strong> and type the room "
        f'code:</p><p class="hm-room-code" data-hm-room-code="{escape(info.code)}">{code}</p>'
        f"{link}<p>Nobody signs in, and nothing anyone writes reaches this room: it counts "
        f"choices only, and shows a count once at least {MIN_COUNT} learners are behind it. "
        f"The room closes by itself at {escape(closes)}.</p>{keep}</section>"
    )


def _bars(scenario: Scenario, decision: DecisionCount, revealed: bool) -> str:
    if not decision.shown:
        return (
            f'<p class="hm-room-note">The counts appear once at least {MIN_COUNT} learners '
            f"have answered here ({decision.answered} so far), so that nobody&#8217;s choice "
            "can be picked out.</p>"
        )
    items = []
    for option in decision.options:
        share = 100 * option.count / decision.answered if decision.answered else 0
        study = revealed and option.in_study
        mark = " (the worker in the study)" if study else ""
        items.append(
            f'<li class="{"hm-room-study" if study else ""}" data-hm-option="'
            f'{escape(option.choice_id)}" data-hm-count="{option.count}">'
            f'<span class="hm-room-label">{escape(option.label)}{escape(mark)}</span>'
            f'<span class="hm-room-bar" style="width: {share:.1f}%" aria-hidden="true"></span>'
            f'<span class="hm-room-count">{option.count} of {decision.answered} '
            f"({share:.0f}%)</span></li>"
        )
    return f'<ul class="hm-room-bars">{"".join(items)}</ul>'


def reveal_html(scenario: Scenario, scene_id: str) -> str:
    """What the worker in the study did at a decision, and why (the case's own account)."""
    study = dict(study_path_steps(scenario)) if scenario.case.study_path else {}
    if scene_id not in study:
        return (
            '<div class="hm-room-reveal"><p>The worker in the study never reached this '
            "decision: it belongs to a path the course added for teaching.</p></div>"
        )
    scene = scenario.scenes[scene_id]
    choice = scenario.choice(scene_id, study[scene_id])
    return (
        '<div class="hm-room-reveal" data-hm-revealed="1">'
        f"<h4>In the study, the worker chose: {escape(choice.label)}</h4>"
        f"{views.basis_html(scenario, choice.basis)}{views.paragraphs(choice.consequence)}"
        f"<p><strong>Practice idea:</strong> {escape(', '.join(choice.concepts))}</p>"
        f"<p><strong>Research behind this:</strong></p>{views.evidence_html(scenario, choice)}"
        f"{views.law_notes_html(scenario, scene.law_notes)}</div>"
    )


def state_html(
    scenario: Scenario, state: RoomState, held_at: str | None, revealed: frozenset[str]
) -> str:
    """Who has joined and where they are, each decision's counts, and the endings reached."""
    held = (
        f'<p class="hm-room-held" role="status">The room is paused at '
        f"<strong>{escape(decision_title(scenario, held_at))}</strong>: learners who reach it "
        "wait there until you let the room go on.</p>"
        if held_at and held_at in scenario.scenes
        else ""
    )
    places = "".join(
        f"<li>{escape(node_title(scenario, node))}: {_shown(count)}</li>"
        for node, count in state.positions.items()
    )
    where = f"<ul>{places}</ul>" if places else "<p>Nobody has joined yet.</p>"
    parts = []
    for decision in state.decisions:
        title = escape(decision_title(scenario, decision.scene_id))
        shown_reveal = decision.scene_id in revealed
        parts.append(
            f'<section class="hm-room-decision" data-hm-decision="{escape(decision.scene_id)}" '
            f'data-hm-answered="{decision.answered}" aria-label="{title}"><h4>{title}</h4>'
            f"<p>{decision.answered} answered here.</p>"
            f"{_bars(scenario, decision, shown_reveal)}"
            f"{reveal_html(scenario, decision.scene_id) if shown_reveal else ''}</section>"
        )
    for scene_id in sorted(revealed - {d.scene_id for d in state.decisions}):
        if scene_id in scenario.scenes:
            parts.append(
                f"<section><h4>{escape(decision_title(scenario, scene_id))}</h4>"
                f"{reveal_html(scenario, scene_id)}</section>"
            )
    endings = "".join(
        f'<li data-hm-ending="{escape(ending.id)}">{escape(ending.title)}: '
        f"{_shown(state.endings.get(ending.id, 0))}</li>"
        for ending in scenario.case.endings
    )
    return (
        f'<div class="hm-room-view" data-hm-joined="{state.joined}">{held}'
        f'<h3>Who is here</h3><p><strong data-hm-joined-count="{state.joined}">{state.joined}'
        f"</strong> learner(s) have joined. Where they are now:</p>{where}"
        "<h3>Decision by decision</h3>"
        + ("".join(parts) or "<p>No decision has been reached yet.</p>")
        + f"<h3>Endings reached</h3><ul>{endings}</ul></div>"
    )


def closed_html(scenario: Scenario, code: str) -> str:
    return (
        f'<div class="hm-room-view" role="status" data-hm-room-closed="1"><h3>Room '
        f"{escape(display_code(code))} is closed</h3><p>Its counts have been deleted. Every "
        f"learner&#8217;s journey through {escape(scenario.title)} is theirs and carries on "
        "as before.</p></div>"
    )
