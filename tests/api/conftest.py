"""The API's world: the fuzz suite's demo-like world (two cohorts, officials, attachments and
activities in every status, one user per role), with an API token for every signed-in role."""

import pytest
from django.db import transaction

from api.services import api_token_create
from tests.fuzz.world import ROLES, build_world


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at its end: each test's own
    transaction (pytest-django's `db`) nests inside it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            world.api_keys = {
                role: api_token_create(user=user, name=f"{role} system")[1]
                for role, user in world.users.items()
                if user is not None
            }
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def auth_headers(world, role) -> dict:
    key = getattr(world, "api_keys", {}).get(role)
    return {"Authorization": f"Token {key}"} if key else {}


__all__ = ["ROLES", "auth_headers"]
