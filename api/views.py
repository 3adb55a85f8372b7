"""The REST API under /api/v1/. Every object is loaded through <app>/access.py (and the apps'
selectors), the same helpers the pages use, so the API never shows more than the UI; an object
the caller may not reach answers 404, as on the pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import STAFF_ROLES
from core.errors import DomainError
from core.ids import MAX_ID, is_id
from courses.models import Certificate
from courses.selectors import completion_matrix, visible_modules
from learners import services as learner_services
from learners.access import (
    cohorts_for,
    get_cohort_for_coordinator,
    get_cohort_for_staff,
    learner_cohorts,
)
from learners.models import Cohort, Invitation, Membership
from learners.selectors import cohorts_with_counts
from notifications import services as notification_services
from notifications.models import Announcement
from portfolio.access import cards_visible_to
from portfolio.models import Card
from workshops.access import experiments_visible_to, submissions_visible_to
from workshops.cohort_settings import marking_q
from workshops.models import CohortMarkingSettings, Experiment, ExperimentMember, Phase, Submission
from workshops.selectors import phase_state

from . import serializers as s

Role = Membership.Role


def _int_param(request: Request, name: str) -> int | None:
    """The id in a filter parameter; 400 for a value that is not one (not a number, or outside
    1..MAX_ID, which SQLite and PostgreSQL cannot even compare with)."""
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:  # also a number of thousands of digits (Python's conversion limit)
        raise serializers.ValidationError({name: [_("Enter a whole number.")]}) from None
    if not is_id(number):
        raise serializers.ValidationError(
            {name: [_("Enter an id between 1 and %(max)d.") % {"max": MAX_ID}]}
        )
    return number


def _domain_error(exc: DomainError) -> serializers.ValidationError:
    return serializers.ValidationError({"non_field_errors": [exc.message]})


class NoRoute(APIView):
    """Any path under /api/ that is no route (a cohort id that is not a number, a typo): the
    API's JSON 404 rather than the site's HTML page. Not an endpoint, so not in the schema."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    options = http_method_not_allowed


# --- cohorts ---------------------------------------------------------------------------------


class CohortList(generics.ListAPIView[Cohort]):
    """Any signed-in person: the cohorts in which they hold a role (learner, instructor or
    coordinator); the superuser sees every cohort."""

    serializer_class = s.CohortSerializer

    def get_queryset(self) -> QuerySet[Cohort]:
        return cohorts_with_counts(cohorts_for(self.request.user, *Role.values))


class CohortDetail(generics.RetrieveAPIView[Cohort]):
    """A member of the cohort (any role) or the superuser; 404 for anyone else."""

    serializer_class = s.CohortSerializer

    def get_queryset(self) -> QuerySet[Cohort]:
        return cohorts_with_counts(cohorts_for(self.request.user, *Role.values))


class MembershipList(generics.ListAPIView[Membership]):
    """The cohort's instructors and coordinators (and the superuser), as on the cohort's pages:
    everyone in the cohort with their role. Learners and other cohorts' staff get 404."""

    serializer_class = s.MembershipSerializer

    @extend_schema(parameters=[OpenApiParameter("role", str, enum=Role.values)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Membership]:
        cohort = get_cohort_for_staff(self.request.user, self.kwargs["cohort_pk"])
        qs = Membership.objects.filter(cohort=cohort).select_related("user__organisation")
        role = self.request.query_params.get("role")
        if role:
            if role not in Role.values:
                raise serializers.ValidationError({"role": [_("Choose a role.")]})
            qs = qs.filter(role=role)
        return qs


class ProgressList(generics.ListAPIView[Membership]):
    """Progress per learner and module (published items done of published items): every
    learner for the cohort's instructors and coordinators and the superuser, like the progress
    heatmap; a learner of the cohort gets their own row, as in their course outline. 404 for
    anyone else."""

    serializer_class = s.LearnerProgressSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        user = self.request.user
        pk = self.kwargs["cohort_pk"]
        staff = cohorts_for(user, *STAFF_ROLES).select_related("course").filter(pk=pk).first()
        if staff is not None:
            self.cohort = staff
            learners = Membership.objects.filter(cohort=staff, role=Role.LEARNER)
        else:
            self.cohort = get_object_or_404(learner_cohorts(user), pk=pk)
            learners = Membership.objects.filter(cohort=self.cohort, role=Role.LEARNER, user=user)
        return learners.select_related("user")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        modules = list(
            visible_modules(self.cohort.course)
            .annotate(total=Count("items", filter=Q(items__is_published=True)))
            .order_by("position", "pk")
        )
        matrix = completion_matrix(user_ids=[m.user_id for m in page], course=self.cohort.course)
        for membership in page:
            done = matrix.get(membership.user_id, {})
            membership.modules = [
                {"module_id": m.pk, "title": m.title, "done": done.get(m.pk, 0), "total": m.total}
                for m in modules
            ]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- experiments and submissions -------------------------------------------------------------


def phase_states(experiments: list[Experiment]) -> dict[int, list[dict[str, Any]]]:
    """Each experiment's six phases with their state and latest version's status, as the
    experiment page's phase track (workshops.selectors.phase_track), in one query for a page.
    A learner's phase state is their team's: it is read from the experiment, never per person."""
    latest: dict[tuple[int, int], tuple[str, int]] = {}
    rows = (
        Submission.objects.filter(experiment_id__in=[e.pk for e in experiments])
        .order_by("version", "pk")
        .values_list("experiment_id", "assignment__phase", "status", "version")
    )
    for experiment_id, phase, state, version in rows:
        latest[(experiment_id, phase)] = (state, version)
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for experiment in experiments:
        for phase in Phase:
            state = phase_state(experiment=experiment, phase=phase)
            last = latest.get((experiment.pk, phase.value))
            result[experiment.pk].append(
                {
                    "phase": phase.value,
                    "label": str(phase.label),
                    "state": state,
                    "latest_status": last[0] if last else None,
                    "latest_version": last[1] if last else None,
                }
            )
    return result


class _ExperimentMixin:
    serializer_class = s.ExperimentSerializer
    request: Request

    def get_queryset(self) -> QuerySet[Experiment]:
        user = self.request.user
        own = CohortMarkingSettings.objects.filter(
            cohort_id=OuterRef("cohort_id"), workshop_id=OuterRef("workshop_id")
        )
        blind = Q(Exists(own.filter(blind_review=True))) | (
            ~Q(Exists(own)) & Q(workshop__blind_review=True)
        )
        on_team = Q(Exists(ExperimentMember.objects.filter(experiment=OuterRef("pk"), user=user)))
        qs = (
            experiments_visible_to(user)
            .select_related("workshop")
            .prefetch_related("members__user")
            # Blind review: as on the experiment page, only the team sees who is on it.
            .annotate(hide_team=ExpressionWrapper(blind & ~on_team, output_field=BooleanField()))
        )
        cohort = _int_param(self.request, "cohort")
        if cohort is not None:
            qs = qs.filter(cohort_id=cohort)
        learner = _int_param(self.request, "learner")
        if learner is not None:
            # A learner's phase state is their team's; a blind team is never found by its
            # member, or the filter would tell who is on it.
            qs = qs.filter(
                Exists(ExperimentMember.objects.filter(experiment=OuterRef("pk"), user_id=learner)),
                hide_team=False,
            )
        return qs


class ExperimentList(_ExperimentMixin, generics.ListAPIView[Experiment]):
    """Learners: their team's experiments; instructors and coordinators: their cohorts'; the
    superuser: all. Each with its team and the state of its six phases."""

    @extend_schema(
        parameters=[
            OpenApiParameter("cohort", int),
            OpenApiParameter("learner", int, description="A team member's id."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        states = phase_states(page)
        serializer = self.get_serializer(
            page,
            many=True,
            context={**self.get_serializer_context(), "phase_states": lambda e: states[e.pk]},
        )
        return self.get_paginated_response(serializer.data)


class ExperimentDetail(_ExperimentMixin, generics.RetrieveAPIView[Experiment]):
    """Whoever may open the experiment's page (its team, its cohort's staff, the superuser)."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        experiment = self.get_object()
        states = phase_states([experiment])
        serializer = self.get_serializer(
            experiment,
            context={**self.get_serializer_context(), "phase_states": lambda e: states[e.pk]},
        )
        return Response(serializer.data)


def _with_blindness(qs: QuerySet[Submission], user: Any) -> QuerySet[Submission]:
    """Blind review: as on the submission page, only the learner and their team see whose
    answer it is; everyone else gets the answer without its learner."""
    mine = Q(learner=user) | Q(
        Exists(ExperimentMember.objects.filter(experiment=OuterRef("experiment_id"), user=user))
    )
    return qs.select_related("assignment").annotate(
        hide_learner=ExpressionWrapper(
            marking_q("blind_review") & ~mine, output_field=BooleanField()
        )
    )


class SubmissionList(generics.ListAPIView[Submission]):
    """The status of every answer the caller may see on the pages: a learner their own and their
    team's, instructors and coordinators their cohorts', the superuser all. No contents here."""

    serializer_class = s.SubmissionStatusSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("cohort", int),
            OpenApiParameter("experiment", int),
            OpenApiParameter("status", str, enum=Submission.Status.values),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Submission]:
        qs = _with_blindness(submissions_visible_to(self.request.user), self.request.user)
        for name in ("cohort", "experiment"):
            value = _int_param(self.request, name)
            if value is not None:
                qs = qs.filter(**{f"{name}_id": value})
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in Submission.Status.values:
                raise serializers.ValidationError({"status": [_("Choose a status.")]})
            qs = qs.filter(status=wanted)
        return qs


class SubmissionDetail(generics.RetrieveAPIView[Submission]):
    """One answer with its text, for exactly those who may open it on the pages
    (workshops.access.get_submission_for_user); 404 for anyone else."""

    serializer_class = s.SubmissionSerializer

    def get_queryset(self) -> QuerySet[Submission]:
        return _with_blindness(submissions_visible_to(self.request.user), self.request.user)


# --- the gallery and certificates ------------------------------------------------------------


class CardList(generics.ListAPIView[Card]):
    """Gallery cards within the caller's scope (portfolio.access.cards_visible_to): public and
    network cards for everyone signed in, cohort cards for the cohort's members; private cards
    are not in the gallery."""

    serializer_class = s.CardSerializer

    def get_queryset(self) -> QuerySet[Card]:
        return (
            cards_visible_to(self.request.user)
            .exclude(scope=Card.Scope.PRIVATE)
            .select_related("experiment", "organisation")
            .prefetch_related("experiment__themes")
        )


class CertificateVerify(generics.GenericAPIView[Certificate]):
    """Anyone, without a token: whether the certificate with this code is valid, with the
    holder's name, the course and the dates, as on the public verification page."""

    permission_classes = [AllowAny]
    serializer_class = s.CertificateVerificationSerializer

    def get(self, request: Request, code: str) -> Response:
        certificate = get_object_or_404(
            Certificate.objects.only(
                "code", "status", "learner_name", "course_title", "issued_at", "revoked_at"
            ),
            code=code.strip().upper(),
            status=Certificate.Status.ISSUED,
        )
        data = {
            "code": certificate.code,
            "valid": certificate.revoked_at is None,
            "learner_name": certificate.learner_name,
            "course_title": certificate.course_title,
            "issued_at": certificate.issued_at,
            "revoked_at": certificate.revoked_at,
        }
        return Response(self.get_serializer(data).data)


# --- writes ----------------------------------------------------------------------------------


class InvitationListCreate(generics.ListCreateAPIView[Invitation]):
    """The cohort's coordinators and the superuser, as on the invitations page: list the
    invitations, or invite one person (an HR system sending new staff). A read-only token may
    only list."""

    serializer_class = s.InvitationSerializer

    def cohort(self) -> Cohort:
        return get_cohort_for_coordinator(self.request.user, self.kwargs["cohort_pk"])

    def get_queryset(self) -> QuerySet[Invitation]:
        return Invitation.objects.filter(cohort=self.cohort()).select_related("organisation")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = self.cohort()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invitation = learner_services.invitation_invite(
                cohort=cohort, invited_by=request.user, **serializer.validated_data
            )
        except learner_services.EnrolmentError as exc:
            raise _domain_error(exc) from None
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)


class AnnouncementListCreate(generics.ListCreateAPIView[Announcement]):
    """The cohort's instructors and coordinators and the superuser, as on the announcements
    page: list them, or send one to everyone in the cohort now or at `send_at`."""

    serializer_class = s.AnnouncementSerializer

    def cohort(self) -> Cohort:
        return get_cohort_for_staff(self.request.user, self.kwargs["cohort_pk"])

    def get_queryset(self) -> QuerySet[Announcement]:
        return Announcement.objects.filter(cohort=self.cohort())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = self.cohort()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            announcement = notification_services.announcement_create(
                cohort=cohort, author=request.user, **serializer.validated_data
            )
        except DomainError as exc:
            raise _domain_error(exc) from None
        return Response(self.get_serializer(announcement).data, status=status.HTTP_201_CREATED)
