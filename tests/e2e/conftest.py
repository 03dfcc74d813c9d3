"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against
pytest-django's live server."""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

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

# How long an action or an expectation may wait. A passing run never waits this long; the defaults
# (10 s for actions, 5 s for `expect`) leave little room for the first pages of a run on a busy
# machine (templates compiled on first use, Chromium's first render of the CJK fonts, other suites
# on the two cores), where a browser test can fail once and pass when run again.
ACTION_TIMEOUT_MS = 30_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)

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


# Reported from every page of the context before its own scripts run (an init script is not
# subject to the page's CSP), and read back from the console.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI);
});
"""


@pytest.fixture
def csp_violations():
    """What the Content-Security-Policy refused on any page of the test (console messages and
    `securitypolicyviolation` events). `page` fails the test if any is left at the end."""
    return []


@pytest.fixture
def page(browser, live_server, csp_violations):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def watch(page):
        def on_console(message):
            text = message.text
            if "Content Security Policy" in text or text.startswith("CSP violation"):
                csp_violations.append(f"{page.url}: {text}")

        page.on("console", on_console)

    context.on("page", watch)
    page = context.new_page()
    yield page
    context.close()
    assert not csp_violations, "CSP violations:\n" + "\n".join(csp_violations)


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
def _role_groups(_live_database, role_groups):
    """Every browser test starts with the role groups in place (see `role_groups`)."""


@pytest.fixture
def demo_site(_live_database):
    """The demo cohort of `seed_demo` (30 officials, ten departments, their activities), its
    orientation a fortnight ago so that the stays are under way. Demo logins: `demo_login`."""
    import datetime

    from django.core.management import call_command

    today = datetime.date.today()
    start = today - datetime.timedelta(days=14 + today.weekday())
    call_command("seed_demo", "--cohort-start", start.isoformat(), "--quiet-logins")


@pytest.fixture
def demo_login(page):
    """Log a demo account in (README: every demo account has the same password)."""
    from demo.seed import DEMO_PASSWORD

    def _login(username):
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{username} could not log in"
        return page

    return _login
