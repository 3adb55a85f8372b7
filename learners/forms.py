from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.forms import LAST_DAY, CalendarDateField
from core.models import Organisation
from courses.models import Course

from .models import Cohort, Membership


class CohortForm(forms.Form):
    course: forms.ModelChoiceField[Course] = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = CalendarDateField(label=_("Start date"))
    end_date = CalendarDateField(label=_("End date"))

    def __init__(self, *args: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Course]", self.fields["course"]).queryset = courses

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The cohort must end on or after the day it starts."))
        return data


class CohortCopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the new cohort"), max_length=200)
    start_date = CalendarDateField(
        label=_("Start date"),
        help_text=_("The end date and the course dates move by the same number of days."),
    )

    def __init__(self, *args: Any, source: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source

    def clean_start_date(self) -> datetime.date:
        start: datetime.date = self.cleaned_data["start_date"]
        # The copy ends as many days after its start as the source does.
        if start + (self.source.end_date - self.source.start_date) > LAST_DAY:
            raise forms.ValidationError(
                _("The copy would end after %(last)s. Choose an earlier start date."),
                params={"last": date_format(LAST_DAY, "SHORT_DATE_FORMAT")},
            )
        return start


class CohortSettingsForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["self_enrolment_open", "inactivity_days", "revision_days", "review_target_days"]

    def clean_inactivity_days(self) -> int:
        value = self.cleaned_data["inactivity_days"]
        if not 1 <= value <= 365:
            raise forms.ValidationError(_("Choose between 1 and 365 days."))
        return int(value)

    def clean_revision_days(self) -> int:
        value = self.cleaned_data["revision_days"]
        if not 1 <= value <= 365:
            raise forms.ValidationError(_("Choose between 1 and 365 days."))
        return int(value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left out of a form posted without it, the cohort keeps its current target.
        self.fields["review_target_days"].required = False

    def clean_review_target_days(self) -> int:
        value = self.cleaned_data["review_target_days"]
        if value is None:
            return int(self.instance.review_target_days)
        if not 1 <= value <= 365:
            raise forms.ValidationError(_("Choose between 1 and 365 days."))
        return int(value)


class InvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"))
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.LEARNER
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )


class InvitationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: name, email, organisation, role (learner, instructor or coordinator) "
            "and language (Finnish, Swedish or English; Finnish if left empty). "
            "You will see a preview before anything is sent."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(label=_("Cohort code"), max_length=20)


def default_copy_start(cohort: Cohort) -> datetime.date:
    """Suggest the same dates a year later."""
    start = cohort.start_date
    if start.year >= LAST_DAY.year:  # at the calendar's end (saved before it was bounded)
        return start
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start + datetime.timedelta(days=365)


class FunderReportForm(forms.Form):
    """The period of a funder report; the cohorts are the coordinator's own that ran in it."""

    MAX_DAYS = 3 * 366

    # ISO in the box whatever the language: a date input shows nothing for "01.01.2026".
    start = CalendarDateField(label=_("From"))
    end = CalendarDateField(label=_("To"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(
                    _("The end of the period must not be before its start.")
                )
            if (end - start).days > self.MAX_DAYS:
                raise forms.ValidationError(_("A report can cover at most three years."))
        return data
