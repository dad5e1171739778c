"""Graded coursework with nbgrader: the course's preprocessors, running nbgrader's commands,
and the checks educators run on submissions (``casework locked-cells``)."""
