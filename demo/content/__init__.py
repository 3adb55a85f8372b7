"""The demo course's texts, one module per language.

``fi`` is complete, and it is what ``seed_demo`` writes. A translation is a sibling module named
by its language code (``sv.py``, ``en.py``) with the same names and shapes as ``fi``: COURSE,
MODULES (in course order, each with its items), WORKSHOP, QUIZZES and REFLECTIONS (keyed by
module and item position), PHASES (by phase number), LEVELS and RUBRICS (by phase, criteria in
order). It may hold only part of the course (for example the first module and phase 1), since
positions, phase numbers and list order tie each text to the Finnish row it translates: a
builder writes it next to the Finnish text, and what it lacks falls back to Finnish.

Only what a course author or an instructor writes belongs here. The learners' own words in the
demo (answers, drafts, impact plans, portfolio cards) stay in Finnish with their builders.
"""
