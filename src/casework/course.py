"""What the course notebooks call: one short call per cell, the logic kept here.

Everything shown is escaped: case text is authored, but nothing authored or typed is
ever inserted into a page as markup.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from casework.catalog import list_cases
from casework.trust_model import TEACHING_MODEL_NOTE


def case_list_html(folder: Path | None = None) -> str:
    """An accessible list of the course's cases: title, time span, summary, content note."""
    items = []
    for listing in list_cases(folder):
        scenario = listing.scenario
        if scenario is None:
            items.append(
                f"<li><p>The case file <code>{escape(listing.path.name)}</code> has problems "
                "and is not shown. An educator can check it with "
                f"<code>casework validate {escape(str(listing.path))}</code>.</p></li>"
            )
            continue
        case = scenario.case
        first, last = scenario.time_span()
        unit = case.time_unit.value
        items.append(
            "<li>"
            f"<h3>{escape(case.title)}</h3>"
            f"<p>{escape(case.summary)}</p>"
            f"<p><strong>Covers:</strong> {unit} {first:g} to {last:g}; "
            f"{scenario.decision_points()} decisions; {len(scenario.endings)} possible endings.</p>"
            f"<p><strong>Content note:</strong> {escape(case.content_note)}</p>"
            "</li>"
        )
    return (
        '<section aria-labelledby="cases-heading">'
        '<h2 id="cases-heading">The cases</h2>'
        f"<p>{escape(TEACHING_MODEL_NOTE)}</p>"
        f"<ul>{''.join(items)}</ul>"
        "</section>"
    )


def show_cases(folder: Path | None = None) -> None:
    """Display the case list in a notebook or Voila page."""
    from IPython.display import HTML, display

    display(HTML(case_list_html(folder)))


def play_case(
    case: str,
    journey_file: str | Path | None = None,
    *,
    write_reflections: bool = True,
) -> None:
    """Play a case here: the one call a course notebook or an assignment makes.

    ``journey_file`` is where the learner's path is kept (default: ``<case>.journey.json``
    beside the notebook; in hosted Voila pages, kept with the page). In an nbgrader
    assignment pass ``write_reflections=False``: prompts then point to the graded cells.
    """
    from IPython.display import display

    from casework.catalog import load_case
    from casework.player import FileKeeper, Player, default_keeper

    scenario = load_case(case)
    keeper = FileKeeper(journey_file) if journey_file else default_keeper(scenario.id)
    player = Player(scenario, keeper, write_reflections=write_reflections)
    display(player.widget)
