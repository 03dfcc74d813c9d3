"""Fixtures and Hypothesis profiles of the fuzz suite.

`make test` runs the `quick` profile: a few derandomized examples per endpoint and role, the same
ones every run. `make fuzz` runs the `long` profile (FUZZ_PROFILE=long): many random examples,
with failing ones kept in var/hypothesis so that the next run tries them first.
"""

import os

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.fuzz import harness
from tests.fuzz.world import build_world

# Each example runs in its own savepoint (tests/fuzz/harness.py `rolled_back`), so the
# function-scoped database fixture is safe to share between examples.
_SHARED = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    "print_blob": True,
}
settings.register_profile(
    "quick",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 2)),
    derandomize=True,
    database=None,
    **_SHARED,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 150)),
    database=DirectoryBasedExampleDatabase("var/hypothesis"),
    **_SHARED,
)
settings.load_profile(os.environ.get("FUZZ_PROFILE", "quick"))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo-like world, built once per module inside a transaction rolled back at its end:
    each test's own transaction (pytest-django's `db`) nests inside it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def sessions(world):
    """One logged-in session per role, made once per module (each test's client reuses it)."""
    return {role: harness.client_for(world, role).cookies for role in world.users}


@pytest.fixture
def fuzz_client(world, sessions, role):
    client = Client()
    for name, morsel in sessions[role].items():
        client.cookies[name] = morsel.value
    return client


@pytest.fixture
def baseline(world, fuzz_client):
    """Every table as the test found it: each example is rolled back to this."""
    return harness.fingerprint()
