"""The API fuzzed from its own OpenAPI schema (the one /api/schema/ serves) with Schemathesis, as
every role: each operation gets generated requests, half of them aimed at the world's real ids,
and every response must be no 5xx, of a status the schema lists, JSON, and shaped as the schema
says for that status. `make test` runs a few derandomized examples per operation and role
(API_FUZZ_EXAMPLES for more)."""

import os

import pytest
import schemathesis
import yaml
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.models import Cohort, HostDepartment
from participants.models import Participant
from placements.models import Activity, Attachment
from tests.api.conftest import ROLES, auth_headers

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", 4))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# The model each operation's `{id}` names, told by the path's first segment after /api/.
PATH_MODELS = {
    "cohorts": Cohort,
    "departments": HostDepartment,
    "participants": Participant,
    "attachments": Attachment,
    "activities": Activity,
}

ID_MODELS = {"participant": Participant, "department": HostDepartment, "cohort": Cohort}


def served_schema() -> dict:
    """The schema as /api/schema/ serves it (generated without a database: read at collection)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _cases():
    """(method, path, mode) for every operation: valid requests (positive), and invalid ones
    (negative) where the operation reads a body or a query. One whose only input is the path's
    id has no negative case Schemathesis can send (a wrong type in a path is another address,
    answered by api:not_found, tested in tests/api/test_views.py)."""
    for path, methods in served_schema()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, GenerationMode.POSITIVE
            takes_input = "requestBody" in operation or any(
                p["in"] == "query" for p in operation.get("parameters", [])
            )
            if takes_input:
                yield method.upper(), path, GenerationMode.NEGATIVE


CASES = list(_cases())


@pytest.fixture(scope="module")
def schema(api_world):
    client = Client()
    response = client.get("/api/schema/", headers=auth_headers(api_world, "admin"))
    assert response.status_code == 200
    loaded = schemathesis.openapi.from_dict(yaml.safe_load(response.content))
    loaded.app = WSGIHandler()
    return loaded


@pytest.fixture
def in_test_transaction():
    """Requests go through Django's WSGI handler in this thread, inside the test's transaction:
    like Django's test client, keep the handler from closing that connection after each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _real_ids(world, path: str) -> list[int]:
    segment = path.removeprefix("/api/").split("/")[0]
    return world.ids(PATH_MODELS[segment])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=str)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    api_world, schema, in_test_transaction, role, method, path, mode
):
    operation = schema[path][method]
    headers = auth_headers(api_world, role)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), aim=st.booleans(), data=st.data())
    def run(case, aim, data):
        if aim:
            # Aim the request at real objects: the path's id, and the ids a body or filter names.
            if "id" in (case.path_parameters or {}):
                case.path_parameters["id"] = data.draw(st.sampled_from(_real_ids(api_world, path)))
            for container in (case.query, case.body):
                if isinstance(container, dict):
                    for name in ("participant", "department", "cohort"):
                        if name in container:
                            ids = api_world.ids(ID_MODELS[name])
                            container[name] = data.draw(st.sampled_from(ids))
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        if role == "anonymous":
            # Nothing for anonymous callers, bar the 404 of an address no operation has (a
            # negative case's malformed id, say).
            assert response.status_code == 401 or (
                response.status_code == 404
                and response.json() == {"detail": "The API has no such address."}
            )

    run()
