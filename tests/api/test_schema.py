"""The OpenAPI schema: served at /api/schema/ to anyone signed in, committed in docs/openapi.yaml
(regenerate it with `python manage.py spectacular --file docs/openapi.yaml`), drawn by Swagger
UI for admins only, from static files."""

from pathlib import Path

import pytest
import yaml
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from tests.api.conftest import auth_headers

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def generated() -> bytes:
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return OpenApiYamlRenderer().render(schema, renderer_context={})


def test_the_committed_schema_is_the_generated_one():
    committed = (ROOT / "docs" / "openapi.yaml").read_bytes()
    assert committed == generated(), (
        "docs/openapi.yaml is out of date: run "
        "`python manage.py spectacular --file docs/openapi.yaml` and commit it."
    )


def test_every_operation_documents_its_refusals_as_json():
    schema = yaml.safe_load(generated())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path)


@pytest.mark.parametrize("role", ["participant", "liaison", "coordinator", "admin"])
def test_the_schema_is_served_to_every_signed_in_system(client, api_world, role):
    response = client.get("/api/schema/", headers=auth_headers(api_world, role))
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Exchange placements API"


def test_the_schema_is_not_served_to_anonymous_callers(client):
    response = client.get("/api/schema/")
    assert response.status_code == 401
    assert yaml.safe_load(response.content) == {
        "detail": "Authentication credentials were not provided."
    }


@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/?script="])
def test_the_documentation_page_is_for_admins_only(client, api_world, url):
    for role in ("participant", "liaison", "coordinator"):
        assert client.get(url, headers=auth_headers(api_world, role)).status_code == 403
    assert client.get(url).status_code == 401
    client.force_login(api_world.users["admin"])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    # Served from the sidecar's static files, never a CDN.
    assert "cdn" not in page.lower()
    assert "http" not in page.replace("/api/schema/", "").lower() or "script" in url
    if "script" not in url:
        assert "/static/drf_spectacular_sidecar/" in page
