"""A learner who leaves the cohort (a coordinator removes her, session 12) is no peer reviewer
there any more: the reviews she still had to do go to others, and no new one is given to her,
while her team's answer is still reviewed. A review she had already given stays."""

import pytest

from learners.models import Membership
from workshops import peer
from workshops.models import PeerReview

from .test_peer_review import _answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_phase(assignment):
    assignment.peer_review = True
    assignment.save()
    return assignment


def test_the_reviews_of_a_learner_who_left_go_to_others(
    cohort, peer_phase, django_capture_on_commit_callbacks
):
    subs = [_answer(cohort, peer_phase) for _ in range(5)]
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk)
    leaver = subs[0].learner
    given = PeerReview.objects.filter(reviewer=leaver).first()
    PeerReview.objects.filter(pk=given.pk).update(status=PeerReview.Status.DONE, works="Hyvä.")
    still_to_do = set(
        PeerReview.objects.filter(reviewer=leaver, status=PeerReview.Status.ASSIGNED).values_list(
            "submission_id", flat=True
        )
    )
    assert still_to_do

    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(cohort=cohort, user=leaver).delete()

    # Nothing left for her to do; what she gave stays given.
    assert not PeerReview.objects.filter(reviewer=leaver, status=PeerReview.Status.ASSIGNED)
    assert PeerReview.objects.get(pk=given.pk).status == PeerReview.Status.DONE
    # Each answer she was to review gets its reviewers again, all still in the cohort: at once
    # where someone has room, else from the starvation guard's extra place (as here, where
    # every learner already reviews M answers).
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk, extra_quota=1)
    present = set(
        Membership.objects.filter(cohort=cohort, role=Membership.Role.LEARNER).values_list(
            "user_id", flat=True
        )
    )
    for submission_id in still_to_do:
        active = PeerReview.objects.filter(submission_id=submission_id).exclude(
            status=PeerReview.Status.WITHDRAWN
        )
        assert active.count() == 2
        assert {r.reviewer_id for r in active if r.pk != given.pk} <= present
    # Her own answer is still reviewed, and running the allocation again gives her nothing.
    assert PeerReview.objects.filter(submission=subs[0]).exists()
    peer.peer_allocate(assignment_id=peer_phase.pk, cohort_id=cohort.pk, extra_quota=3)
    assert not PeerReview.objects.filter(reviewer=leaver, status=PeerReview.Status.ASSIGNED)
