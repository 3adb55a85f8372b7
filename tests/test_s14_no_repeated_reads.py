"""The main pages read each row once: no page runs the very same SQL statement (same text, same
values) twice in one request, and the public card reads its team once.

Found by recording every page of the crawl (tests/test_crawl.py) and of the demo: a card's
themes were read for the page and again for the similar box; the marking and peer settings
pages read the cohort's own settings row for the form and again for the current values; a
learner's own results read her team memberships for the versions and again for the reviews;
the scores table counted the cohort's learners for its pages and again for the export choice;
the superuser's course outline read the course's cohorts for each of two lists; the public
card read the team once for the names and once for the towns.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.models import User
from learners.models import Cohort, Membership
from portfolio.models import Card, NameConsent
from tests.repeats import repeated, signed_in, statements
from workshops.models import Assignment, ExperimentMember, Workshop

pytestmark = pytest.mark.django_db

DEMO = "demo.alueagentti.fi"


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO}")


@pytest.fixture
def pages(demo_data):
    """(who, what, url) for the main pages of the demo, each as the person who uses it."""
    learner, instructor = person("oppija"), person("ohjaaja")
    coordinator, admin = person("koordinaattori"), person("admin")
    # The learner's cohort, which the instructor teaches and the coordinator follows.
    cohort = Cohort.objects.get(
        memberships__user=learner, memberships__role=Membership.Role.LEARNER
    )
    for staff, role in [(instructor, "INSTRUCTOR"), (coordinator, "COORDINATOR")]:
        assert cohort.memberships.filter(user=staff, role=Membership.Role[role]).exists()
    workshop = Workshop.objects.filter(course=cohort.course).first()
    phase = Assignment.objects.filter(workshop=workshop).order_by("phase").first()
    own = Card.objects.filter(experiment__members__user=learner).first()
    public = Card.objects.filter(scope=Card.Scope.PUBLIC).order_by("pk").first()
    # Only cards with themes show the repeat: the demo's do.
    assert own is not None
    assert public is not None
    assert own.experiment.themes.exists()
    assert public.experiment.themes.exists()
    settings_query = f"?cohort={cohort.pk}"
    return [
        (learner, "the team's own card", reverse("portfolio:card", args=[own.pk])),
        (learner, "a card of the gallery", reverse("portfolio:card", args=[public.pk])),
        (None, "a public card", reverse("portfolio:public_card", args=[public.pk])),
        (
            instructor,
            "the cohort's marking settings",
            reverse("workshops:marking_settings", args=[workshop.pk]) + settings_query,
        ),
        (
            instructor,
            "the cohort's peer feedback settings",
            reverse("workshops:peer_settings", args=[phase.pk]) + settings_query,
        ),
        (learner, "her own results", reverse("scores:mine")),
        (person("mikko.laine"), "his own results", reverse("scores:mine")),
        (learner, "the gallery", reverse("portfolio:gallery")),
        (None, "the public gallery", reverse("portfolio:public_gallery")),
        (learner, "the course outline", reverse("courses:detail", args=[cohort.course_id])),
        (instructor, "the course outline", reverse("courses:detail", args=[cohort.course_id])),
        (admin, "the course outline", reverse("courses:detail", args=[cohort.course_id])),
        (instructor, "the cohort's scores table", reverse("scores:overview", args=[cohort.pk])),
        (coordinator, "the cohort's scores table", reverse("scores:overview", args=[cohort.pk])),
        (coordinator, "the cohort page", reverse("learners:cohort_detail", args=[cohort.pk])),
    ]


def test_no_main_page_runs_the_same_statement_twice(pages):
    found = []
    for who, what, url in pages:
        for line in repeated(statements(signed_in(who), url)):
            found.append(f"{who or 'anonymous'}, {what} ({url}): {line}")
    assert not found, "Pages that read the same rows again:\n" + "\n".join(found)


def test_the_public_card_reads_its_team_once_when_it_shows_names(demo_data):
    card = Card.objects.filter(scope=Card.Scope.PUBLIC).order_by("pk").first()
    # The team chose to show names, a coordinator approved it and every member agreed.
    approved = {**card.approved_version, "show_names": True} if card.approved_version else None
    Card.objects.filter(pk=card.pk).update(show_names=True, approved_version=approved)
    members = list(
        ExperimentMember.objects.filter(experiment_id=card.experiment_id).select_related("user")
    )
    assert members
    for member in members:
        NameConsent.objects.update_or_create(
            card=card, user_id=member.user_id, defaults={"answer": NameConsent.Answer.AGREED}
        )
    url = reverse("portfolio:public_card", args=[card.pk])
    # The team's rows: the card's members, read for their names or their towns (the similar
    # box's ranking reads other cards' teams inside its own statement, and their teams by id).
    own_team = re.compile(
        rf'"workshops_experimentmember"\."experiment_id" = {card.experiment_id}\b'
    )
    team_reads = [
        sql
        for sql in statements(signed_in(None), url)
        if own_team.search(sql) and '"portfolio_card"' not in sql
    ]
    assert len(team_reads) == 1, "\n".join(team_reads)
    html = signed_in(None).get(url).content.decode()
    for member in members:
        assert member.user.display_name in html
