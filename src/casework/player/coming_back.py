"""Coming back: the learner's resume code and link, this browser's memory of them, and a way
to forget it on a shared computer.

On hosted pages the journey lives in the store under a resume code. The course's Voila
template keeps that code in a cookie scoped to the case page (it reads the code from the
``data-hm-resume`` attribute of this panel), so a reload or the same address opened again
finds the journey; the kernel reads the cookie from the request (``handover.remembered_token``).
"Forget me on this computer" makes the panel carry ``data-hm-forget`` instead, and the
template deletes the cookie; the code and the link still open the journey. The template also
gives the "Copy" buttons (``data-hm-copy``) their action: copying needs the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as widgets

#: Builds a button: (label, action, CSS class) -> Button (the player's own, so that every
#: action is guarded and styled the same way).
MakeButton = Callable[[str, Callable[[], None], str], widgets.Button]


def how_long(keep_days: int) -> str:
    """What the learner is told about how long their code, link and this browser's memory last."""
    if keep_days <= 0:
        return "They keep working for as long as the course keeps journeys."
    return (
        f"They keep working for {keep_days} days after you last use them; after that your "
        "journey is deleted."
    )


def resume_html(
    code: str, token: str, personal_link: str | None, keep_days: int, forgotten: bool
) -> str:
    """The panel's text: the code, the link, copy buttons, and what this browser remembers."""
    mark = 'data-hm-forget="1"' if forgotten else f'data-hm-resume="{escape(token)}"'
    days = max(keep_days, 0)
    link = (
        f'<p>Or keep this personal link: <a href="{escape(personal_link)}">'
        f"{escape(personal_link)}</a> "
        f'<button type="button" class="hm-copy" data-hm-copy="{escape(personal_link)}">'
        "Copy the link</button></p>"
        if personal_link
        else ""
    )
    memory = (
        "<p><strong>This computer has forgotten you.</strong> Reloading this page will start "
        "the case afresh; your code and your link still open your journey.</p>"
        if forgotten
        else "<p>This browser remembers your place: reload the page or open it again and you "
        "come back to the step you were on. On a shared computer, choose "
        "<em>Forget me on this computer</em> before you leave.</p>"
    )
    return (
        f'<section class="hm-resume" aria-labelledby="hm-resume-title" {mark} '
        f'data-hm-keep-days="{days}">'
        '<h4 id="hm-resume-title">Coming back later</h4>'
        "<p>Your work is saved as you go. Your resume code: "
        f"<strong><code>{escape(code)}</code></strong> "
        f'<button type="button" class="hm-copy" data-hm-copy="{escape(code)}">'
        "Copy the code</button></p>"
        f"{link}"
        "<p>The code is private to you: anyone with it can open your journey and reflections. "
        f"{escape(how_long(keep_days))}</p>"
        f"{memory}"
        '<p class="hm-copied" role="status" aria-live="polite"></p>'
        "</section>"
    )


def resume_widgets(
    html: str,
    make_button: MakeButton,
    on_resume: Callable[[str], None],
    on_forget: Callable[[], None] | None,
) -> list[widgets.Widget]:
    """The panel, a box to type a code, and (unless already forgotten) "Forget me"."""
    code = widgets.Text(
        description="Have a resume code?",
        placeholder="XXXX-XXXX-...",
        # Sent whole when the box loses focus: typed key by key, the page queues the updates
        # behind one another and a quick Tab+Enter could resume with half a code.
        continuous_update=False,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="min(420px, 100%)"),
    )
    go = make_button("Resume with this code", lambda: on_resume(code.value), "hm-control")
    row = widgets.Box([code, go])
    row.add_class("hm-controls")
    parts: list[widgets.Widget] = [widgets.HTML(html), row]
    if on_forget is not None:
        forget = make_button("Forget me on this computer", on_forget, "hm-control")
        parts.append(forget)
    return parts
