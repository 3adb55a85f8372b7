from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .checks import max_file_bytes, too_large_message
from .models import Review


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=50_000,
        error_messages={"required": _("Write your answer before submitting.")},
    )
    attachment = forms.FileField(
        label=_("Attachment (PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["attachment"].help_text = _(
            "A PDF file of at most %(mb)s MB. It is checked after you submit."
        ) % {"mb": max_file_bytes() // (1024 * 1024)}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Submit")))

    def clean_attachment(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > max_file_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )
    feedback = forms.CharField(
        label=_("Feedback to the learner"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20_000,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("decision") == Review.Decision.REVISE and not data.get("feedback", "").strip():
            self.add_error(
                "feedback", _("Tell the learner what to change when you ask for a revision.")
            )
        return data
