"""HTML pages of the API: the person's own access tokens and the documentation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator

from core.errors import DomainError
from core.http import AuthenticatedHttpRequest

from . import services
from .forms import TokenForm
from .models import ApiToken

NEW_TOKEN_SESSION_KEY = "api_new_token"  # noqa: S105  (a session key name)


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person: their own access tokens; create one (its secret shown once)."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # Shown on the next page only, then gone: the database keeps only its hash.
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "secret": raw}
            return redirect("api:tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The token's owner only: another person's token id is refused like an unknown one."""
    if services.token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("The token was revoked; it no longer works."))
    else:
        messages.error(request, _("No such token in use."))
    return redirect("api:tokens")


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    components = schema.get("components", {}).get("schemas", {})

    def fields(ref: dict[str, Any] | None) -> list[dict[str, Any]]:
        if not ref:
            return []
        name = ref.get("$ref", "").rsplit("/", 1)[-1]
        component = components.get(name, ref)
        required = set(component.get("required", []))
        return [
            {
                "name": field,
                "type": spec.get("type") or spec.get("$ref", "").rsplit("/", 1)[-1] or "object",
                "required": field in required,
                "read_only": spec.get("readOnly", False),
                "description": spec.get("description", ""),
                "enum": spec.get("enum", []),
            }
            for field, spec in component.get("properties", {}).items()
        ]

    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            body = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            ok: dict[str, Any] = next(
                (
                    response
                    for code, response in operation.get("responses", {}).items()
                    if code.startswith("2")
                ),
                {},
            )
            response = ok.get("content", {}).get("application/json", {}).get("schema") or {}
            if "$ref" in response and response["$ref"].rsplit("/", 1)[-1].startswith("Paginated"):
                paginated = components[response["$ref"].rsplit("/", 1)[-1]]
                response = paginated["properties"]["results"]["items"]
            elif response.get("type") == "array":
                response = response["items"]
            operations.append(
                {
                    "id": operation.get("operationId", ""),
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "request": fields(body),
                    "response": fields(response),
                    "write": method.upper() not in ("GET", "HEAD", "OPTIONS"),
                }
            )
    return operations


def docs(request: HttpRequest) -> HttpResponse:
    """Anyone: the API's documentation, rendered on the server from the OpenAPI schema (no
    inline script, so the strict Content-Security-Policy holds)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "api/docs.html",
        {"info": schema["info"], "operations": _operations(schema)},
    )
