"""The staged-upload endpoint: one file as a request body, ahead of the form that uses it
(core/staged_uploads.py, static/js/staged-uploads.js)."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .staged_uploads import StagedUploadError, staged_upload_discard, staged_upload_receive


@require_POST
def staged_upload(request: HttpRequest) -> JsonResponse:
    """Anyone signed in (403 otherwise), with the CSRF token in X-CSRFToken: the body is the
    file (X-File-Name its percent-encoded name, Content-Type its type, X-Upload-Form the form
    it was added to if the form names one), written to the private disk or bucket as it
    arrives. Answers 201 with {token, name, size, size_display}; a file refused (too large:
    413, 30 already waiting: 429, empty, not whole) with {error}, a message for the person."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Sign in again to add files.")}, status=403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        length = None
    try:
        staged = staged_upload_receive(
            owner=request.user,
            stream=request,
            length=length,
            name=unquote(request.headers.get("X-File-Name", "")),
            content_type=request.META.get("CONTENT_TYPE", ""),
            # The form the file was added to (X-Upload-Form, from the field's data-form-key):
            # the same form on the person's other devices lists it too.
            form_key=request.headers.get("X-Upload-Form", ""),
        )
    except StagedUploadError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(
        {
            "token": staged.token,
            "name": staged.name,
            "size": staged.size,
            "size_display": filesizeformat(staged.size),
        },
        status=201,
    )


@require_POST
def staged_upload_discard_view(request: HttpRequest, token: str) -> HttpResponse:
    """The person who sent the file (404 for anyone else, 403 signed out): a file removed from
    the form before it was sent is removed at once instead of waiting for the sweeper."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Sign in again to add files.")}, status=403)
    if not staged_upload_discard(owner=request.user, token=token):
        raise Http404
    return HttpResponse(status=204)
