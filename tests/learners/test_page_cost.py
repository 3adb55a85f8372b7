"""The cohort page's cheaper parts (#13) hold to the rules they replace: the rows rendered in
Python print what the template printed, a page's counts and phase states are the rules', the
kept progress section shows every change at once, the organisation filter's choices show a new
learner's organisation at once, and the cohort is refused to whoever the ORM refused it to."""

import datetime

import pytest
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.models import User
from courses.models import Completion, Item, Module
from learners import access, selectors, services
from learners.models import Membership
from learners.progress_page import cohort_progress_page
from learners.templatetags.progress import progress_rows, progress_version
from tests import factories
from tests.learners.bulk import grow_cohort
from workshops.models import ExperimentMember, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(cohort, assignment):
    cohort.start_date = timezone.localdate() - datetime.timedelta(days=60)
    cohort.save()
    assignment.due_days = 14
    assignment.save()
    return cohort


def page_of(cohort, number=1, **filters):
    """The page's learners and overview as the progress section reads them."""
    page, overview = cohort_progress_page(cohort=cohort, number=number, **filters)
    return list(page.object_list), overview


# The rows as the template wrote them before #13 (templates/learners/cohort_detail.html), with
# the percentages written the reader's way (core's `percent` filter).
OLD_GRID = """{% load i18n alueagentti %}{% for row in overview.rows %}
  <tr data-learner="{{ row.learner.email }}">
    <th scope="row"><div class="heat-name"><a class="d-block text-truncate" href="{% url 'learners:timeline' cohort.pk row.learner.pk %}" title="{{ row.learner.display_name }}">{{ row.learner.display_name }}</a><span class="d-block text-truncate small fw-normal text-body-secondary" title="{{ row.learner.organisation|default:'' }}">{{ row.learner.organisation|default:"" }}</span></div></th>
    {% for cell in row.cells %}<td class="heat heat-l{{ cell.level }}" data-level="{{ cell.level }}">{% if cell.total %}{{ cell.done }}/{{ cell.total }}{% else %}–{% endif %}</td>{% endfor %}
    <td class="text-nowrap">{{ row.percent|percent }}</td>
    {% for a, submission in row.submissions %}<td class="heat-status">{% if submission %}<a href="{% url 'workshops:submission_detail' submission.pk %}">{% include "workshops/includes/_status_badge.html" %}</a>{% else %}{% include "workshops/includes/_status_badge.html" %}{% endif %}</td>{% endfor %}
  </tr>
  {% endfor %}"""  # noqa: E501

OLD_TABLE = """{% load i18n alueagentti %}{% for row in overview.rows %}
  <tr data-learner="{{ row.learner.email }}">
    <th scope="row"><a class="text-nowrap" href="{% url 'learners:timeline' cohort.pk row.learner.pk %}">{{ row.learner.display_name }}</a><br><span class="small fw-normal text-body-secondary">{{ row.learner.organisation|default:"" }}</span></th>
    {% for cell in row.cells %}<td class="progress-cell">{% if cell.total %}{% blocktranslate with done=cell.done total=cell.total percent=cell.percent|percent %}{{ done }} of {{ total }} ({{ percent }}){% endblocktranslate %}{% else %}–{% endif %}</td>{% endfor %}
    <td class="text-nowrap">{{ row.done }}/{{ row.total }}</td>
    <td class="text-nowrap">{{ row.percent|percent }}</td>
    {% if row.submissions %}<td><ul class="list-unstyled mb-0 small progress-phases d-flex flex-wrap gap-1">{% for a, submission in row.submissions %}<li class="text-nowrap"><abbr title="{{ a.title }}" aria-hidden="true">{{ a.phase }}.</abbr><span class="visually-hidden">{{ a.phase }}. {{ a.title }}:</span> {% if submission %}<a href="{% url 'workshops:submission_detail' submission.pk %}">{% include "workshops/includes/_status_badge.html" %}</a>{% else %}{% include "workshops/includes/_status_badge.html" %}{% endif %}</li>{% endfor %}</ul></td>{% endif %}
  </tr>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_rows_print_exactly_what_the_template_printed(
    started, instructor, course, assignment, language
):
    from django.utils import translation

    people = grow_cohort(cohort=started, learners=12, instructor=instructor)
    # A name that needs escaping, a learner without a name or organisation, an empty module.
    User.objects.filter(pk=people[0].pk).update(first_name='Åsa <b>"&', last_name="O'Neil")
    User.objects.filter(pk=people[1].pk).update(first_name="", last_name="", organisation=None)
    factories.ModuleFactory(course=course, position=9)
    factories.AssignmentFactory(workshop=assignment.workshop, phase=2, title="Kokeile <pientä>")
    # A page read in one statement, and the whole cohort as the exports read it.
    for overview in (page_of(started)[1], selectors.cohort_overview(cohort=started)):
        assert any(s for row in overview.rows for _a, s in row.submissions)
        with translation.override(language):
            for view, old in (("grid", OLD_GRID), ("table", OLD_TABLE)):
                expected = Template(old).render(Context({"overview": overview, "cohort": started}))
                got = progress_rows(overview.rows, overview.assignments, view, started.pk)
                assert got == expected, view


def test_a_page_of_learners_is_read_as_the_queryset_pages_it(started, instructor):
    grow_cohort(cohort=started, learners=120, instructor=instructor)
    memberships = selectors.cohort_learners(cohort=started)
    for number, start in ((1, 0), (2, 50), (3, 100)):
        page, _overview = cohort_progress_page(cohort=started, number=number)
        assert page.paginator.count == memberships.count() == 120
        got = [(p.pk, p.email, p.display_name, p.organisation) for p in page.object_list]
        expected = [
            (
                m.user.pk,
                m.user.email,
                m.user.display_name,
                m.user.organisation.name if m.user.organisation else None,
            )
            for m in memberships[start : start + 50]
        ]
        assert got == expected
    org = memberships.first().user.organisation
    by_org, _overview = cohort_progress_page(cohort=started, organisation_id=org.pk)
    assert [p.pk for p in by_org.object_list] == [
        m.user_id for m in selectors.cohort_learners(cohort=started, organisation_id=org.pk)[:50]
    ]
    assert by_org.paginator.count == 40
    # Search words, as the ORM filters them, and an organisation no row has.
    word = memberships[7].user.email.split("@")[0]
    searched, _overview = cohort_progress_page(cohort=started, query=f" {word} ")
    assert [p.pk for p in searched.object_list] == [
        m.user_id for m in selectors.cohort_learners(cohort=started, query=word)
    ]
    assert searched.paginator.count >= 1
    for nobody in (10**9, 2**70):
        empty, overview = cohort_progress_page(cohort=started, organisation_id=nobody)
        assert (empty.number, empty.paginator.count, overview.rows) == (1, 0, [])
        assert overview.modules  # the header is read all the same


@pytest.mark.parametrize(
    ("first", "last", "email"),
    [("Oona", "Virta", "o@example.fi"), ("", "", "x@example.fi"), ("Oona", "", "y@example.fi")],
)
def test_a_page_learners_name_is_the_users_display_name(first, last, email):
    user = User(first_name=first, last_name=last, email=email)
    assert selectors.PageLearner(1, first, last, email, None).display_name == user.display_name


def cells_of(overview, learners=None):
    return {
        r.learner.pk: [(c.module.pk, c.done, c.total) for c in r.cells]
        for r in overview.rows
        if learners is None or r.learner.pk in learners
    }


def test_a_pages_counts_follow_the_rule_with_drafts_team_submissions_and_two_cohorts(
    started, course, instructor, assignment, other_cohort
):
    people = grow_cohort(cohort=started, learners=30, instructor=instructor)
    factories.ItemFactory(module=course.modules.first(), is_published=False)
    hidden = factories.ModuleFactory(course=course, is_published=False)
    Completion.objects.create(user=people[3], item=factories.ItemFactory(module=hidden))
    factories.MembershipFactory(cohort=other_cohort, user=people[7])
    # Without an assignment rule the page's plain counts are the rule's.
    learners, overview = page_of(started)
    on_page = {p.pk for p in learners}
    assert not any(m.has_ruled for m in overview.modules)
    whole = selectors.cohort_overview(cohort=started)
    assert cells_of(overview) == cells_of(whole, on_page)
    assert sum(c[1] for cells in cells_of(overview).values() for c in cells) > 0
    before = cells_of(overview)
    # An item done by a team mate's submission: the page reads the rule, as the heatmap did.
    Item.objects.filter(pk=Item.objects.filter(module__course=course).first().pk).update(
        assignment=assignment, completion_rule=Item.Rule.SUBMITTED
    )
    mate = people[5]
    experiment = ExperimentMember.objects.get(user=people[4], cohort=started).experiment
    ExperimentMember.objects.filter(user=mate, cohort=started).update(experiment=experiment)
    learners, overview = page_of(started)
    assert any(m.has_ruled for m in overview.modules)
    whole = selectors.cohort_overview(cohort=started)
    assert cells_of(overview) == cells_of(whole, on_page)
    # The rule counted an item done by a submission for someone on the page.
    assert cells_of(overview) != before


def test_a_pages_phase_states_are_the_whole_cohorts(started, instructor):
    people = grow_cohort(cohort=started, learners=60, instructor=instructor)
    whole = selectors.team_latest(cohort=started)
    for ids in ([p.pk for p in people[:50]], [p.pk for p in people[50:]], [people[0].pk]):
        paged = selectors.team_latest(cohort=started, learner_ids=ids)
        assert {k: (s.pk, s.status) for k, s in paged.items()} == {
            k: (s.pk, s.status) for k, s in whole.items() if k[0] in ids
        }
    assert whole, "the bulk cohort has versions"


def section(html):
    return html[html.index('data-testid="progress-filters"') : html.index("</table>")]


def progress_key(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return progress_version(response.context), response.content.decode()


def test_the_kept_progress_section_changes_with_every_value_it_prints(
    client_for, started, coordinator, instructor, course, assignment
):
    people = grow_cohort(cohort=started, learners=5, instructor=instructor)
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[started.pk])
    key, html = progress_key(client, url, view="table")
    again, html_again = progress_key(client, url, view="table")  # kept: the same section
    assert again == key
    assert section(html_again) == section(html)
    assert progress_key(client, url)[0] != key  # the other view
    assert progress_key(client, url, view="table", q="Oppija1")[0] != key
    learner = people[2]
    row_of = lambda html: html[html.index(f'data-learner="{learner.email}"') :].split("</tr>")[0]  # noqa: E731
    before = row_of(html)

    # A lesson done.
    item = Item.objects.filter(module__course=course).exclude(completions__user=learner).first()
    Completion.objects.create(user=learner, item=item)
    key2, html = progress_key(client, url, view="table")
    assert key2 != key
    assert row_of(html) != before
    # A version reviewed (the phase's badge).
    submission = Submission.objects.filter(cohort=started).order_by("-pk").first()
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.APPROVED)
    key3, html = progress_key(client, url, view="table")
    assert key3 != key2
    # A learner renamed, an organisation moved, a module's title edited, a new module.
    User.objects.filter(pk=learner.pk).update(first_name="Uusinimi")
    key4, html = progress_key(client, url, view="table")
    assert key4 != key3
    assert "Uusinimi" in html
    User.objects.filter(pk=learner.pk).update(organisation=None)
    key5, _html = progress_key(client, url, view="table")
    assert key5 != key4
    module = Module.objects.filter(course=course).first()
    Module.objects.filter(pk=module.pk).update(title="Uusi otsikko", title_fi="Uusi otsikko")
    key6, html = progress_key(client, url, view="table")
    assert key6 != key5
    assert "Uusi otsikko" in html
    factories.ModuleFactory(course=course, position=8, title="Viimeinen")
    key7, html = progress_key(client, url, view="table")
    assert key7 != key6
    assert "Viimeinen" in html
    # Another language prints other words.
    coordinator.language = "en"
    coordinator.save()
    client.cookies.load({"django_language": "en"})
    key8, html = progress_key(client, url, view="table")
    assert 'lang="en"' in html
    assert key8 != key7


def test_the_staff_names_and_the_pager_are_in_the_key(started, coordinator, instructor):
    grow_cohort(cohort=started, learners=3, instructor=instructor)
    request = RequestFactory().get("/")
    overview = page_of(started)[1]

    class Page:
        number = 1

        class paginator:  # noqa: N801 - as a Paginator reads
            count = 3
            num_pages = 1
            per_page = 50

    context = {
        "request": request,
        "overview": overview,
        "page": Page,
        "cohort": started,
        "view": "grid",
        "query": "",
        "organisation_id": None,
        "filtered": False,
        "organisations": [(1, "Akaan kaupunki")],
    }
    key = progress_version(context)
    assert progress_version(dict(context)) == key
    for change in (
        {"organisations": [(1, "Akaan kaupunki"), (2, "Lopen kunta")]},
        {"organisation_id": 1, "filtered": True},
        {"request": RequestFactory().get("/", {"page": "2"})},
    ):
        assert progress_version({**context, **change}) != key, change
    Page.paginator.count = 4
    assert progress_version(context) != key
    Page.paginator.count = 3
    # A member of staff renamed: the page read again prints (and keys) the new name.
    User.objects.filter(pk=overview.instructors[0].pk).update(first_name="Toinen")
    context["overview"] = page_of(started)[1]
    assert "Toinen" in [u.first_name for u in context["overview"].instructors]
    assert progress_version(context) != key


def test_a_learner_who_joins_shows_their_organisation_in_the_filter_at_once(
    client_for, started, coordinator, learner, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[started.pk])
    assert "Valkeakosken kaupunki" not in client.get(url).content.decode()
    newcomer = factories.UserFactory(
        organisation=factories.OrganisationFactory(name="Valkeakosken kaupunki")
    )
    started.enrolment_code = "LIITY2026"
    started.self_enrolment_open = True
    started.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_self_enrol(user=newcomer, code="LIITY2026")
    html = client.get(url).content.decode()
    assert '">Valkeakosken kaupunki</option>' in html


def test_the_filters_choices_are_kept_and_read_once(client_for, started, coordinator, learner):
    client = client_for(coordinator)
    url = reverse("learners:cohort_detail", args=[started.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert len(warm) == len(cold) - 1
    assert not any("DISTINCT" in q["sql"] and "organisation" in q["sql"] for q in warm)


def test_the_cohort_is_refused_as_before_and_says_who_coordinates(
    started, coordinator, instructor, other_instructor, superuser, learner
):
    assert access.get_cohort_for_staff(coordinator, started.pk).viewer_coordinates
    assert not access.get_cohort_for_staff(instructor, started.pk).viewer_coordinates
    assert access.coordinates(coordinator, access.get_cohort_for_staff(coordinator, started.pk))
    assert not access.coordinates(instructor, started)
    assert access.coordinates(superuser, access.get_cohort_for_staff(superuser, started.pk))
    for person, pk in (
        (other_instructor, started.pk),
        (learner, started.pk),
        (coordinator, started.pk + 1000),
        (coordinator, 2**70),
    ):
        with pytest.raises(Http404):
            access.get_cohort_for_staff(person, pk)
    # A coordinator role taken away is refused at once (nothing of the access is kept).
    Membership.objects.filter(cohort=started, user=coordinator).update(role="learner")
    with pytest.raises(Http404):
        access.get_cohort_for_staff(coordinator, started.pk)


def test_the_links_are_the_urls_reverse_gives_under_any_prefix():
    from django.urls import set_script_prefix

    from learners.templatetags.progress import url_for, url_of

    for prefix in ("/", "/alueagentti/"):
        set_script_prefix(prefix)
        try:
            assert url_of("learners:timeline", 3, 17) == reverse("learners:timeline", args=[3, 17])
            assert url_of("workshops:experiment", 12) == reverse("workshops:experiment", args=[12])
            assert url_for(5, "learners:at_risk") == reverse("learners:at_risk", args=[5])
            assert reverse("learners:at_risk", args=[5]).startswith(prefix)
        finally:
            set_script_prefix("/")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_kept_cohort_heading_is_the_includes_and_follows_each_change(
    started, coordinator, language
):
    """The cohort pages' heading and tabs, kept per process (`cohort_nav`), print what the
    include prints, for each tab, role and set of course links; a renamed cohort or course and
    new dates show at once."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from learners.templatetags.progress import NAV_TEMPLATE, cohort_nav

    cohort = access.get_cohort_for_staff(coordinator, started.pk)
    variants = [
        ("progress", True, {"author": True, "extensions": True, "certificates": True}),
        ("at_risk", False, {"author": False, "extensions": True, "certificates": False}),
        ("", False, None),
    ]
    with translation.override(language):
        for active, coordinates, links in variants:
            context = {"cohort": cohort, "is_coordinator": coordinates, "course_links": links}
            include = render_to_string(NAV_TEMPLATE, {**context, "active": active})
            assert cohort_nav(context, active) == include
            assert cohort_nav(context, active) == include  # kept: the same again
        forced = cohort_nav({"cohort": cohort}, "invitations", is_coordinator=True)
        assert 'data-testid="tab-invitations"' in forced
        assert 'data-testid="tab-invitations"' not in cohort_nav({"cohort": cohort}, "exports")
        before = cohort_nav({"cohort": cohort}, "progress")
        cohort.name = "Kevät 2027 <uusi>"
        cohort.end_date = cohort.end_date + datetime.timedelta(days=30)
        after = cohort_nav({"cohort": cohort}, "progress")
        assert after != before
        assert "Kevät 2027 &lt;uusi&gt;" in after
        assert after == render_to_string(NAV_TEMPLATE, {"cohort": cohort, "active": "progress"})
        cohort.course.title = "Toinen kurssi"
        assert "Toinen kurssi" in cohort_nav({"cohort": cohort}, "progress")
