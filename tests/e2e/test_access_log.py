"""Admin journey: an official's page read in the browser shows up in the access log, where the
admin filters it by kind, finds it by the official's name and opens it (read-only)."""

from playwright.sync_api import expect

from participants.models import AccessLog
from tests.factories import ParticipantFactory


def test_admin_finds_a_read_of_an_official_in_the_access_log(page, login, admin_user):
    chen = ParticipantFactory(name_en="Chen Minghui", name_zh="陈明辉")
    ParticipantFactory(name_en="Wang Lei")

    login(admin_user)
    page.goto(chen.get_absolute_url())
    expect(page.get_by_role("heading", name="Chen Minghui")).to_be_visible()
    page.goto("/admin/participants/participant/")  # the list of officials, with their emails
    assert AccessLog.objects.filter(kind=AccessLog.Kind.OFFICIAL_PAGE).count() == 1

    page.goto("/admin/participants/accesslog/")
    expect(page.get_by_role("link", name="Add access log entry")).to_have_count(0)
    page.locator("#changelist-filter").get_by_role("link", name="Official's page").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    page.locator("#searchbar").fill("Chen Minghui")
    page.locator("#changelist-search").get_by_role("button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(admin_user.username)
    rows.first.locator("a").first.click()

    expect(page.locator(".field-officials_read")).to_contain_text("Chen Minghui")
    expect(page.locator(".field-officials_read")).not_to_contain_text("Wang Lei")
    expect(page.locator(".field-kind")).to_contain_text("Official's page")
    # Read-only: no save button.
    expect(page.locator("input[name=_save]")).to_have_count(0)

    page.goto("/admin/participants/accesslog/?q=Wang+Lei")
    # Wang Lei was only read with everyone on the list: one contacts entry, no page of theirs.
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr").first).to_contain_text("Contact details")
