"""A form field for files that may be sent ahead of the form (core/staged_uploads.py).

The widget is the usual `<input type="file" multiple>`: without JavaScript the files come with
the form, exactly as before. With it (static/js/staged-uploads.js) each chosen file is sent at
once, with a progress bar, and the form carries a hidden `<name>_staged` token per file. The
field's value is then both: the files posted with the form and the posted tokens' staged files
that belong to the form's person (`owner_id`, set by the form), as UploadedFile objects, so the
services store them as they store any upload. A form shown again after an error lists the
staged files (name, size, a remove button) with their tokens, so they need not be sent again;
after a reload the page's script lists the files it kept in this browser again.

A form may name itself (`form_key`, the same for the same form on every device, such as an
answer's autosave address): its files are then recorded with that key, an unbound form lists
the person's files waiting for it, and a posted one takes them too, so a file added to the
answer on the phone goes with the answer sent from the laptop instead of being left behind.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .staged_uploads import (
    StagedUploadedFile,
    max_file_bytes,
    staged_uploads_for,
    staged_uploads_for_form,
)


class MissingStagedUpload:
    """A posted token with no staged file of this person behind it (used, expired, not theirs)."""

    def __init__(self, token: str) -> None:
        self.token = token


def staged_name(name: str) -> str:
    """The name of the hidden inputs that carry a field's tokens."""
    return f"{name}_staged"


class MultipleFileInput(forms.ClearableFileInput):
    """`<input type="file" multiple>` plus the staged files' tokens. (Its class name keeps the
    widget type templates test for, `multiplefile`.)"""

    allow_multiple_selected = True
    template_name_staged = "core/widgets/staged_files.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        # Set by the form (StagedFilesField.owner_id); None: files come with the form only.
        self.owner_id: int | None = None
        # Set by the form: its files added on any device are listed and sent (module note).
        self.form_key = ""
        self._resolved: tuple[tuple[str, ...], list[Any]] | None = None
        self._for_form: list[StagedUploadedFile] | None = None

    def waiting_for_form(self) -> list[StagedUploadedFile]:
        """The person's files added to this form (on any device) and not sent yet."""
        if self._for_form is None:
            self._for_form = (
                [
                    StagedUploadedFile(row)
                    for row in staged_uploads_for_form(
                        owner_id=self.owner_id, form_key=self.form_key
                    )
                ]
                if self.owner_id is not None and self.form_key
                else []
            )
        return self._for_form

    def _staged(self, tokens: list[str]) -> list[Any]:
        key = tuple(tokens)
        if self._resolved is None or self._resolved[0] != key:
            rows = (
                staged_uploads_for(owner_id=self.owner_id, tokens=tokens)
                if self.owner_id is not None and tokens
                else {}
            )
            self._resolved = (
                key,
                [
                    StagedUploadedFile(rows[t]) if t in rows else MissingStagedUpload(t)
                    for t in dict.fromkeys(tokens)
                ],
            )
        return self._resolved[1]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        posted = super().value_from_datadict(data, files, name)
        if self.owner_id is None or not hasattr(data, "getlist"):
            return posted
        tokens = [t for t in data.getlist(staged_name(name)) if t]
        # Added to this form elsewhere (another device, another tab) after this page was shown.
        elsewhere = [f for f in self.waiting_for_form() if f.token not in tokens]
        if not tokens and not elsewhere:
            return posted
        if posted is False:  # "clear" ticked: not offered by this widget
            posted = []
        if not isinstance(posted, list):
            posted = [posted] if posted else []
        return [*posted, *self._staged(tokens), *elsewhere]

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        field = super().render(name, value, attrs, renderer)
        if self.owner_id is None:
            return field
        staged = [
            {
                "token": f.token,
                "name": f.name,
                "size": filesizeformat(f.size or 0),
            }
            for f in (value if isinstance(value, list) else [])
            if isinstance(f, StagedUploadedFile)
        ]
        return mark_safe(  # noqa: S308 -- a template's output, escaped by it
            render_to_string(
                self.template_name_staged,
                {
                    "field": field,
                    "name": staged_name(name),
                    "input_id": (attrs or {}).get("id") or self.attrs.get("id", ""),
                    "staged": staged,
                    # A posted form's value is a list (perhaps empty); an unbound one has none.
                    "bound": isinstance(value, list),
                    "upload_url": reverse("core:staged_upload"),
                    "max_bytes": max_file_bytes(),
                    "max_size": filesizeformat(max_file_bytes()),
                    "form_key": self.form_key,
                },
            )
        )


class StagedFilesField(forms.FileField):
    """Several files, posted with the form or staged ahead of it; cleans to a list of
    UploadedFile objects. Set `owner_id` (the person filling in the form) to accept staged
    files; without it the field takes only the files that come with the form."""

    widget = MultipleFileInput
    default_error_messages = {
        "missing_staged": _(
            "A file you added earlier is no longer available. Remove it and add it again."
        ),
    }

    @property
    def owner_id(self) -> int | None:
        return getattr(self.widget, "owner_id", None)

    @owner_id.setter
    def owner_id(self, value: int | None) -> None:
        self.widget.owner_id = value

    def bound_data(self, data: Any, initial: Any) -> Any:
        # A file input shows no value; the staged files do (they are listed again). A posted
        # form's list, even with none of them left, tells the widget the form was posted.
        if isinstance(data, list):
            return data
        return super().bound_data(data, initial)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if any(isinstance(d, MissingStagedUpload) for d in items):
            raise forms.ValidationError(
                self.error_messages["missing_staged"], code="missing_staged"
            )
        single = super().clean
        return [single(d, initial) for d in items if d]
