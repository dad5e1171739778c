"""Graded coursework with nbgrader: the assignments and their rubric, the course's preprocessors
and templates, running nbgrader, and the course's steps around it (a learner's check of their
work, the record of a path, the feedback page, late penalties, moderation, grade exports; the
``casework`` commands are in ``commands``)."""
