"""What the API shows of each object: no more than the page that shows the same object."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.dates import within_calendar
from core.models import Organisation
from learners.models import Cohort, Invitation, Membership
from notifications.models import Announcement
from portfolio.models import Card
from workshops.models import Experiment, Submission


class CohortSerializer(serializers.ModelSerializer[Cohort]):
    course_id = serializers.IntegerField(read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    learner_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = [
            "id",
            "name",
            "course_id",
            "course_title",
            "start_date",
            "end_date",
            "learner_count",
        ]


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()
    organisation = serializers.CharField(source="organisation.name", default=None, allow_null=True)


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    person = PersonSerializer(source="user")

    class Meta:
        model = Membership
        fields = ["id", "cohort_id", "role", "joined_at", "person"]


class ModuleProgressSerializer(serializers.Serializer[Any]):
    module_id = serializers.IntegerField()
    title = serializers.CharField()
    done = serializers.IntegerField(help_text="Published items the learner has done.")
    total = serializers.IntegerField(help_text="Published items in the module.")


class LearnerProgressSerializer(serializers.Serializer[Any]):
    membership_id = serializers.IntegerField(source="pk")
    learner_id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    modules = ModuleProgressSerializer(many=True)


class PhaseStateSerializer(serializers.Serializer[Any]):
    phase = serializers.IntegerField()
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["approved", "open", "locked"])
    latest_status = serializers.CharField(allow_null=True)
    latest_version = serializers.IntegerField(allow_null=True)


class TeamMemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")


class ExperimentSerializer(serializers.ModelSerializer[Experiment]):
    workshop_title = serializers.CharField(source="workshop.title", read_only=True)
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    team = serializers.SerializerMethodField(
        help_text="Empty under blind review for anyone not on the team."
    )
    phases = serializers.SerializerMethodField()

    class Meta:
        model = Experiment
        fields = [
            "id",
            "title",
            "cohort_id",
            "workshop_id",
            "workshop_title",
            "phase",
            "phase_label",
            "cycle",
            "status",
            "team",
            "phases",
        ]

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, experiment: Experiment) -> list[dict[str, Any]]:
        if getattr(experiment, "hide_team", False):
            return []
        return TeamMemberSerializer(experiment.members.all(), many=True).data

    @extend_schema_field(PhaseStateSerializer(many=True))
    def get_phases(self, experiment: Experiment) -> list[dict[str, Any]]:
        return self.context["phase_states"](experiment)


class SubmissionStatusSerializer(serializers.ModelSerializer[Submission]):
    learner_id = serializers.IntegerField(
        allow_null=True, read_only=True, help_text="Null under blind review for anyone else."
    )
    assignment_title = serializers.CharField(source="assignment.title", read_only=True)
    phase = serializers.IntegerField(source="assignment.phase", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "assignment_id",
            "assignment_title",
            "phase",
            "cohort_id",
            "learner_id",
            "experiment_id",
            "cycle",
            "version",
            "status",
            "is_late",
            "due_on",
            "submitted_at",
        ]

    def to_representation(self, instance: Submission) -> dict[str, Any]:
        data = super().to_representation(instance)
        if getattr(instance, "hide_learner", False):
            data["learner_id"] = None
        return data


class SubmissionSerializer(SubmissionStatusSerializer):
    class Meta(SubmissionStatusSerializer.Meta):
        fields = [*SubmissionStatusSerializer.Meta.fields, "text"]


class CardSerializer(serializers.ModelSerializer[Card]):
    organisation = serializers.CharField(
        source="organisation.name", default=None, allow_null=True, read_only=True
    )
    phase = serializers.IntegerField(source="experiment.phase", read_only=True)
    themes = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = [
            "id",
            "title",
            "summary",
            "scope",
            "outcome",
            "organisation",
            "phase",
            "themes",
            "results",
            "lessons",
            "published_at",
            "url",
        ]

    def to_representation(self, card: Card) -> dict[str, Any]:
        # The gallery's card: while changes to a public card wait for a coordinator (or were
        # declined), its approved version, as the gallery pages show it.
        from portfolio.selectors import card_as_published

        return super().to_representation(card_as_published(card))

    def get_themes(self, card: Card) -> list[str]:
        return [theme.code for theme in card.experiment.themes.all()]

    def get_url(self, card: Card) -> str:
        from django.urls import reverse

        return settings.SITE_URL + reverse("portfolio:card", args=[card.pk])


class CertificateVerificationSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    valid = serializers.BooleanField(help_text="Issued and not revoked.")
    learner_name = serializers.CharField()
    course_title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(OpenApiTypes.STR)
class OrganisationByName(serializers.RelatedField[Organisation, Organisation, str]):
    """An organisation by its name in any letter case, as the CSV import finds it."""

    default_error_messages = {
        "does_not_exist": _("Unknown organisation"),
        "invalid": _("Unknown organisation"),
    }

    def to_internal_value(self, data: Any) -> Organisation | None:
        if not isinstance(data, str):
            self.fail("invalid")
        if not data.strip():
            return None
        # unicode_iexact (core/lookups.py): "ähtäri" is Ähtäri on SQLite too.
        found = self.get_queryset().filter(name__unicode_iexact=data.strip()).first()
        if found is None:
            self.fail("does_not_exist")
        return found

    def to_representation(self, value: Organisation) -> str:
        return value.name


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.LEARNER)
    # Left out: the site's default language for the invitation email.
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    # The person's organisation (municipality), as on the invitation form (by id) or in the CSV
    # import (by name); either one, or neither for none.
    organisation_id = serializers.PrimaryKeyRelatedField(
        source="organisation",
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("Unknown organisation")},
        help_text="The person's organisation (municipality) by id, as on the invitation form.",
    )
    organisation = OrganisationByName(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text="Or by name, in any letter case, as in the CSV import; not both.",
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "cohort_id",
            "email",
            "first_name",
            "last_name",
            "organisation_id",
            "organisation",
            "role",
            "language",
            "status",
            "email_status",
            "created_at",
            "expires_at",
        ]
        read_only_fields = ["id", "cohort_id", "status", "email_status", "created_at", "expires_at"]
        # The service renews a revoked or expired invitation to the same address.
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Both fields write `organisation`; given both, the caller could mean either.
        given = getattr(self, "initial_data", {})
        if (
            given.get("organisation_id") is not None
            and str(given.get("organisation") or "").strip()
        ):
            raise serializers.ValidationError(
                _("Give the organisation either by id or by name, not both.")
            )
        return attrs


class CalendarDateTimeField(serializers.DateTimeField):
    """A moment of 1900-2099 (core.dates.within_calendar), as in the pages' date-and-time
    boxes (core.forms.CalendarDateTimeField), with the pages' translated errors."""

    default_validators = [within_calendar]

    def fail(self, key: str, **kwargs: Any) -> None:  # DRF: always raises
        if key == "overflow":
            # Only a moment far outside the calendar overflows on its way to local time: say
            # so in the calendar's words, not DRF's untranslated "Datetime value out of range."
            within_calendar(datetime.date.max)
        super().fail(key, **kwargs)


class AnnouncementSerializer(serializers.ModelSerializer[Announcement]):
    send_at = CalendarDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Leave out to send now."),
    )

    class Meta:
        model = Announcement
        fields = ["id", "cohort_id", "subject", "body", "send_at", "status", "created_at"]
        read_only_fields = ["id", "cohort_id", "status", "created_at"]
