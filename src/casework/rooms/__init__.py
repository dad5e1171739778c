"""Seminar rooms: one seminar's learners playing one case, counted together for their tutor.

A tutor opens a room for a case and gets a six-letter code to read out and the address of a
view to project (``course/tutor.ipynb``). Learners type the code on the case's page (or follow
a link with ``?room=CODE``); their kernels add what they choose to the room, and the tutor's
view shows how many took each option, the spread of the room's relationship curves beside the
path in the study, and the endings reached, each count withheld until at least five learners
are behind it. The tutor can hold the room at a decision, reveal what the worker in the study
did there, export the counts, and close the room, which deletes its data. Nothing a learner
writes ever reaches a room, and each learner's journey stays theirs, kept as it always is.

One module per concern:
- ``codes``: room codes, easy to read aloud, with no two look-alikes open at once;
- ``store``: the room tables (migration 0004) and what learners and tutors may do with them;
- ``tally``: each learner's current path from their events, and counts with withholding;
- ``member``: one learner's link to a room (used by the player and the simulated learners);
- ``export``: the counts as CSV, and as a section of the cohort report;
- ``links``: the addresses of the tutor's view and of the learners' link;
- ``html``, ``band``, ``view``: the tutor's projected page;
- ``commands``: ``casework room open | close | export | list``.
"""

from __future__ import annotations


def tutor_page() -> None:
    """The tutor's page (imported lazily: learners' kernels never load the tutor's view)."""
    from casework.rooms.view import tutor_page as page

    page()


__all__ = ["tutor_page"]
