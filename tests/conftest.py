"""Shared fixtures: one user per role, and a guard that fails any test that logs an ERROR."""

import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from exchange.roles import Role
from tests.factories import PASSWORD, HostDepartmentFactory, ParticipantFactory, UserFactory


@pytest.fixture(autouse=True)
def _fail_on_error_logs(request, caplog):
    caplog.set_level(logging.WARNING)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, "ERROR logged during the test: " + "; ".join(r.getMessage() for r in errors)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The test settings' cache is this process's memory: rate-limit counters start at zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request in Chinese leaves its language active in the thread. Factories give translated
    # fields by their plain name (`title=`), which modeltranslation writes to the active
    # language: every test starts, and ends, in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def admin_user(db):
    return UserFactory(username="test-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="test-coordinator", role=Role.COORDINATOR, is_staff=True)


@pytest.fixture
def department(db):
    return HostDepartmentFactory(abbreviation="DPO", name_en="Digital Policy Office")


@pytest.fixture
def liaison(db, department):
    user = UserFactory(username="test-liaison", role=Role.LIAISON)
    department.liaisons.add(user)
    return user


@pytest.fixture
def participant_user(db):
    return UserFactory(username="test-participant", role=Role.PARTICIPANT)


@pytest.fixture
def participant(db, participant_user):
    """The Participant row of `participant_user`."""
    return ParticipantFactory(user=participant_user, email=participant_user.email)


@pytest.fixture
def role_groups(db):
    """The role groups exactly as `exchange.roles` defines them. The post-flush resync in
    `exchange.apps` normally restores them after a transactional test; tests that create users
    in threads or behind a live server request this to be sure they exist first."""
    from django.apps import apps

    from exchange.roles import sync_role_groups

    sync_role_groups(apps)
