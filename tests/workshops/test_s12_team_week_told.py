"""A two-town team's week: what the team mates are told.

- When a member sends a version, each other member gets one notification (never the sender,
  never twice for a double click), emailed as their preferences say.
- When a team mate answers a revision request, the other members' "revision requested"
  notices of that version are put away, so their dashboards stop asking them.
- A member following the revision email after a team mate already sent the next version is
  told on the old version's page that a newer one exists, with a link to it.
"""

import pytest
from django.urls import reverse

from learners.models import Membership
from notifications.models import Notification, NotificationPreference
from tests import factories
from tests.workshops.helpers import based_on, page_of, sent_back, signed_in
from workshops import services
from workshops.models import ExperimentMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def third(cohort, experiment):
    """A third member of the team, from another town."""
    user = factories.UserFactory(email="sanna@example.fi", first_name="Sanna")
    factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
    ExperimentMember.objects.create(
        experiment=experiment, user=user, cohort=cohort, workshop=experiment.workshop
    )
    return user


def test_each_team_mate_is_told_once_of_a_version_and_the_sender_is_not(
    learner, teammate, third, assignment, experiment, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=teammate, email_modes={"reviews": "daily"})
    NotificationPreference.objects.create(user=third, email_modes={"reviews": "off"})
    oona = signed_in(learner)
    url = reverse("workshops:assignment", args=[assignment.pk])
    form = {
        "text": "Oonan versio: kyyti asemalle.",
        "based_on": based_on(page_of(oona, assignment)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert oona.post(url, form).status_code == 302
        # The double click: the same form again, refused, tells nobody anything new.
        assert oona.post(url, form).status_code == 409
    version = experiment.submissions.get()
    told = Notification.objects.filter(key=f"team-version-sent-{version.pk}")
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "sanna@example.fi",
        "tiimi@example.fi",
    ]
    # As each one's preferences say: Tiina's in the daily digest, Sanna's not emailed at all.
    assert told.get(recipient=teammate).email_status == Notification.EmailStatus.DIGEST
    assert told.get(recipient=third).email_status == Notification.EmailStatus.SKIPPED
    notice = told.get(recipient=teammate)
    assert notice.url == reverse("workshops:submission_detail", args=[version.pk])
    assert learner.display_name in notice.subject
    # Tiina sees it on her dashboard, and it leads to the version.
    tiina = signed_in(teammate)
    assert notice in tiina.get(reverse("core:home")).context["notifications"]
    opened = tiina.post(reverse("notifications:open", args=[notice.pk]))
    assert opened.status_code == 302
    assert opened.url == notice.url


def test_a_mate_answering_a_revision_puts_away_the_others_revision_notices(
    learner, teammate, third, instructor, assignment, cohort, experiment
):
    first = sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Versio 1.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Rajaa kohderyhmä.",
    )
    asked = Notification.objects.filter(key=f"submission-reviewed-{first.pk}")
    assert asked.count() == 3
    assert not asked.filter(read_at__isnull=False).exists()
    oona = signed_in(learner)
    revision_notice = asked.get(recipient=learner)
    assert revision_notice in oona.get(reverse("core:home")).context["notifications"]

    # Tiina answers the revision from her page.
    tiina = signed_in(teammate)
    sent = tiina.post(
        reverse("workshops:assignment", args=[assignment.pk]),
        {"text": "Versio 2: kohderyhmä rajattu.", "based_on": based_on(page_of(tiina, assignment))},
    )
    assert sent.status_code == 302
    second = experiment.submissions.get(version=2)
    # Nobody's dashboard asks for the answered revision any more.
    assert not asked.filter(read_at__isnull=True).exists()
    on_dashboard = oona.get(reverse("core:home")).context["notifications"]
    assert revision_notice not in on_dashboard
    assert Notification.objects.get(recipient=learner, key=f"team-version-sent-{second.pk}") in (
        on_dashboard
    )
    # Tiina is not told of her own version.
    assert not Notification.objects.filter(key=f"team-version-sent-{second.pk}", recipient=teammate)


def test_the_revision_email_of_an_answered_version_leads_to_a_page_that_names_the_newer_one(
    learner, teammate, instructor, outsider_learner, assignment, cohort, experiment
):
    first = sent_back(
        learner=learner,
        assignment=assignment,
        cohort=cohort,
        text="Versio 1.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Lisää nykytila.",
    )
    second = services.submission_submit(
        learner=teammate,
        assignment=assignment,
        cohort=cohort,
        text="Versio 2.",
        experiment=experiment,
        based_on=1,
    )
    oona = signed_in(learner)
    # Oona follows the link of her "revision requested" email.
    notice = Notification.objects.get(recipient=learner, key=f"submission-reviewed-{first.pk}")
    html = oona.get(notice.url).content.decode()
    assert 'data-status="revision"' in html  # the version's own state is still shown ...
    newer = html.split('data-testid="newer-version"')[1].split("</div>")[0]
    # ... with the newer version named, who sent it, its state and a link to it.
    assert teammate.display_name in newer
    assert 'data-status="received"' in newer
    link = reverse("workshops:submission_detail", args=[second.pk])
    assert f'href="{link}"' in newer
    # The "write a new version" button is not offered on the answered version.
    assert 'data-testid="write-new-version"' not in html
    newest = oona.get(link).content.decode()
    assert 'data-testid="newer-version"' not in newest

    # Nobody outside the team and the cohort's staff reaches either page.
    assert signed_in(outsider_learner).get(notice.url).status_code == 404


def test_a_blind_reviewer_is_told_of_the_newer_version_without_the_senders_name(
    learner, teammate, instructor, blind_cohort, assignment, experiment
):
    first = sent_back(
        learner=learner,
        assignment=assignment,
        cohort=blind_cohort,
        text="Versio 1.",
        experiment=experiment,
        reviewer=instructor,
        feedback="Lisää nykytila.",
    )
    services.submission_submit(
        learner=teammate,
        assignment=assignment,
        cohort=blind_cohort,
        text="Versio 2.",
        experiment=experiment,
    )
    html = (
        signed_in(instructor)
        .get(reverse("workshops:submission_detail", args=[first.pk]))
        .content.decode()
    )
    newer = html.split('data-testid="newer-version"')[1].split("</div>")[0]
    assert teammate.display_name not in newer
    assert "newer-version-link" in newer


def test_the_newer_version_notice_costs_no_query_however_many_versions_follow(
    learner, teammate, instructor, assignment, cohort, experiment
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = factories.SubmissionFactory(
        learner=learner,
        cohort=cohort,
        assignment=assignment,
        experiment=experiment,
        status="revision",
    )
    oona = signed_in(learner)
    url = reverse("workshops:submission_detail", args=[first.pk])

    def add_versions(numbers):
        for n in numbers:
            factories.SubmissionFactory(
                learner=teammate,
                cohort=cohort,
                assignment=assignment,
                experiment=experiment,
                version=n,
                status="revision",
            )

    add_versions([2])
    with CaptureQueriesContext(connection) as few:
        assert 'data-testid="newer-version"' in oona.get(url).content.decode()
    add_versions(range(3, 9))
    with CaptureQueriesContext(connection) as many:
        assert "newer-version-link" in oona.get(url).content.decode()
    assert len(many) == len(few)
