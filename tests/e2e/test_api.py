"""Admin journey for the API: issue a token for another system in the admin, see its key once,
use it, and read the API's documentation (Swagger UI from static files, under the CSP)."""

import re

from playwright.sync_api import expect

from api.models import ApiToken
from exchange.roles import Role
from tests.factories import UserFactory


def test_an_admin_issues_a_token_and_reads_the_api_docs(page, login):
    admin = UserFactory(username="e2e-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    UserFactory(username="hr-system", role=Role.COORDINATOR)
    login(admin)

    page.goto("/admin/api/apitoken/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("hr-system")
    page.get_by_role("option", name="hr-system").click()
    page.get_by_label("Name").fill("HR system")
    page.get_by_role("button", name="Save", exact=True).click()

    message = page.locator(".messagelist .warning")
    expect(message).to_contain_text("Copy it now")
    key = re.search(r"is (\S+)\. Copy it now", message.inner_text()).group(1)
    token = ApiToken.objects.get(name="HR system")
    assert token.user.username == "hr-system"
    assert key.startswith(token.prefix) and key not in token.key_hash
    # The key is shown once: the token's page has only its prefix.
    page.goto(f"/admin/api/apitoken/{token.pk}/change/")
    expect(page.get_by_text(token.prefix, exact=True)).to_be_visible()
    assert key not in page.content()

    answer = page.request.get("/api/cohorts/", headers={"Authorization": f"Token {key}"})
    assert answer.status == 200
    assert answer.json()["count"] == 0

    page.goto("/api/docs/")
    expect(page.get_by_text("Exchange placements API").first).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="attachments")).to_be_visible()
    expect(page.get_by_text("Assign an official to a host department").first).to_be_visible()
