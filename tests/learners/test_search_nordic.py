"""The cohort's learner search ignores the case of Finnish and Swedish letters (Ä, Ö, Å) on
SQLite as on PostgreSQL (core/lookups.py `unicode_icontains`), and leaves PostgreSQL's SQL as
Django's `icontains` writes it."""

import pytest
from django.db import connection
from django.urls import reverse

from core.models import User
from learners import selectors
from learners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def nordic(cohort):
    people = {}
    for first, last, email in [
        ("Eeva", "Äijälä", "eeva@example.fi"),
        ("Olof", "Öhman", "olof@example.fi"),
        ("Åsa", "Åberg", "asa@example.fi"),
        ("Ville", "Virtanen", "ville@example.fi"),
        ("Pia", "Ahonen", "pia_ahonen@example.fi"),
    ]:
        user = factories.UserFactory(first_name=first, last_name=last, email=email)
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        people[last] = user
    return people


def found(cohort, query):
    return [m.user.last_name for m in selectors.cohort_learners(cohort=cohort, query=query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("äijälä", ["Äijälä"]),
        ("ÄIJÄLÄ", ["Äijälä"]),
        ("öhman", ["Öhman"]),
        ("åberg", ["Åberg"]),
        ("ÅSA", ["Åberg"]),
        ("jäl", ["Äijälä"]),
        ("åsa åberg", ["Åberg"]),  # every word must match
        ("VIRTANEN", ["Virtanen"]),
        ("EEVA@", ["Äijälä"]),  # the email, ASCII as before
        ("aijala", []),  # a is not ä
        ("%", []),  # LIKE's wildcards are letters here
        ("_", ["Ahonen"]),
        ("å_", []),  # also beside a letter that is folded
        ("Å%", []),
    ],
)
def test_the_learner_search_ignores_the_case_of_every_letter(cohort, nordic, query, expected):
    assert found(cohort, query) == expected


def test_the_progress_page_finds_a_learner_by_a_name_typed_in_lower_case(
    client_for, coordinator, cohort, nordic
):
    page = client_for(coordinator).get(
        reverse("learners:cohort_detail", args=[cohort.pk]), {"q": "öhman", "view": "table"}
    )
    assert page.status_code == 200
    assert [p.pk for p in page.context["page"].object_list] == [nordic["Öhman"].pk]
    assert "Öhman" in page.content.decode()


def test_another_column_can_be_searched_for_too(cohort, nordic):
    from django.db.models import F

    User.objects.filter(pk=nordic["Åberg"].pk).update(first_name="ÅBERG")
    same = User.objects.filter(first_name__unicode_icontains=F("last_name"))
    assert list(same) == [nordic["Åberg"]]


def sql_of(lookup, word):
    return User.objects.filter(**{f"last_name__{lookup}": word}).query.sql_with_params()


def test_postgresql_keeps_the_sql_of_icontains_and_sqlite_folds_only_other_letters(db):
    nordic_sql, params = sql_of("unicode_icontains", "ÄIJÄLÄ")
    if connection.vendor == "postgresql":
        assert (nordic_sql, params) == sql_of("icontains", "ÄIJÄLÄ")
    else:
        assert "alueagentti_casefold" in nordic_sql
        assert params == ("%äijälä%",)
    # An ASCII word is SQLite's own LIKE (as fast as before): it matches the same rows.
    assert sql_of("unicode_icontains", "Aalto") == sql_of("icontains", "Aalto")
