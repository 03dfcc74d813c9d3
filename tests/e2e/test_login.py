"""Every role logs in through the browser and lands on its main page."""

from playwright.sync_api import expect


def test_coordinator_logs_in_and_switches_language(page, login, coordinator):
    login(coordinator)
    expect(page.get_by_role("heading", name="Cohorts")).to_be_visible()
    page.select_option("#language-select", "zh-hant")
    expect(page.get_by_role("heading", name="梯次")).to_be_visible()
