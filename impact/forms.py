from __future__ import annotations

from typing import Any, cast

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import CalendarDateField, DecimalCommaField

from .models import OUTCOME_COLUMNS, Indicator, Measurement, PlanFeedback, Statement
from .rubric import PARTS


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Statement"),
        max_length=Statement.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The text as it was when the editor opened it: a team mate's save since is not overwritten
    # (services.statement_update).
    based_on = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        # In pairs for the two-column inline form: unit and source, baseline and target.
        fields = [
            "name",
            "statement",
            "unit",
            "data_source",
            "baseline",
            "target",
            "measured_when",
        ]
        # Typed with a decimal comma ("9,5") or point, spaces between thousands (core.forms).
        field_classes = {"baseline": DecimalCommaField, "target": DecimalCommaField}

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Statement]", self.fields["statement"])
        field.queryset = (
            Statement.objects.filter(plan=plan, column__in=OUTCOME_COLUMNS).order_by(
                "-column", "position", "pk"
            )
            if plan is not None
            else Statement.objects.none()
        )
        # Replacing the method on this one field (rather than a subclass); mypy flags any
        # assignment to a method.
        field.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj.get_column_display()}: {obj.text}"
        )
        field.help_text = _("The short-term outcome or long-term impact this indicator measures.")
        for name in ("baseline", "target"):
            value = getattr(self.instance, name, None)
            if value is not None and not self.is_bound:
                # "400", not "400.00", in the box (as on the plan page).
                integral = value.to_integral_value()
                self.initial[name] = integral if value == integral else value.normalize()
        self.fields["baseline"].help_text = _("The value before the experiment.")
        self.fields["target"].help_text = _("The value you aim for.")
        self.helper = FormHelper()
        self.helper.form_tag = False


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = ["value", "measured_on", "note"]
        field_classes = {"value": DecimalCommaField, "measured_on": CalendarDateField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate
        self.helper = FormHelper()
        self.helper.form_tag = False


class PlanFeedbackForm(forms.Form):
    """A level and a comment for each part of the impact rubric."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for part in PARTS:
            self.fields[f"level_{part.code}"] = forms.TypedChoiceField(
                label=part.title,
                choices=[("", _("No level"))]
                + [
                    (value, f"{value} {label} – {part.descriptors[value - 1]}")
                    for value, label in PlanFeedback.Level.choices
                ],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[f"comment_{part.code}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def parts(self) -> dict[str, tuple[int | None, str]]:
        return {
            part.code: (
                self.cleaned_data.get(f"level_{part.code}"),
                self.cleaned_data.get(f"comment_{part.code}", ""),
            )
            for part in PARTS
        }
