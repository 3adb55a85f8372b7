"""The at-risk page's rows, written in Python (#13), print exactly what the template's loops
printed: learners idle since joining or since a date, a revision left untouched, an overdue
phase, several reasons at once, reminded earlier or today, names, e-mails and titles that need
escaping, no organisation, a second page, the empty and the ended cohort, and the phases that
wait on instructors, in Finnish, Swedish and English, for a coordinator and an instructor,
under any URL prefix."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from courses.models import Completion, Item
from learners.models import Membership, Nudge
from learners.rollup import rollup_rebuild
from learners.templatetags.at_risk import at_risk_rows, staff_delay_rows
from tests import factories
from workshops import services as workshop_services
from workshops.models import Review, Submission

pytestmark = pytest.mark.django_db

NOW = timezone.now()

# The loops as templates/learners/at_risk.html wrote them before #13.
OLD_ROWS = """{% load i18n progress %}  {% for row in rows %}
  <tr data-testid="at-risk-{{ row.learner.email }}">
    <th scope="row"><a href="{% url_of 'learners:timeline' cohort.pk row.learner.pk %}">{{ row.learner.display_name }}</a><br><span class="small fw-normal text-body-secondary">{{ row.learner.organisation|default:"" }}</span></th>
    <td class="small text-nowrap">{% if row.last_activity %}{{ row.last_activity|date:"SHORT_DATE_FORMAT" }}{% else %}{% translate "Never" %}{% endif %}</td>
    <td><ul class="mb-0 small">{% for reason in row.reasons %}<li>{{ reason }}</li>{% endfor %}</ul></td>
    <td id="nudge-{{ row.learner.pk }}">
      {% if row.nudged_today %}{% include "learners/includes/_nudge_state.html" with sent=False fresh=False %}
      {% else %}
      <form method="post" action="{% url_of 'learners:nudge' cohort.pk row.learner.pk %}" hx-post="{% url_of 'learners:nudge' cohort.pk row.learner.pk %}" hx-target="#nudge-{{ row.learner.pk }}" hx-swap="innerHTML">{% csrf_token %}
        <button class="btn btn-sm btn-outline-primary" type="submit" data-testid="nudge">{% translate "Send a reminder" %}</button>
      </form>
      {% if row.last_nudge %}<span class="small text-body-secondary">{% blocktranslate with date=row.last_nudge|date:"SHORT_DATE_FORMAT" %}Last reminded {{ date }}{% endblocktranslate %}</span>{% endif %}
      {% endif %}
    </td>
  </tr>
  {% empty %}
  <tr><td colspan="4" class="text-body-secondary" data-testid="at-risk-empty">{% if cohort.ended %}{% translate "The cohort has ended." %}{% else %}{% translate "Nobody is at risk right now." %}{% endif %}</td></tr>
  {% endfor %}"""  # noqa: E501

OLD_DELAYS = """{% load i18n progress %}  {% for delay in delays %}
  <tr data-testid="delay-{{ delay.learner.email }}">
    <th scope="row"><a href="{% url_of 'learners:timeline' cohort.pk delay.learner.pk %}">{{ delay.learner.display_name }}</a></th>
    <td>{{ delay.title }}</td>
    <td><a href="{% url_of 'workshops:experiment' delay.experiment_id %}">{{ delay.waiting_title }}</a> <span class="badge text-bg-warning">{% blocktranslate count days=delay.waiting_days %}Instructor's delay: {{ days }} day{% plural %}Instructor's delay: {{ days }} days{% endblocktranslate %}</span></td>
  </tr>
  {% endfor %}"""  # noqa: E501


def ago(days):
    return NOW - datetime.timedelta(days=days)


def member(cohort, role, **fields):
    user = factories.UserFactory(**fields)
    membership = factories.MembershipFactory(cohort=cohort, user=user, role=role)
    if role == Membership.Role.LEARNER:
        Membership.objects.filter(pk=membership.pk).update(joined_at=ago(40))
    return user


def did_something(user, item, days_ago):
    completion = Completion.objects.create(user=user, item=item)
    Completion.objects.filter(pk=completion.pk).update(completed_at=ago(days_ago))


def send(learner, assignment, cohort, experiment):
    version = workshop_services.submission_submit(
        learner=learner, assignment=assignment, cohort=cohort, text="x", experiment=experiment
    )
    Submission.objects.filter(pk=version.pk).update(status=Submission.Status.RECEIVED)
    version.refresh_from_db()
    return version


def reviewed(version, instructor, decision, days_ago):
    review = workshop_services.submission_review(
        submission=version, reviewer=instructor, decision=decision, feedback="Palaute"
    )
    Review.objects.filter(pk=review.pk).update(created_at=ago(days_ago))


@pytest.fixture
def at_risk_world(course):
    """A started cohort of 125 idle learners and one of each other kind (a second page), an
    empty cohort that has not started and one that has ended."""
    learner = Membership.Role.LEARNER
    started = factories.CohortFactory(course=course, name='Syksy <b>"&', start_date=ago(60).date())
    coordinator = member(started, Membership.Role.COORDINATOR)
    instructor = member(started, Membership.Role.INSTRUCTOR)
    item = Item.objects.filter(module__course=course).first()
    for i in range(125):
        member(started, learner, first_name=f"Etu{i:03}", last_name="Aalto")
    member(
        started, learner, email="x&y@example.fi", first_name='Åsa <b>"&', last_name="O'N {{ x }}"
    )
    member(
        started, learner, email="z<z>@example.fi", first_name="", last_name="", organisation=None
    )
    did_something(member(started, learner, first_name="Vanha"), item, 20)
    did_something(member(started, learner, first_name="Tuore"), item, 1)
    today = member(started, learner, first_name="Tänään")
    Nudge.objects.create(
        cohort=started, learner=today, sent_by=coordinator, sent_on=timezone.localdate(NOW)
    )
    earlier = member(started, learner, first_name="Aiemmin")
    Nudge.objects.create(cohort=started, learner=earlier, sent_by=coordinator, sent_on=ago(5))
    # Phase 1 approved and phase 2 waiting for review for three weeks: phase 3, due 20 days
    # ago, waits on the instructor for Sanna and Jari, and is overdue for everyone else; Reija's
    # revision has waited 20 days.
    workshop = factories.WorkshopFactory(course=course)
    first = factories.AssignmentFactory(workshop=workshop, phase=1, title='Haaste <1> & "x"')
    second = factories.AssignmentFactory(workshop=workshop, phase=2, title="Idea & hypoteesi")
    factories.AssignmentFactory(workshop=workshop, phase=3, title="Suunnitelma <3>", due_days=40)
    sanna = member(started, learner, first_name="Sanna", last_name="Rinne")
    jari = member(started, learner, first_name="Jari", last_name="Rinne")
    reija = member(started, learner, first_name="Reija", last_name="Revisio")
    did_something(reija, item, 2)
    team = workshop_services.experiment_create(
        learner=sanna, workshop=workshop, cohort=started, title="Kimppa"
    )
    workshop_services.experiment_add_member(experiment=team, by=sanna, email=jari.email)
    reviewed(send(sanna, first, started, team), instructor, "approve", 25)
    waiting = send(jari, second, started, team)
    Submission.objects.filter(pk=waiting.pk).update(submitted_at=ago(21), processed_at=ago(21))
    alone = workshop_services.experiment_create(
        learner=reija, workshop=workshop, cohort=started, title="Yksin"
    )
    reviewed(send(reija, first, started, alone), instructor, "revise", 20)
    empty = factories.CohortFactory(course=course, name="Tyhjä", start_date=ago(-5).date())
    ended = factories.CohortFactory(
        course=course, name="Päättynyt", start_date=ago(300).date(), end_date=ago(10).date()
    )
    member(ended, learner)
    rollup_rebuild(now=NOW)
    return {
        "started": started,
        "coordinator": coordinator,
        "instructor": instructor,
        "empty": (empty, member(empty, Membership.Role.COORDINATOR)),
        "ended": (ended, member(ended, Membership.Role.COORDINATOR)),
    }


def _between(html, start, end):
    return html[html.index(start) + len(start) : html.index(end, html.index(start))]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_rows_print_exactly_what_the_template_printed(client, at_risk_world, language):
    started = at_risk_world["started"]
    pages = [
        (at_risk_world["coordinator"], started, "1"),
        (at_risk_world["coordinator"], started, "2"),
        (at_risk_world["instructor"], started, "2"),
        (*reversed(at_risk_world["empty"]), "1"),
        (*reversed(at_risk_world["ended"]), "1"),
    ]
    seen_rows = seen_delays = 0
    for person, cohort, page in pages:
        person.language = language
        person.save()
        client.force_login(person)
        response = client.get(reverse("learners:at_risk", args=[cohort.pk]), {"page": page})
        html = response.content.decode()
        context = Context(
            {
                "rows": response.context["rows"],
                "delays": response.context["delays"],
                "cohort": cohort,
                "csrf_token": response.context["csrf_token"],
            }
        )
        start = '<table class="table align-middle" data-testid="at-risk">'
        rows = _between(_between(html, start, "</table>"), "  <tbody>\n", "\n  </tbody>")
        assert rows == Template(OLD_ROWS).render(context)
        seen_rows += len(response.context["rows"])
        if response.context["delays"]:
            start = '<table class="table align-middle" data-testid="staff-delays">'
            delays = _between(_between(html, start, "</table>"), "  <tbody>\n", "\n  </tbody>")
            assert delays == Template(OLD_DELAYS).render(context)
            seen_delays += len(response.context["delays"])
    assert seen_rows == 100 + 33 + 33
    assert seen_delays == 3 * 2


def test_every_kind_of_row_is_among_those_compared(client_for, at_risk_world):
    """The comparison above meets each reason, both reminder states, escaping and the two
    empty tables."""
    at_risk_world["coordinator"].language = "en"
    at_risk_world["coordinator"].save()
    client = client_for(at_risk_world["coordinator"])
    url = reverse("learners:at_risk", args=[at_risk_world["started"].pk])
    html = client.get(url).content.decode() + client.get(url, {"page": 2}).content.decode()
    for marker in (
        "No activity for 40 days",
        "Revision requested over",
        "Overdue: Suunnitelma &lt;3&gt;",
        'data-testid="nudged"',
        "Last reminded ",
        "&lt;b&gt;&quot;&amp; O&#x27;N {{ x }}",
        'data-testid="at-risk-x&amp;y@example.fi"',
        '<span class="small fw-normal text-body-secondary"></span>',
        'name="csrfmiddlewaretoken"',
        "Instructor's delay: 21 days",
    ):
        assert marker in html, marker
    assert "Never" in html
    for cohort, person in (at_risk_world["empty"], at_risk_world["ended"]):
        html = client_for(person).get(reverse("learners:at_risk", args=[cohort.pk])).content
        assert b'data-testid="at-risk-empty"' in html


def test_a_form_without_a_token_in_its_context_prints_none(at_risk_world):
    cohort = at_risk_world["started"]
    from learners import selectors

    rows = selectors.at_risk(cohort=cohort, now=NOW)
    for context in (
        Context({"rows": rows, "cohort": cohort, "csrf_token": None}),
        Context({"rows": rows, "cohort": cohort}),
    ):
        html = at_risk_rows(context, rows, cohort)
        assert "  " + html == Template(OLD_ROWS).render(context)
        assert "csrfmiddlewaretoken" not in html


def test_the_links_are_the_urls_reverse_gives_under_a_prefix(at_risk_world):
    from learners import selectors

    cohort = at_risk_world["started"]
    rows, delays = selectors.at_risk_and_delays(cohort=cohort, now=NOW)
    set_script_prefix("/alueagentti/")
    try:
        html = at_risk_rows(Context({"csrf_token": "t"}), rows, cohort)
        html += staff_delay_rows(delays, cohort)
        assert any(row.nudged_today for row in rows)
        for row in rows:
            names = ["learners:timeline"] + ([] if row.nudged_today else ["learners:nudge"])
            for name in names:
                url = reverse(name, args=[cohort.pk, row.learner.pk])
                assert url.startswith("/alueagentti/")
                assert f'"{url}"' in html
        for delay in delays:
            assert f'href="{reverse("workshops:experiment", args=[delay.experiment_id])}"' in html
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("size", [1, 7, 200])
def test_a_page_of_learners_last_activity_holds_what_the_orm_read(at_risk_world, size):
    from learners import selectors

    cohort = at_risk_world["started"]
    # The cohort-wide read is the ORM's; the page's is compiled once per number of ids.
    everyone = selectors._last_activity(cohort)
    ids = sorted(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).values_list(
            "user_id", flat=True
        ),
        reverse=True,  # those with versions, completions and reminders came last
    )[:size]
    page = selectors._last_activity(cohort, ids)
    expected = tuple({k: v for k, v in found.items() if k in ids} for found in everyone)
    assert page == expected
    if size > 1:
        assert all(expected), expected
    # A second page of the same size runs the compiled reads with other ids.
    other = ids[1:] + [ids[0]] if size > 1 else ids
    assert selectors._last_activity(cohort, other) == expected


def _shown(rows):
    return [
        (
            r.learner.pk,
            r.learner.email,
            r.learner.display_name,
            r.learner.organisation.name if r.learner.organisation else None,
            r.last_activity,
            r.reasons,
            r.nudged_today,
            r.last_nudge,
            r.inactive_days,
            r.revisions,
            r.overdue,
        )
        for r in rows
    ]


@pytest.mark.parametrize("size", [1, 40, 200])
def test_a_page_of_learners_reasons_hold_what_the_cohort_wide_read_gave(at_risk_world, size):
    from learners import selectors

    cohort = at_risk_world["started"]
    everyone, delays = selectors.at_risk_and_delays(cohort=cohort, now=NOW)
    ids = sorted((r.learner.pk for r in everyone), reverse=True)[:size]
    ids += [d.learner.pk for d in delays if d.learner.pk not in ids]
    for page in (ids, list(reversed(ids))):
        rows, page_delays = selectors.at_risk_and_delays(cohort=cohort, now=NOW, learner_ids=page)
        assert _shown(rows) == _shown([r for r in everyone if r.learner.pk in ids])
        assert page_delays == delays
    if size > 1:
        assert {r.learner.organisation is None for r in rows} == {True, False}


@pytest.mark.parametrize("size", [1, 3, 200])
def test_a_page_of_learners_due_phases_hold_what_the_cohort_wide_read_gave(at_risk_world, size):
    from learners import selectors

    cohort = at_risk_world["started"]
    everyone = list(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).values_list(
            "user_id", flat=True
        )
    )
    # The cohort-wide read is built by the ORM; a page's is compiled once per number of ids.
    whole = selectors.due_states(cohort=cohort, learner_ids=everyone, scoped=False)
    ids = sorted(everyone, reverse=True)[:size]  # the team, Reija and the idle ones
    for page in (ids, list(reversed(ids))):
        got = selectors.due_states(cohort=cohort, learner_ids=page)
        assert got == {pk: whole[pk] for pk in page if pk in whole}
    if size == 200:
        assert any(state.blocked for states in got.values() for state in states)
