from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_BODY_CHARS, MAX_REASON_CHARS, MAX_TITLE_CHARS

EDITOR_ATTRS = {"rows": 6, "data-course-editor": "1", "class": "form-control"}


class ThreadForm(forms.Form):
    # The rich-text editor hides the textarea: the browser could not point at it as missing.
    use_required_attribute = False

    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE_CHARS)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=EDITOR_ATTRS),
    )
    pinned = forms.BooleanField(label=_("Pin to the top of the list"), required=False)

    def __init__(self, *args: Any, can_pin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_pin:
            del self.fields["pinned"]


class QuestionForm(forms.Form):
    # The rich-text editor hides the textarea: the browser could not point at it as missing.
    use_required_attribute = False

    title = forms.CharField(label=_("Your question in brief"), max_length=MAX_TITLE_CHARS)
    body = forms.CharField(
        label=_("Details"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=EDITOR_ATTRS),
    )


class ReplyForm(forms.Form):
    # The rich-text editor hides the textarea: the browser could not point at it as missing.
    use_required_attribute = False

    body = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs=EDITOR_ATTRS),
    )
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the writer)"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
