"""The phases page's cheaper parts (#13) hold to what they replace: the rows rendered in Python
print what the template printed, and a page of experiments read through compiled queries
(core.prepared) holds what the ORM's queries gave."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from core.models import User
from learners import selectors
from learners.templatetags.funnel import funnel_phases, funnel_rows
from tests.learners.test_dashboards import (  # noqa: F401 - funnel_cohort is a fixture
    TODAY,
    add_learner,
    funnel_cohort,
    start_experiment,
    submit,
)
from workshops.models import Experiment, ExperimentEvent, ExperimentMember, Submission

pytestmark = pytest.mark.django_db

# The rows as templates/learners/cohort_funnel.html wrote them before #13.
OLD_PHASES = """{% load i18n %}{% for p in funnel.phases %}<tr data-testid="funnel-phase-{{ p.phase }}">
    <th scope="row">{{ p.phase }}. {{ p.label }}</th>
    <td data-label="{% translate 'Experiments' %}" data-testid="phase-{{ p.phase }}-experiments">{{ p.experiments }}</td>
    <td data-label="{% translate 'Learners' %}">{{ p.learners }}</td>
    <td data-label="{% translate 'Median days in phase' %}">{% if p.median_days is None %}–{% else %}{{ p.median_days|floatformat:1 }}{% endif %}</td>
    <td data-label="{% translate 'Longest (days)' %}">{{ p.longest_days|default_if_none:"–" }}</td>
    <td data-label="{% translate 'Waiting on the learner' %}" data-testid="phase-{{ p.phase }}-learner">{{ p.waiting.learner|default:0 }}</td>
    <td data-label="{% translate 'Waiting on a reviewer' %}" data-testid="phase-{{ p.phase }}-reviewer">{{ p.waiting.reviewer|default:0 }}</td>
    <td data-label="{% translate 'Waiting on an instructor' %}" data-testid="phase-{{ p.phase }}-instructor">{{ p.waiting.instructor|default:0 }}</td>
  </tr>{% endfor %}"""  # noqa: E501

OLD_ROWS = """{% load i18n progress %}{% for row in page %}<tr data-testid="funnel-row-{{ row.experiment.pk }}">
    <th scope="row">{{ row.experiment.title }}</th>
    <td data-label="{% translate 'Team' %}"><span>{% for member in row.members %}<a href="{% url_of 'learners:timeline' cohort.pk member.pk %}">{{ member.display_name }}</a>{% if not forloop.last %}, {% endif %}{% endfor %}</span></td>
    <td data-label="{% translate 'Phase' %}">{{ row.phase }}. {{ row.phase_label }} ({% blocktranslate with cycle=row.experiment.cycle %}cycle {{ cycle }}{% endblocktranslate %})</td>
    <td data-label="{% translate 'Days in phase' %}">{{ row.days_in_phase }}</td>
    <td data-label="{% translate 'Waiting on' %}" data-testid="waiting-on">{{ row.waiting_label }}</td>
    <td data-label="{% translate 'Waiting (days)' %}">{% if row.waiting_on != "done" %}{{ row.waiting_days }}{% else %}–{% endif %}</td>
  </tr>{% empty %}<tr><td colspan="6" class="text-body-secondary">{% translate "No experiments in this cohort yet." %}</td></tr>{% endfor %}"""  # noqa: E501


@pytest.fixture
def odd_cohort(cohort, assignment, funnel_cohort):  # noqa: F811 - the fixture imported above
    """funnel_cohort and: a team of three whose names need escaping (one with no name), an
    experiment nobody is left in, one in its second cycle in phase 3, and a phase whose median
    falls between two days."""
    workshop = assignment.workshop
    odd = add_learner(cohort, first_name='Åsa <b>"&', last_name="O'Neil")
    team = start_experiment(cohort, workshop, odd, "Kokeilu <i>\"&' {{ x }}", opened_days_ago=3)
    for who in (
        add_learner(cohort, first_name="", last_name="", email="x&y@example.fi"),
        add_learner(cohort, first_name="Pia"),
    ):
        ExperimentMember.objects.create(experiment=team, user=who, cohort=cohort, workshop=workshop)
    Experiment.objects.filter(pk=team.pk).update(cycle=2, phase=3)
    four = start_experiment(cohort, workshop, add_learner(cohort), "Nelonen", opened_days_ago=4)
    Experiment.objects.filter(pk=four.pk).update(phase=3)
    lonely = start_experiment(cohort, workshop, add_learner(cohort), "Yksin", opened_days_ago=400)
    ExperimentMember.objects.filter(experiment=lonely).delete()
    return cohort


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_rows_print_exactly_what_the_template_printed(odd_cohort, other_cohort, language):
    funnel = selectors.experiment_funnel(cohort=odd_cohort, today=TODAY)
    assert funnel.phases[2].median_days == 3.5
    empty = selectors.experiment_funnel(cohort=other_cohort, today=TODAY)
    with translation.override(language):
        for cohort, shown in ((odd_cohort, funnel), (other_cohort, empty)):
            page = list(shown.experiments)
            context = Context({"funnel": shown, "page": page, "cohort": cohort})
            assert funnel_phases(shown.phases) == Template(OLD_PHASES).render(context)
            assert funnel_rows(page, cohort.pk) == Template(OLD_ROWS).render(context)
    html = funnel_rows(list(funnel.experiments), odd_cohort.pk)
    assert "Kokeilu &lt;i&gt;&quot;&amp;&#x27; {{ x }}" in html
    assert "O&#x27;Neil</a>, <a " in html
    assert ">x&amp;y@example.fi</a>, <a " in html


def orm_rows(cohort, start, stop):
    """A page of the funnel's rows as the ORM read them before #13 (all of each experiment and
    each member's user), with the same rules."""
    page = Experiment.objects.filter(cohort=cohort).order_by("phase", "title", "pk")
    page = page.values("pk")[start:stop]
    experiments = selectors._funnel_experiments(cohort=cohort).filter(pk__in=page)
    teams = {}
    for member in (
        ExperimentMember.objects.filter(experiment__in=[e.pk for e in experiments])
        .select_related("user")
        .order_by("joined_at", "pk")
    ):
        teams.setdefault(member.experiment_id, []).append(member.user)
    rows = []
    for e in experiments:
        waiting = selectors._waiting_on(
            experiment=e, status=e.latest_status, marking=e.latest_marking
        )
        since = e.opened_at or e.created_at
        staff = waiting in ("reviewer", "instructor") and e.latest_at
        waiting_since = e.latest_at if staff else since
        rows.append(
            (
                (e.pk, e.title, e.phase, e.cycle, e.status),
                [(u.pk, u.display_name) for u in teams.get(e.pk, [])],
                max((TODAY - timezone.localdate(since)).days, 0),
                waiting,
                max((TODAY - timezone.localdate(waiting_since)).days, 0),
            )
        )
    return rows


def test_a_page_of_rows_holds_what_the_orm_read(odd_cohort, assignment):
    workshop = assignment.workshop
    for i in range(12):
        learner = add_learner(odd_cohort)
        experiment = start_experiment(odd_cohort, workshop, learner, f"K{i}", opened_days_ago=i)
        if i % 3:
            status = Submission.Status.RECEIVED if i % 3 == 1 else Submission.Status.APPROVED
            submit(experiment, assignment, learner, status, submitted_days_ago=i // 2)
    experiments = selectors.FunnelExperiments(cohort=odd_cohort, today=TODAY)
    total = len(experiments)
    assert total == 20
    for start, stop in ((0, 7), (7, 14), (14, total), (0, total)):
        got = [
            (
                (
                    r.experiment.pk,
                    r.experiment.title,
                    r.phase,
                    r.experiment.cycle,
                    r.experiment.status,
                ),
                [(m.pk, m.display_name) for m in r.members],
                r.days_in_phase,
                r.waiting_on,
                r.waiting_days,
            )
            for r in experiments[start:stop]
        ]
        assert got == orm_rows(odd_cohort, start, stop)
    assert {r.waiting_on for r in experiments} == {"learner", "reviewer", "instructor", "done"}


def test_a_members_new_name_shows_at_once(client_for, cohort, coordinator, funnel_cohort):  # noqa: F811
    client = client_for(coordinator)
    url = reverse("learners:funnel", args=[cohort.pk])
    member = ExperimentMember.objects.get(experiment=funnel_cohort["sent"]).user
    assert member.display_name in client.get(url).content.decode()
    User.objects.filter(pk=member.pk).update(first_name="Uusinimi", last_name="Muutettu")
    assert "Uusinimi Muutettu" in client.get(url).content.decode()


def test_the_days_are_counted_in_the_current_time_zone(cohort, funnel_cohort):  # noqa: F811
    # Opened at 0.30 today in Helsinki, which is still yesterday in UTC (22.30 or 21.30).
    experiment = funnel_cohort["untouched"]
    midnight = datetime.datetime.combine(TODAY, datetime.time(0), timezone.get_current_timezone())
    ExperimentEvent.objects.filter(experiment=experiment).update(
        created_at=midnight + datetime.timedelta(minutes=30)
    )
    rows = selectors.FunnelExperiments(cohort=cohort, today=TODAY)
    row = next(r for r in rows if r.experiment.pk == experiment.pk)
    assert (row.days_in_phase, row.waiting_days) == (0, 0)
