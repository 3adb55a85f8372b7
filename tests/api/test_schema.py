"""The OpenAPI schema validates and documents every endpoint; the documentation page renders it
on the server under the strict Content-Security-Policy."""

from __future__ import annotations

import pytest
import yaml
from django.urls import URLPattern, reverse
from openapi_spec_validator import validate

from api import urls as api_urls

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_and_names_every_endpoint(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    assert schema["openapi"].startswith("3.")
    documented = set(schema["paths"])
    routes = {
        "/" + str(p.pattern).replace("<int:", "{").replace("<str:", "{").replace(">", "}")
        for p in api_urls.urlpatterns
        if isinstance(p, URLPattern)
        and str(p.pattern).startswith("v1/")
        and p.name not in ("schema", "docs")
    }
    # drf-spectacular names a primary key `id` in the path.
    assert {"/api" + r.replace("{pk}", "{id}") for r in routes} == documented
    assert schema["components"]["securitySchemes"]["personalAccessToken"]["scheme"] == "bearer"


def test_the_schema_as_json_for_tools_that_prefer_it(client):
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    validate(response.json())


def test_the_documentation_page_lists_every_operation_without_inline_script(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    body = response.content.decode()
    schema = yaml.safe_load(client.get(reverse("api:schema")).content)
    operations = sum(len(methods) for methods in schema["paths"].values())
    assert body.count('data-testid="operation"') == operations
    assert "/api/v1/cohorts/{cohort_pk}/invitations/" in body
    assert "<script>" not in body
    assert "<script " not in body.replace('<script src="', "")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
