"""The admin cannot edit state fields; it offers the services' actions instead (#12, item 9).

A superuser's change form shows a submission's status, a marking's state, an email's delivery
status, a card's publication and a review's decision read-only, so a POST cannot change them;
approving, requesting a revision, checking files again, resending an email and deciding on a
public card go through the services, with the same rules, notifications and history.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from portfolio import services as portfolio_services
from portfolio.models import Card
from tests import factories
from tests.pdfs import pdf_bytes
from workshops.models import Experiment, Marking, PeerReview, Review, Submission, SubmissionFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for, superuser, settings):
    settings.LANGUAGE_CODE = "en"
    superuser.language = "en"
    superuser.save()
    return client_for(superuser)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def run_action(client, model, action, objects, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    return client.post(changelist(model), data)


class FormValues(HTMLParser):
    """What a browser would submit from the change form as it is (every field as shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def submit_change_form(client, obj, changes):
    """Open the change form, change some fields as a person would, and save it."""
    parser = FormValues()
    parser.feed(client.get(change_url(obj)).content.decode())
    data = {**parser.data, **{k: [str(v)] for k, v in changes.items()}}
    data.pop("csrfmiddlewaretoken", None)
    return client.post(change_url(obj), data)


def test_the_submission_change_form_does_not_accept_a_status_edit(admin_client, submission):
    url = change_url(submission)
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="status"' not in html
    assert 'name="text"' not in html
    response = submit_change_form(
        admin_client,
        submission,
        {"status": "approved", "status_reason": "käsin", "version": 9, "text": "Muutettu"},
    )
    assert response.status_code == 302  # "saved", with nothing to save
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert submission.version == 1
    assert submission.text != "Muutettu"
    assert not Review.objects.exists()


def test_other_state_fields_are_read_only_too(admin_client, submission, learner, instructor):
    review = factories.ReviewFactory(submission=submission, reviewer=instructor)
    notification = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="admin-test",
        subject="Palaute",
        body="Palaute tuli",
        email_status=Notification.EmailStatus.FAILED,
    )
    marking_row = Marking.objects.create(submission=submission)
    peer_review = PeerReview.objects.create(submission=submission, reviewer=learner)
    for obj, field, hacked in [
        (review, "decision", "revise"),
        (notification, "email_status", "sent"),
        (marking_row, "state", "released"),
        (peer_review, "status", "done"),
    ]:
        before = getattr(obj, field)
        page = admin_client.get(change_url(obj))
        assert page.status_code == 200, obj
        assert f'name="{field}"' not in page.content.decode()
        submit_change_form(admin_client, obj, {field: hacked})
        obj.refresh_from_db()
        assert getattr(obj, field) == before, obj


def test_a_superuser_approves_through_the_review_service(admin_client, submission, learner):
    first = run_action(admin_client, Submission, "approve", [submission])
    assert first.status_code == 200
    assert 'data-testid="admin-action-form"' in first.content.decode()
    # Without feedback: a 400 with the reason, and nothing decided.
    empty = run_action(admin_client, Submission, "approve", [submission], confirm="1", text=" ")
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()
    assert not Review.objects.exists()
    done = run_action(
        admin_client, Submission, "approve", [submission], confirm="1", text="Hyvä haaste."
    )
    assert done.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    review = Review.objects.get(submission=submission)
    assert review.feedback == "Hyvä haaste."
    # The service moved the experiment on and told the learner, as an instructor's review would.
    assert Experiment.objects.get(pk=submission.experiment_id).phase == 2
    assert Notification.objects.filter(recipient=learner, key__contains=str(submission.pk)).exists()
    # A second approval is refused by the service's own rule, with its reason.
    again = run_action(
        admin_client, Submission, "approve", [submission], confirm="1", text="Uudestaan"
    )
    assert again.status_code == 302
    assert Review.objects.filter(submission=submission).count() == 1


def test_a_revision_request_goes_through_the_service(admin_client, submission):
    run_action(
        admin_client, Submission, "request_revision", [submission], confirm="1", text="Tarkenna."
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVISION_REQUESTED
    assert Review.objects.get(submission=submission).decision == Review.Decision.REVISE


def test_files_still_waiting_are_checked_again(
    admin_client, submission, django_capture_on_commit_callbacks
):
    attachment = SubmissionFile.objects.create(
        submission=submission,
        file=ContentFile(pdf_bytes(pages=1), name="liite.pdf"),
        original_name="liite.pdf",
        status=SubmissionFile.Status.PENDING,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = run_action(admin_client, Submission, "check_files_again", [submission])
    assert response.status_code == 302
    assert callbacks
    attachment.refresh_from_db()
    assert attachment.status == SubmissionFile.Status.ACCEPTED


def test_a_failed_email_is_queued_again_through_the_service(admin_client, learner):
    failed = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="admin-resend",
        subject="Palaute",
        body="Palaute tuli",
        email_status=Notification.EmailStatus.FAILED,
        email_attempts=3,
    )
    sent = Notification.objects.create(
        recipient=learner,
        category=Notification.Category.REVIEWS,
        key="admin-sent",
        subject="Palaute",
        body="Palaute tuli",
        email_status=Notification.EmailStatus.SENT,
    )
    response = run_action(admin_client, Notification, "resend", [failed, sent])
    assert response.status_code == 302
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.email_status != Notification.EmailStatus.FAILED
    assert sent.email_status == Notification.EmailStatus.SENT


def test_a_public_card_is_approved_or_declined_through_the_service(
    admin_client, experiment, learner
):
    card = portfolio_services.card_create(experiment=experiment)
    Card.objects.filter(pk=card.pk).update(summary="Kyyti kylistä asemalle.")
    card = portfolio_services.card_publish(
        card=card, by=learner, scope=Card.Scope.PUBLIC, consent=True
    )
    assert card.public_status == Card.PublicStatus.PENDING
    page = admin_client.get(change_url(card))
    assert 'name="public_status"' not in page.content.decode()
    empty = run_action(admin_client, Card, "reject_public", [card], confirm="1", text="")
    assert empty.status_code == 400
    run_action(
        admin_client, Card, "reject_public", [card], confirm="1", text="Asukkaan nimi näkyy."
    )
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.REJECTED
    assert card.rejection_reason == "Asukkaan nimi näkyy."
    portfolio_services.card_publish(card=card, by=learner, scope=Card.Scope.PUBLIC, consent=True)
    run_action(admin_client, Card, "approve_public", [card])
    card.refresh_from_db()
    assert card.public_status == Card.PublicStatus.APPROVED
    assert card.scope == Card.Scope.PUBLIC


def test_every_admin_list_and_change_page_opens(admin_client, superuser, submission, rf):
    factories.SubmissionFileFactory(submission=submission)
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200, model
        obj = model.objects.first()
        if obj is not None:
            assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200
        add = admin_client.get(reverse(f"{name}_add"))
        assert add.status_code == (200 if model_admin.has_add_permission(request) else 403), model


def test_people_without_admin_rights_cannot_run_the_actions(client_for, submission, instructor):
    staff = factories.UserFactory(is_staff=True)  # staff flag, no permissions
    response = run_action(client_for(staff), Submission, "approve", [submission], confirm="1")
    assert response.status_code == 403
    response = run_action(
        client_for(instructor), Submission, "approve", [submission], confirm="1", text="x"
    )
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not Review.objects.exists()


def test_a_ready_review_is_released_through_the_marking_workflow(
    admin_client, submission, instructor, assignment
):
    from workshops import marking

    workshop = assignment.workshop
    workshop.marking_workflow = True
    workshop.save()
    marking.marking_mark_ready(
        submission=submission, by=instructor, decision="approve", feedback="Valmis."
    )
    row = Marking.objects.get(submission=submission)
    assert row.state == Marking.State.READY
    response = run_action(admin_client, Marking, "release", [row])
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == Marking.State.RELEASED
    assert Review.objects.get(submission=submission).feedback == "Valmis."


def test_peer_review_gaps_are_filled_through_the_allocation(admin_client, cohort, assignment):
    from workshops import peer, services

    assignment.peer_review = True
    assignment.save()
    for n in range(3):
        user = factories.UserFactory(email=f"vertainen{n}@example.fi")
        factories.MembershipFactory(cohort=cohort, user=user)
        own = services.experiment_create(
            learner=user, workshop=assignment.workshop, cohort=cohort, title=f"Kokeilu {n}"
        )
        factories.SubmissionFactory(
            learner=user, cohort=cohort, assignment=assignment, experiment=own
        )
    peer.peer_allocate(assignment_id=assignment.pk, cohort_id=cohort.pk)
    complete = PeerReview.objects.count()
    assert complete
    # One allocation is lost (say, its reviewer left); the action fills the gap again.
    lost = PeerReview.objects.order_by("pk").first()
    lost.delete()
    response = run_action(
        admin_client, PeerReview, "allocate_again", [PeerReview.objects.order_by("pk").first()]
    )
    assert response.status_code == 302
    assert PeerReview.objects.count() == complete


def _grow(cohort, assignment, instructor, n):
    """n answers, each with a decision, a marking, a peer review and an email row."""
    for _ in range(n):
        user = factories.UserFactory()
        factories.MembershipFactory(cohort=cohort, user=user)
        answer = factories.SubmissionFactory(learner=user, cohort=cohort, assignment=assignment)
        factories.ReviewFactory(submission=answer, reviewer=instructor)
        Marking.objects.create(submission=answer, reviewer=instructor)
        PeerReview.objects.create(submission=answer, reviewer=instructor)
        Notification.objects.create(
            recipient=user,
            category=Notification.Category.REVIEWS,
            key=f"k{answer.pk}",
            subject="Palaute",
            body="Palaute",
        )


def test_the_admin_lists_have_a_flat_query_budget(
    admin_client, cohort, assignment, instructor, django_assert_max_num_queries
):
    models = [Submission, Review, Marking, PeerReview, Notification, Card]
    _grow(cohort, assignment, instructor, 3)
    with CaptureQueriesContext(connection) as small:
        for model in models:
            assert admin_client.get(changelist(model)).status_code == 200
    _grow(cohort, assignment, instructor, 30)
    with django_assert_max_num_queries(len(small)):
        for model in models:
            assert admin_client.get(changelist(model)).status_code == 200
