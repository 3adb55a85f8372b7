"""The API's errors: JSON in the caller's language, whatever raised them."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions, views
from rest_framework.response import Response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, except that a 404 never passes on Django's English message, which names
    the model ("No Cohort matches the given query."): it says DRF's translated "Not found.", as
    for every other object out of reach."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return views.exception_handler(exc, context)
