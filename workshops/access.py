"""Who may see and do what with workshops: assignments, experiments and their threads,
submissions and their files, reviews and peer reviews, sessions and their materials.

A learner sees their own and their team's work; instructors and coordinators their cohorts'.
Views load objects through the `get_*_for_*` helpers, which raise 404 for anything the person
may not reach (so nobody can probe for existence).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from core import prepared
from core.access import STAFF_ROLES, Role
from core.models import User
from courses.models import Course
from learners.access import cohorts_for, learner_cohorts, member
from learners.models import Cohort, Membership

from .models import (
    Assignment,
    Experiment,
    ExperimentMember,
    PeerReview,
    ReviewFile,
    RunLogEntry,
    SessionMaterial,
    Submission,
    SubmissionFile,
    Workshop,
    WorkshopSession,
)


def team_rows(user: User) -> QuerySet[ExperimentMember]:
    """The person's places on teams that count: those in cohorts where they are still a
    learner. The one rule of team membership (workshops' and portfolio's access build on it):
    a row left behind by a membership that ended or changed role (deleted in the admin before
    workshops.receivers_team existed, or a learner made an instructor) admits nobody. The
    experiment's cohort is the row's own copy of it (ExperimentMember.cohort)."""
    return ExperimentMember.objects.filter(
        Exists(
            Membership.objects.filter(cohort=OuterRef("cohort_id"), user=user, role=Role.LEARNER)
        ),
        user=user,
    )


def experiment_member(user: User, experiment_ref: str) -> Exists:
    """The person is on the team of the experiment that `experiment_ref` points to and is still
    a learner of its cohort (team_rows)."""
    return Exists(team_rows(user).filter(experiment=OuterRef(experiment_ref)))


def is_team_member(user: User, experiment_id: int | None) -> bool:
    """experiment_member for one experiment already at hand (one query; none without one)."""
    if experiment_id is None or not user.is_authenticated:
        return False
    return team_rows(user).filter(experiment_id=experiment_id).exists()


def own_or_team(user: User, submission_ref: str = "") -> Q:
    """The versions a learner reaches as their own: every version of an experiment whose team
    they are on (experiment_member), and an answer they sent without an experiment. A version
    the person sent in a team they have left (or in a cohort they have left) is the team's:
    not theirs to open any more. `submission_ref`: the path to the submission ("" for a
    Submission query, "submission__" from its files and reviews)."""
    return Q(**{f"{submission_ref}learner": user, f"{submission_ref}experiment__isnull": True}) | Q(
        experiment_member(user, f"{submission_ref}experiment_id")
    )


def get_assignment_for_learner(user: User, pk: int) -> tuple[Assignment, Cohort]:
    """The assignment and the learner's cohort that runs its course; 404 for anyone else.
    Two queries, compiled once (the phase answer page and its autosave ask on every visit)."""
    found = prepared.objects(
        Assignment,
        ("assignment_for_learner",),
        lambda assignment: Assignment.objects.filter(pk=assignment).select_related(
            "workshop__course"
        ),
        assignment=pk,
    )
    if not found:
        raise Http404
    assignment = found[0]
    cohorts = prepared.objects(
        Cohort,
        ("learner_cohort",),
        lambda user, course: (
            learner_cohorts(User(pk=user)).filter(course_id=course).order_by("-start_date")[:1]
        ),
        user=user.pk,
        course=assignment.workshop.course_id,
    )
    if not cohorts:
        raise Http404
    return assignment, cohorts[0]


def get_workshop_for_learner(user: User, pk: int) -> tuple[Workshop, Cohort]:
    """A workshop and the learner's latest cohort that runs its course; 404 for anyone else."""
    workshop: Workshop = get_object_or_404(Workshop.objects.select_related("course"), pk=pk)
    cohort = (
        learner_cohorts(user).filter(course_id=workshop.course_id).order_by("-start_date").first()
    )
    if cohort is None:
        raise Http404
    return workshop, cohort


def assignment_editors(user: User) -> QuerySet[Assignment]:
    """Phases whose texts (title, instructions, rubric) a person may edit: the instructors and
    coordinators of a cohort running the workshop's course, the course's authors and the
    superuser. The texts are the course's, shared by all its cohorts."""
    qs = Assignment.objects.all()
    if user.is_superuser:
        return qs
    staff = Membership.objects.filter(
        cohort__course=OuterRef("workshop__course"), user=user, role__in=STAFF_ROLES
    )
    authors = Course.authors.through.objects.filter(course=OuterRef("workshop__course"), user=user)
    return qs.filter(Q(Exists(staff)) | Q(Exists(authors)))


def get_assignment_for_editor(user: User, pk: int) -> Assignment:
    """404 unless the person may edit the phase's texts (assignment_editors)."""
    return get_object_or_404(assignment_editors(user).select_related("workshop__course"), pk=pk)


# --- experiments ---------------------------------------------------------------------------


def experiments_visible_to(user: User) -> QuerySet[Experiment]:
    """Team members see their experiment; instructors and coordinators their cohorts' ones."""
    qs = Experiment.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(Q(experiment_member(user, "pk")) | Q(member(STAFF_ROLES, user, "cohort_id")))


def get_experiment_for_user(user: User, pk: int) -> Experiment:
    return get_object_or_404(
        experiments_visible_to(user).select_related("workshop", "cohort"), pk=pk
    )


def get_experiment_for_member(user: User, pk: int) -> Experiment:
    """Only the learners on the team (who are still learners of its cohort) may change it."""
    return get_object_or_404(
        Experiment.objects.filter(experiment_member(user, "pk")).select_related(
            "workshop", "cohort"
        ),
        pk=pk,
    )


def get_experiment_for_team_staff(user: User, pk: int) -> Experiment:
    """Taking a learner off a team: the instructors and coordinators of the experiment's cohort
    and the superuser; 404 for anyone else."""
    qs = Experiment.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(member(STAFF_ROLES, user, "cohort_id"))
    return get_object_or_404(qs, pk=pk)


def get_experiment_for_instructor(user: User, pk: int) -> Experiment:
    qs = Experiment.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(member(Role.INSTRUCTOR, user, "cohort_id"))
    return get_object_or_404(qs, pk=pk)


def get_experiment_for_thread(user: User, pk: int) -> Experiment:
    """Phase threads: the learners on the team, the cohort's instructors and the superuser
    (coordinators follow progress, not the conversation)."""
    qs = Experiment.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(
            Q(experiment_member(user, "pk")) | Q(member(Role.INSTRUCTOR, user, "cohort_id"))
        )
    return get_object_or_404(qs, pk=pk)


def may_see_thread(user: User, submission: Submission) -> bool:
    """Whether the phase thread is shown with a submission (see get_experiment_for_thread)."""
    if submission.experiment_id is None:
        return False
    return (
        user.is_superuser
        or is_team_member(user, submission.experiment_id)
        or Membership.objects.filter(
            cohort_id=submission.cohort_id, user=user, role=Role.INSTRUCTOR
        ).exists()
    )


def is_experiment_instructor(user: User, experiment: Experiment) -> bool:
    return user.is_superuser or (
        Membership.objects.filter(
            cohort_id=experiment.cohort_id, user=user, role=Role.INSTRUCTOR
        ).exists()
    )


def get_runlog_entry_for_user(user: User, pk: int) -> RunLogEntry:
    return get_object_or_404(
        RunLogEntry.objects.filter(experiment__in=experiments_visible_to(user)), pk=pk
    )


# --- sessions ------------------------------------------------------------------------------


def get_session_for_instructor(user: User, pk: int) -> WorkshopSession:
    return get_object_or_404(
        WorkshopSession.objects.select_related("workshop", "cohort").filter(
            cohort__in=cohorts_for(user, Role.INSTRUCTOR).values("pk")
        ),
        pk=pk,
    )


def get_session_material_for_user(user: User, pk: int) -> SessionMaterial:
    """A file shared with a workshop session: the members of its cohort (learners,
    instructors, coordinators) and the superuser."""
    qs = SessionMaterial.objects.select_related("session")
    if not user.is_superuser:
        qs = qs.filter(
            member((Role.LEARNER, *STAFF_ROLES), user, "session__cohort_id"),
        )
    return get_object_or_404(qs, pk=pk)


def get_session_for_member(user: User, pk: int) -> WorkshopSession:
    """A workshop session: the members of its cohort (learners, instructors, coordinators) and
    the superuser; 404 for anyone else."""
    qs = WorkshopSession.objects.select_related("workshop", "cohort")
    if not user.is_superuser:
        qs = qs.filter(member((Role.LEARNER, *STAFF_ROLES), user, "cohort_id"))
    return get_object_or_404(qs, pk=pk)


def is_session_staff(user: User, session: WorkshopSession) -> bool:
    """Instructors and coordinators of the session's cohort (and the superuser) see its
    recording and slides before it starts; learners only once it has started."""
    return (
        user.is_superuser
        or Membership.objects.filter(
            cohort_id=session.cohort_id, user=user, role__in=STAFF_ROLES
        ).exists()
    )


def get_session_material_for_instructor(user: User, pk: int) -> SessionMaterial:
    return get_object_or_404(
        SessionMaterial.objects.select_related("session").filter(
            session__cohort__in=cohorts_for(user, Role.INSTRUCTOR).values("pk")
        ),
        pk=pk,
    )


# --- submissions, their files and reviews --------------------------------------------------


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    """A learner sees their own and their team's work (own_or_team); staff their cohorts'."""
    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(own_or_team(user) | Q(member(STAFF_ROLES, user, "cohort_id")))


def submissions_reviewable_by(user: User) -> QuerySet[Submission]:
    qs = Submission.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(member(Role.INSTRUCTOR, user, "cohort_id"))


def get_submission_for_user(user: User, pk: int) -> Submission:
    return get_object_or_404(
        submissions_visible_to(user).select_related(
            "assignment__workshop", "cohort", "learner__organisation"
        ),
        pk=pk,
    )


def get_submission_for_reviewer(
    user: User,
    pk: int,
    *,
    extend: Callable[[QuerySet[Submission]], QuerySet[Submission]] | None = None,
) -> Submission:
    """A version an instructor of its cohort (or the superuser) may review, with its phase,
    workshop, cohort, sender and experiment; 404 for anyone else. One query, compiled once
    (the review page and its autosave ask on every visit). `extend`, a module-level function,
    adds to that query what one page reads with the version (related rows, annotations); it
    may not filter, so who is admitted stays this function's rule."""
    superuser = user.is_superuser

    def build(submission: int, user: int | None = None) -> QuerySet[Submission]:
        reviewer = User(pk=user, is_superuser=superuser)
        qs = (
            submissions_reviewable_by(reviewer)
            .filter(pk=submission)
            .select_related("assignment__workshop", "cohort", "learner__organisation", "experiment")
        )
        if extend is None:
            return qs
        extended = extend(qs)
        if extended.query.where != qs.query.where:
            raise AssertionError(f"{extend.__name__} may not filter the versions")
        return extended

    found = prepared.objects(
        Submission,
        ("submission_for_reviewer", superuser, extend),
        build,
        submission=pk,
        **({} if superuser else {"user": user.pk}),
    )
    if not found:
        raise Http404
    return found[0]


def can_review(user: User, submission: Submission) -> bool:
    return submissions_reviewable_by(user).filter(pk=submission.pk).exists()


def get_file_for_user(user: User, pk: int) -> SubmissionFile:
    """Whoever may see the submission gets its files once they have passed the check; a file
    still being checked or rejected (it may be an executable in disguise) only its uploader."""
    return get_object_or_404(
        SubmissionFile.objects.filter(submission__in=submissions_visible_to(user)).filter(
            Q(status=SubmissionFile.Status.ACCEPTED) | Q(submission__learner=user)
        ),
        pk=pk,
    )


def get_review_file_for_user(user: User, pk: int) -> ReviewFile:
    """A feedback file on a review, once it has passed its check: the cohort's instructors and
    the reviewer always (also while the review is a draft); the learner and everyone on the
    experiment's team once the review has reached them. Nobody else (not coordinators, not
    other learners of the cohort): 404."""
    qs = ReviewFile.objects.filter(status=ReviewFile.Status.ACCEPTED).select_related(
        "submission", "review"
    )
    if user.is_superuser:
        return get_object_or_404(qs, pk=pk)
    return get_object_or_404(qs.filter(_review_file_readers(user)), pk=pk)


def _review_file_readers(user: User) -> Q:
    staff = (
        Q(member(Role.INSTRUCTOR, user, "submission__cohort_id"))
        | Q(uploaded_by=user)
        | Q(review__reviewer=user)
    )
    team = Q(review__isnull=False) & own_or_team(user, "submission__")
    return staff | team


def review_files_closed_to(user: User, submission: Submission) -> bool:
    """Whether this version's feedback files are closed to `user` (get_review_file_for_user
    would answer 404: a coordinator who does not teach the cohort), so that the page names
    them without a link that leads nowhere (one query; with no accepted file there is no link
    to draw either way)."""
    if user.is_superuser:
        return False
    return not (
        ReviewFile.objects.filter(submission=submission, status=ReviewFile.Status.ACCEPTED)
        .filter(_review_file_readers(user))
        .exists()
    )


def get_review_file_for_reviewer(user: User, pk: int) -> ReviewFile:
    """A feedback file on a submission this instructor may review (to remove a draft one)."""
    return get_object_or_404(
        ReviewFile.objects.filter(submission__in=submissions_reviewable_by(user)).select_related(
            "submission"
        ),
        pk=pk,
    )


def get_peer_review_for_reviewer(user: User, pk: int) -> PeerReview:
    """A peer review allocated to this learner (not one taken away from them)."""
    return get_object_or_404(
        PeerReview.objects.filter(reviewer=user)
        .exclude(status=PeerReview.Status.WITHDRAWN)
        .select_related("submission__assignment__workshop"),
        pk=pk,
    )


def get_peer_review_for_receiver(user: User, pk: int) -> PeerReview:
    """Peer feedback given on an answer by this learner or their team."""
    return get_object_or_404(
        PeerReview.objects.filter(status=PeerReview.Status.DONE)
        .filter(
            Exists(
                PeerReview.objects.filter(pk=OuterRef("pk")).filter(
                    own_or_team(user, "submission__")
                )
            )
        )
        .select_related("submission"),
        pk=pk,
    )
