"""One answer for a refused one-off action: the translated message, a way back and a 4xx.

Bad input always gets a clear error and an HTTP 4xx; nothing is half-saved. Views call
``action_refused`` instead of ``messages.error`` + redirect, which would answer 302.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

FULL_TEMPLATE = "core/action_refused.html"
PARTIAL_TEMPLATE = "core/includes/_action_refused.html"


def action_refused(
    request: HttpRequest, message: str, *, back_url: str, status: int = 400, kept_text: str = ""
) -> HttpResponse:
    """The page (or, for htmx, only the alert) that says why the action was not done.

    ``message`` is already translated; ``status`` is 400 for invalid input, 409 for a state
    conflict and 503 when the server cannot do it right now. ``kept_text``: what the person
    wrote and the refusal did not save, shown to copy (never lost with the page).
    """
    template = PARTIAL_TEMPLATE if getattr(request, "htmx", False) else FULL_TEMPLATE
    context = {"message": message, "back_url": back_url, "kept_text": kept_text}
    return render(request, template, context, status=status)
