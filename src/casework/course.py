"""What the course notebooks call: one short call per cell, the logic kept here.

Everything shown is escaped: case text is authored, but nothing authored or typed is
ever inserted into a page as markup.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from casework.catalog import list_cases, load_case
from casework.locations import concept_checks_file, course_dir
from casework.paths import contrasting_path, play
from casework.trust_model import TEACHING_MODEL_NOTE

#: What each kind of account is called in the case list.
ACCOUNT_KINDS = {
    "study_case": "A family followed in published research",
    "illustrative_vignette": "An illustrative example from a practice briefing",
    "composite": "A composite, put together by the course",
}


def case_list_html(folder: Path | None = None) -> str:
    """An accessible list of the course's cases: title, time span, summary, content note."""
    items = []
    for listing in list_cases(folder):
        scenario = listing.scenario
        if scenario is not None and not scenario.case.listed:
            continue
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
        page = Path("cases") / f"{case.id}.ipynb"
        title = escape(case.title)
        if (course_dir() / page).exists():
            title = f'<a href="{escape(page.as_posix())}">{title}</a>'
        items.append(
            "<li>"
            f"<h3>{title}</h3>"
            f"<p>{escape(case.summary)}</p>"
            + (
                f"<p><strong>{escape(ACCOUNT_KINDS[case.account.kind.value])}:</strong> "
                f"{escape(case.account.description)}</p>"
                if case.account
                else ""
            )
            + f"<p><strong>Covers:</strong> {unit} {first:g} to {last:g}; "
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

    from casework.logs import log_to_server
    from casework.player import FileKeeper, player_widget

    log_to_server()

    scenario = load_case(case)
    keeper = FileKeeper(journey_file) if journey_file else None
    display(player_widget(scenario, keeper, write_reflections=write_reflections))


# --- short interactive checks (no code for the learner) -----------------------------------


def load_checks(path: Path | None = None) -> dict[str, dict[str, object]]:
    """The course's concept checks, by id, from ``course/concept_checks.yaml``."""
    import yaml

    data = yaml.safe_load((path or concept_checks_file()).read_text(encoding="utf-8"))
    checks = {}
    for check in data["checks"]:
        options = check["options"]
        if sum(1 for o in options if o.get("correct")) != 1:
            raise ValueError(f"concept check '{check['id']}' must have exactly one correct option")
        checks[check["id"]] = check
    return checks


#: Long answers wrap instead of running into each other on a phone-width screen.
CHECK_STYLE = """<style>
.widget-radio-box label { height: auto; white-space: normal; line-height: 1.4;
  align-items: flex-start; margin: 4px 0; }
.widget-radio-box input { flex: none; margin-top: 0.3em; }
.widget-radio { width: 100%; height: auto; }
</style>"""


def concept_check(check_id: str, path: Path | None = None) -> None:
    """A question with choices and feedback on every option: learning, not a test."""
    import ipywidgets as widgets
    from IPython.display import display

    check = load_checks(path)[check_id]
    options = check["options"]
    assert isinstance(options, list)
    question = widgets.HTML(
        CHECK_STYLE + f'<div class="hm-check"><h4>Check your understanding</h4>'
        f"<p>{escape(str(check['question']))}</p></div>"
    )
    choices = widgets.RadioButtons(
        options=[(str(o["text"]), i) for i, o in enumerate(options)],
        value=None,
        description="Your answer",
        layout=widgets.Layout(width="100%"),
        style={"description_width": "initial"},
    )
    feedback = widgets.HTML()
    button = widgets.Button(description="Check my answer", layout=widgets.Layout(width="auto"))

    def answer(_button: widgets.Button) -> None:
        if choices.value is None:
            feedback.value = '<p role="status">Choose one of the answers first.</p>'
            return
        chosen = options[choices.value]
        verdict = "Yes." if chosen.get("correct") else "Not quite."
        source = f" <em>({escape(str(check['source']))})</em>" if check.get("source") else ""
        feedback.value = (
            f'<div role="status"><p><strong>{verdict}</strong> '
            f"{escape(str(chosen.get('feedback', '')))}</p>"
            f"<p>{escape(str(check.get('explanation', '')))}{source}</p></div>"
        )

    button.on_click(answer)
    display(widgets.VBox([question, choices, button, feedback]))


# --- the model sandbox ----------------------------------------------------------------------

#: Weights a learner may change, with plain names and ranges.
SANDBOX_WEIGHTS = {
    "build_rate": ("How much an act of care builds trust", 0.1, 1.5, 0.05),
    "loss_rate": ("How much a breach costs", 0.5, 3.0, 0.1),
    "reliability_step": ("Extra gain from each reliable act in a row", 0.0, 0.6, 0.05),
    "drift_months": ("Months for trust to fade without contact", 0.5, 12.0, 0.5),
    "capacity_floor": ("What a worker with no thinking space still achieves", 0.0, 1.0, 0.05),
}


def model_sandbox(case: str = "clarke", other_path: list[str] | None = None) -> None:
    """Change the model's weights and watch two paths through a case change: is it fair?"""
    import ipywidgets as widgets
    import plotly.graph_objects as go
    from IPython.display import display

    from casework.plots import DIMENSION_STYLES, style_chart
    from casework.trust_model import DEFAULT_WEIGHTS, with_weights

    scenario = load_case(case)
    study = list(scenario.case.study_path or [])
    other = other_path or contrasting_path(scenario)
    dimension = next(d for d in scenario.case.dimensions if d.kind.value == "relational")
    sliders = {
        name: widgets.FloatSlider(
            value=getattr(DEFAULT_WEIGHTS, name),
            min=low,
            max=high,
            step=step,
            description=label,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%"),
            continuous_update=False,
        )
        for name, (label, low, high, step) in SANDBOX_WEIGHTS.items()
    }
    out = widgets.Output()
    reset = widgets.Button(description="Put the weights back", layout=widgets.Layout(width="auto"))

    def draw(*_args: object) -> None:
        weights = with_weights(**{n: s.value for n, s in sliders.items()})
        figure = go.Figure()
        for (name, path), (colour, dash, symbol) in zip(
            [("The path in the study", study), ("A contrasting path", other)],
            DIMENSION_STYLES,
            strict=False,
        ):
            for label, w, line_dash in (
                ("your weights", weights, dash),
                ("the course's weights", DEFAULT_WEIGHTS, "dot"),
            ):
                points = play(scenario, path, w).trajectory.points
                figure.add_trace(
                    go.Scatter(
                        x=[p.time for p in points],
                        y=[p.values[dimension.id] for p in points],
                        mode="lines+markers",
                        name=f"{name}, {label}",
                        line={"color": colour, "dash": line_dash, "width": 2.5},
                        marker={"symbol": symbol, "size": 7, "color": colour},
                    )
                )
        style_chart(figure, scenario, f"{dimension.label}: two paths under your weights")
        with out:
            out.clear_output(wait=True)
            display(figure)

    def put_back(_button: widgets.Button) -> None:
        for name, slider in sliders.items():
            slider.value = getattr(DEFAULT_WEIGHTS, name)

    for slider in sliders.values():
        slider.observe(draw, names="value")
    reset.on_click(put_back)
    draw()
    display(widgets.VBox([*sliders.values(), reset, out]))


def show_references() -> None:
    """The course's reference list."""
    from IPython.display import Markdown, display

    from casework.references import references_markdown

    display(Markdown(references_markdown()))


def _paragraph_with(lines: list[str], word: str) -> str:
    """The whole markdown paragraph (wrapped lines joined) that mentions ``word``."""
    for index, line in enumerate(lines):
        if word in line.lower():
            start = index
            while start > 0 and lines[start - 1].strip():
                start -= 1
            end = index
            while end + 1 < len(lines) and lines[end + 1].strip():
                end += 1
            return " ".join(part.strip() for part in lines[start : end + 1])
    return ""


def module_list_html(folder: Path | None = None) -> str:
    """The course's modules in order: title, what it covers and how long, with a link."""
    import json as _json

    root = folder or course_dir()
    items = []
    for path in sorted(root.glob("[0-9][0-9]_*.ipynb")):
        cells = _json.loads(path.read_text(encoding="utf-8"))["cells"]
        first = next((c for c in cells if c["cell_type"] == "markdown"), None)
        lines = "".join(first["source"]).splitlines() if first else []
        title = next((ln.lstrip("# ").strip() for ln in lines if ln.startswith("#")), path.stem)
        time = _paragraph_with(lines, "minute").replace("*", "").strip(" -_")
        items.append(
            f'<li><a href="{escape(path.name)}">{escape(title)}</a>'
            + (f"<br><span class='hm-small'>{escape(time)}</span>" if time else "")
            + "</li>"
        )
    return (
        '<nav aria-labelledby="modules-heading"><h2 id="modules-heading">The modules</h2>'
        f"<ol>{''.join(items)}</ol></nav>"
    )


def show_modules(folder: Path | None = None) -> None:
    """Display the module list on the landing page."""
    from IPython.display import HTML, display

    display(HTML(module_list_html(folder)))
