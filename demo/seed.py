"""The whole demo, builder by builder, in the order their rows depend on each other.

Idempotent: running it again updates the same rows and never duplicates anything.
"""

from __future__ import annotations

from core.search import rebuild_all as search_rebuild_all

from .accounts import seed_organisations
from .builders import courses, discussions, impact, learners, portfolio, workshops


def seed_demo() -> None:
    """Write (or top up) every demo row; the caller holds the transaction."""
    organisations = seed_organisations()
    course, items = courses.seed_course()
    first_assignment = workshops.seed_workshop(course)
    cohort = learners.seed_main_cohort(course)
    users = learners.seed_main_members(cohort=cohort, organisations=organisations)
    courses.seed_progress(items=items, users=users)
    workshops.seed_first_answers(assignment=first_assignment, cohort=cohort, users=users)

    courses.seed(course=course, cohort=cohort, users=users)
    workshops.seed(course=course, cohort=cohort, users=users)
    impact.seed(users=users)
    # Adds the pilot cohort's learners to `users` for the builders after it.
    learners.seed(course=course, cohort=cohort, users=users)
    # After the learners' builder has dated the answers and reviews.
    workshops.seed_review_aftermath(course=course, cohort=cohort)
    courses.seed_certificates(course=course, cohort=cohort, users=users)
    portfolio.seed(course=course, cohort=cohort, users=users)
    discussions.seed(course=course, cohort=cohort, users=users)
    # The builders write rows directly: analyse all of them for search once, at the end.
    search_rebuild_all()
