"""The navigation bar and footer kept per process (dashboard/templatetags/navigation.py) print
exactly what rendering their templates for the request prints, for each role, language, unread
count, name and address, and a change in any of them shows on the next page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.template import RequestContext, Template, engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from learners.models import Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

SPLIT = "@@split@@"
BOTH = Template(
    "{% load i18n navigation %}{% get_current_language as LANGUAGE_CODE %}"
    "{% navigation_bar %}"
    + SPLIT
    + "{% include 'includes/_nav.html' %}"
    + SPLIT
    + "{% page_footer %}"
    + SPLIT
    + "{% include 'includes/_footer.html' %}",
    engine=engines["django"].engine,
)


def _notify(person, n):
    for i in range(n):
        Notification.objects.create(
            recipient=person,
            category=Notification.Category.REVIEWS,
            key=f"nav-cost-{person.pk}-{Notification.objects.count()}-{i}",
            subject="Ilmoitus",
            body="Viesti",
            url="/",
        )


def _render(person, path="/"):
    """(kept bar, rendered bar, kept footer, rendered footer) for one request."""
    request = RequestFactory().get(path)
    request.user = person
    request.session = SessionStore()
    parts = BOTH.render(RequestContext(request)).split(SPLIT)
    assert len(parts) == 4
    return parts


def _same(person, path="/"):
    kept_bar, bar, kept_footer, footer = _render(person, path)
    assert kept_bar == bar.removesuffix("\n")
    assert kept_footer == footer.removesuffix("\n")
    return kept_bar, kept_footer


def test_the_kept_bar_and_footer_equal_the_templates(
    learner, instructor, coordinator, superuser, cohort, other_cohort
):
    both = factories.UserFactory(first_name='<b>"Aino"</b>', last_name="& Co")
    factories.MembershipFactory(cohort=cohort, user=both, role=Membership.Role.LEARNER)
    factories.MembershipFactory(cohort=other_cohort, user=both, role=Membership.Role.COORDINATOR)
    nobody = factories.UserFactory()
    _notify(learner, 3)
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            for person in (learner, instructor, coordinator, superuser, both, nobody):
                for path in ("/", '/courses/1/?q=a&b="<x>"&c=ä'):
                    _same(type(person).objects.get(pk=person.pk), path)
            _same(AnonymousUser())


def test_each_request_gets_its_own_token_name_and_address(learner, other_learner):
    first_bar, first_footer = _same(learner, "/a/")
    second_bar, second_footer = _same(other_learner, "/b/?x=1")
    assert "Oona" in first_bar
    assert "Olli" in second_bar
    assert "Oona" not in second_bar
    assert 'name="next" value="/a/"' in first_footer
    assert 'name="next" value="/b/?x=1"' in second_footer
    token = 'name="csrfmiddlewaretoken" value="'
    assert first_bar.split(token)[1][:64] != second_bar.split(token)[1][:64]


def test_a_new_role_shows_on_the_next_page(client, learner, cohort):
    client.force_login(learner)
    queue = reverse("workshops:review_queue")
    assert queue not in client.get(reverse("core:home")).content.decode()
    factories.MembershipFactory(
        cohort=factories.CohortFactory(course=cohort.course),
        user=learner,
        role=Membership.Role.INSTRUCTOR,
    )
    assert queue in client.get(reverse("core:home")).content.decode()
    Membership.objects.filter(user=learner, role=Membership.Role.INSTRUCTOR).delete()
    assert queue not in client.get(reverse("core:home")).content.decode()


def test_the_unread_count_shows_on_the_next_page(client, learner):
    client.force_login(learner)
    url = reverse("notifications:preferences")
    assert "text-bg-warning" not in client.get(url).content.decode()
    _notify(learner, 2)
    assert '<span class="badge rounded-pill text-bg-warning">2<' in client.get(url).content.decode()
    Notification.objects.filter(recipient=learner).update(read_at=timezone.now())
    assert "text-bg-warning" not in client.get(url).content.decode()


def test_the_language_and_name_show_on_the_next_page(client, learner):
    client.force_login(learner)
    url = reverse("notifications:preferences")
    finnish = client.get(url).content.decode()
    assert "Kirjaudu ulos" in finnish
    assert '<option value="fi" selected>' in finnish
    learner.language = "sv"
    learner.save()
    swedish = client.get(url).content.decode()
    assert "Kirjaudu ulos" not in swedish
    assert '<option value="sv" selected>' in swedish
    learner.first_name = "Oona-Maria"
    learner.save()
    assert "Oona-Maria" in client.get(url).content.decode()


def test_a_page_for_an_anonymous_visitor_has_no_bar(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'id="main-nav"' not in page
    assert 'id="language-select"' in page
