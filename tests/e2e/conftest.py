"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against
pytest-django's live server."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body are
# still synchronous, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), "Browser tests need Debian's chromium (make chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, password):
    """Log a user in through the real login form."""

    def _login(user):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        return page

    return _login


@pytest.fixture(autouse=True)
def _live_database(transactional_db):
    """The live server runs in another thread: tests must commit what it should see."""


@pytest.fixture(autouse=True)
def _role_groups(_live_database):
    """Put back the role groups that the data migration made: the flush after each browser test
    empties every table, and serialized rollback cannot help once Playwright runs its event loop
    (Django then hands the test another connection object, without the serialized data)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    from exchange.roles import ROLE_PERMISSIONS

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        if wanted is None:
            group.permissions.set(Permission.objects.all())
            continue
        chosen = Q(pk__in=[])
        for app_label, codename in wanted:
            chosen |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(chosen))
