"""The review queue's rows, written in Python (#13), print exactly what the template's loops
printed: every kind of row (blind or named, in the marking workflow or not, allocatable, ready
for release, late, with an experiment, with names that need escaping), the empty queue and the
recently reviewed list, in Finnish, Swedish and English, under any URL prefix."""

import datetime

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from tests import factories
from workshops.models import CohortMarkingSettings, Experiment, Marking, Review, Submission

pytestmark = pytest.mark.django_db

# The loops as templates/workshops/review_queue.html wrote them before #13, with the decided
# tabs' time column (the decision's date, not the waiting time), each tab's empty row and the
# recently reviewed versions' reviewer that came after.
OLD_ROWS = """{% load i18n datetimes %}  <tbody>{# Said once for the fifty rows, not in each row (#13). #}{% translate 'Learner' as t_learner %}{% translate 'Municipality or organisation' as t_organisation %}{% translate 'Assignment' as t_assignment %}{% translate 'Cohort' as t_cohort %}{% translate 'Waiting' as t_waiting %}{% translate 'Decided' context 'review queue column' as t_decided %}{% translate 'Attachments' as t_attachments %}{% translate 'Marking' as t_marking %}{% translate "Late" as t_late %}{% translate "Review" as t_review %}{% translate "Open" as t_open %}
  {% for s in waiting %}
    <tr data-testid="queue-row" data-submission="{{ s.pk }}">
      {% if s.settings_marking.blind_review %}<td data-testid="blind-learner" data-label="{{ t_learner }}">{% blocktranslate with n=s.pk %}Submission #{{ n }}{% endblocktranslate %}</td><td data-label="{{ t_organisation }}">–</td>{% else %}<td data-label="{{ t_learner }}">{{ s.learner.display_name }}</td>
      <td data-label="{{ t_organisation }}">{{ s.learner.organisation|default:"–" }}</td>{% endif %}
      <td data-label="{{ t_assignment }}">{{ s.assignment.title }} <span class="text-body-secondary small">({% blocktranslate with n=s.version %}version {{ n }}{% endblocktranslate %})</span>{% if s.experiment %}<br><small class="text-body-secondary">{{ s.experiment.title }}</small>{% endif %}{% if s.is_late %} <span class="badge text-bg-warning">{{ t_late }}</span>{% endif %}</td>
      <td data-label="{{ t_cohort }}">{{ s.cohort.name }}</td>
      {% if decided %}<td data-label="{{ t_decided }}">{{ s.review.created_at|date:"SHORT_DATE_FORMAT" }}</td>{% else %}<td data-label="{{ t_waiting }}">{{ s.processed_at|default:s.submitted_at|waited }}</td>{% endif %}
      <td data-label="{{ t_attachments }}">{{ s.files.all|length }}</td>
      {% if any_workflow %}<td data-testid="marking-cell" data-label="{{ t_marking }}">{% if s.settings_marking.marking_workflow %}
        {% if s.marking %}<span class="badge text-bg-light" data-marking-state="{{ s.marking.state }}">{{ s.marking.get_state_display }}</span>{% if s.marking.reviewer %}<br><small>{{ s.marking.reviewer.display_name }}</small>{% endif %}{% else %}<span class="badge text-bg-light" data-marking-state="not-reviewed">{% translate "Not reviewed" context "marking" %}</span>{% endif %}
        {% if s.marking.state == "ready" %}<div class="form-check"><input class="form-check-input" type="checkbox" form="bulk-release" name="submission" value="{{ s.pk }}" id="rel-{{ s.pk }}"><label class="form-check-label small" for="rel-{{ s.pk }}">{% translate "Release" %}</label></div>{% endif %}
        {% if s.allocatable and s.marking.state != "ready" %}<form method="post" action="{% url 'workshops:marking_allocate' s.pk %}" class="d-flex gap-1 mt-1">{% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}"><label class="visually-hidden" for="alloc-{{ s.pk }}">{% translate "Reviewer" %}</label><select class="form-select form-select-sm" name="reviewer" id="alloc-{{ s.pk }}">{% for i in s.allocatable %}<option value="{{ i.pk }}"{% if s.marking.reviewer_id == i.pk %} selected{% endif %}>{{ i.display_name }}</option>{% endfor %}</select><button type="submit" class="btn btn-sm btn-outline-primary">{% translate "Allocate" %}</button></form>{% endif %}
      {% else %}–{% endif %}</td>{% endif %}
      <td class="queue-action">{% if s.status == "received" %}<a class="btn btn-sm btn-primary" href="{% url 'workshops:review' s.pk %}">{{ t_review }}</a>{% else %}<a class="btn btn-sm btn-outline-primary" href="{% url 'workshops:submission_detail' s.pk %}">{{ t_open }}</a>{% endif %}</td>
    </tr>
  {% empty %}
    <tr><td colspan="8" class="text-body-secondary">{% if status == "approved" %}{% translate "No submission has been approved." %}{% elif status == "revision" %}{% translate "No submission awaits a revision." %}{% elif status == "processing" %}{% translate "No submission is being checked." %}{% else %}{% translate "Nothing is waiting for review." %}{% endif %}</td></tr>
  {% endfor %}"""  # noqa: E501

OLD_REVIEWED = """{% load i18n %}  {% for s in reviewed %}
  <li class="list-group-item d-flex flex-wrap justify-content-between gap-2">
    <a href="{% url 'workshops:submission_detail' s.pk %}">{% if s.settings_marking.blind_review %}{% blocktranslate with n=s.pk %}Submission #{{ n }}{% endblocktranslate %}{% else %}{{ s.learner.display_name }}{% endif %} – {{ s.assignment.title }} ({% blocktranslate with n=s.version %}version {{ n }}{% endblocktranslate %})</a>
    <span class="d-flex flex-wrap align-items-center gap-2"><small class="text-body-secondary" data-testid="reviewed-by">{% blocktranslate with name=s.review.reviewer.display_name %}Reviewed by {{ name }}{% endblocktranslate %}</small>{% include "workshops/includes/_status_badge.html" with submission=s %}</span>
  </li>
  {% endfor %}"""  # noqa: E501


def build_queue_world():
    """Two cohorts of one instructor (the lead of one, a colleague's second in the other, whose
    lead chose blind review and the workflow), a third cohort of someone else, and versions
    in every state and marking state, with and without experiments, files and organisations."""
    cache.clear()
    now = timezone.now()
    course = factories.CourseFactory(title="Kurssi")
    flow = factories.WorkshopFactory(course=course, title="Työpaja <A> & B", marking_workflow=True)
    plain = factories.WorkshopFactory(course=course, title="Toinen työpaja")
    phases = [
        factories.AssignmentFactory(workshop=flow, phase=1, title='Haaste <1> & "x"'),
        factories.AssignmentFactory(workshop=flow, phase=2, title="Ideat", title_en="Ideas"),
        factories.AssignmentFactory(workshop=plain, phase=3, title="Vain suomeksi"),
    ]
    led = factories.CohortFactory(course=course, name="Ryhmä <A>")
    blind = factories.CohortFactory(course=course, name="Ryhmä B & co")
    theirs = factories.CohortFactory(course=course, name="Muiden")
    instructor = factories.UserFactory(email="ohjaaja@example.fi", first_name="Olli")
    colleague = factories.UserFactory(email="kollega@example.fi", first_name="Kaisa")
    lead = factories.UserFactory(email="vetaja@example.fi", first_name="Liisa")
    stranger = factories.UserFactory(email="muu@example.fi")
    for cohort, person in [
        (led, instructor),
        (led, colleague),
        (blind, lead),
        (blind, instructor),
        (theirs, stranger),
    ]:
        factories.MembershipFactory(cohort=cohort, user=person, role="instructor")
    CohortMarkingSettings.objects.create(
        cohort=blind, workshop=flow, marking_workflow=True, blind_review=True, updated_by=lead
    )
    kotka = factories.OrganisationFactory(name="Kotka & <Hamina>")
    lahti = factories.OrganisationFactory(name="Lahti")
    learners = []
    for n in range(24):
        person = factories.UserFactory(
            email=f"l{n:02d}@example.fi",
            first_name='Åsa <b>"&' if n == 0 else ("" if n == 1 else f"Etu{n:02d}"),
            last_name="" if n == 1 else f"Suku{n:02d}",
            organisation=[kotka, lahti, None][n % 3],
        )
        cohort = [led, led, blind, theirs][n % 4]
        factories.MembershipFactory(cohort=cohort, user=person, role="learner")
        learners.append((person, cohort))
    states = [
        Submission.Status.RECEIVED,
        Submission.Status.RECEIVED,
        Submission.Status.APPROVED,
        Submission.Status.REVISION_REQUESTED,
        Submission.Status.REJECTED,
        Submission.Status.PROCESSING,
    ]
    for n in range(72):
        person, cohort = learners[n % 24]
        phase = phases[n % 3]
        experiment = None
        if n % 5 == 0:
            experiment = Experiment.objects.create(
                workshop=phase.workshop, cohort=cohort, title=f"Kokeilu {n} <&>", created_by=person
            )
        status = states[n % 6]
        s = factories.SubmissionFactory(
            learner=person,
            cohort=cohort,
            assignment=phase,
            version=n // 24 + 1 + (n % 3) * 3,
            status=status,
            is_late=n % 4 == 1,
            experiment=experiment,
        )
        # Half an hour off the hour, so the waiting time reads the same a moment later.
        when = now - datetime.timedelta(days=n % 9, hours=n % 7, minutes=30)
        processed = when + datetime.timedelta(hours=1) if n % 6 == 0 else None
        Submission.objects.filter(pk=s.pk).update(submitted_at=when, processed_at=processed)
        for _ in range(n % 4):
            factories.SubmissionFileFactory(submission=s)
        if n % 5 == 1:
            Marking.objects.create(submission=s, state=Marking.State.NOT_REVIEWED)
        elif n % 5 == 2:
            Marking.objects.create(submission=s, state=Marking.State.IN_REVIEW, reviewer=colleague)
        elif n % 5 == 3:
            Marking.objects.create(submission=s, state=Marking.State.READY, reviewer=instructor)
        if status in (Submission.Status.APPROVED, Submission.Status.REVISION_REQUESTED):
            review = factories.ReviewFactory(submission=s, reviewer=instructor)
            Review.objects.filter(pk=review.pk).update(
                created_at=now - datetime.timedelta(minutes=n * 3)
            )
    superuser = factories.UserFactory(email="admin@example.fi", is_superuser=True, is_staff=True)
    return {
        "instructor": instructor,
        "colleague": colleague,
        "lead": lead,
        "superuser": superuser,
        "led": led,
        "blind": blind,
        "kotka": kotka,
        "phases": phases,
    }


@pytest.fixture
def queue_world(db):
    return build_queue_world()


def _between(html, start, end):
    return html[html.index(start) : html.index(end, html.index(start))]


def _old_rows(response):
    context = response.context
    return Template(OLD_ROWS).render(
        Context(
            {
                "waiting": context["waiting"],
                "any_workflow": context["any_workflow"],
                "status": context["filters"].status,
                "decided": context["filters"].status in ("approved", "revision"),
                "request": response.wsgi_request,
                "csrf_token": context["csrf_token"],
            }
        )
    )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("who", ["instructor", "colleague", "lead", "superuser"])
def test_the_rows_print_exactly_what_the_template_printed(client, queue_world, who, language):
    person = queue_world[who]
    person.language = language
    person.save()
    client.force_login(person)
    url = reverse("workshops:review_queue")
    queries = [
        {},
        {"status": "approved"},
        {"status": "revision"},
        {"status": "processing", "x": '<"&>'},
        {"phase": 3},  # no row in the workflow: no marking column
        {"organisation": queue_world["kotka"].pk},
        {"cohort": queue_world["blind"].pk, "marking": "ready"},
        {"phase": 6},  # nothing
    ]
    seen_rows = seen_reviewed = 0
    for query in queries:
        response = client.get(url, query)
        html = response.content.decode()
        got = _between(html, "  <tbody>", "\n  </tbody>")
        assert got == _old_rows(response), query
        seen_rows += len(response.context["waiting"])
        reviewed = response.context["reviewed"]
        if reviewed:
            old = Template(OLD_REVIEWED).render(Context({"reviewed": reviewed}))
            assert _between(html, '<ul class="list-group">\n', "\n</ul>") == (
                '<ul class="list-group">\n' + old
            )
            seen_reviewed += len(reviewed)
    assert seen_rows > 10
    assert seen_reviewed > 0


def test_every_kind_of_row_is_among_those_compared(client_for, queue_world):
    """The comparison above meets blind rows, named ones, allocation, release, experiments,
    late versions, learners without an organisation and the empty queue."""
    html = client_for(queue_world["instructor"]).get(reverse("workshops:review_queue")).content
    page = html.decode()
    for marker in (
        'data-testid="blind-learner"',
        "&lt;b&gt;&quot;&amp;",
        'id="alloc-',
        'id="rel-',
        "Kokeilu",
        "badge text-bg-warning",
        'data-marking-state="not-reviewed"',
        'data-marking-state="in-review"',
        ">–</td>",
        "csrfmiddlewaretoken",
    ):
        assert marker in page, marker


def test_the_links_are_the_urls_reverse_gives_under_a_prefix(client_for, queue_world):
    client = client_for(queue_world["instructor"])
    response = client.get(reverse("workshops:review_queue"))
    waiting = response.context["waiting"]
    set_script_prefix("/alueagentti/")
    try:
        from workshops.templatetags.review_queue import queue_rows

        html = queue_rows({"request": None, "csrf_token": "t"}, waiting, True)
        for s in waiting:
            name = "workshops:review" if s.status == "received" else "workshops:submission_detail"
            assert f'href="{reverse(name, args=[s.pk])}"' in html
            assert reverse(name, args=[s.pk]).startswith("/alueagentti/")
    finally:
        set_script_prefix("/")
