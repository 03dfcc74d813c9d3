"""Issue 12, point 1: a coordinator writes an activity in English, Traditional and Simplified
Chinese in the form's language tabs (Bootstrap's own script, under the CSP), and an official
reads it in the language they chose, greeted by their Chinese name."""

import datetime

from playwright.sync_api import expect

from exchange.roles import Role
from placements.models import Activity
from tests.e2e.test_schedule import first_monday_of_next_month
from tests.factories import AttachmentFactory, CohortFactory, ParticipantFactory, UserFactory


def test_coordinator_writes_an_activity_in_three_languages_the_official_reads_theirs(
    page, login, coordinator, department
):
    start = first_monday_of_next_month()
    cohort = CohortFactory(orientation_start=start)
    user = UserFactory(username="sz01", role=Role.PARTICIPANT, first_name="Chen Minghui")
    official = ParticipantFactory(
        cohort=cohort, user=user, name_en="Chen Minghui", name_zh="陈明辉"
    )
    AttachmentFactory(participant=official, department=department)
    day = start + datetime.timedelta(days=2)

    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/activities/new/")
    page.get_by_label("Kind").select_option("site_visit")
    title = page.locator("#div_id_title")
    # One field, three tabs: only the English input shows until its tab is chosen.
    expect(title.get_by_role("tab")).to_have_count(3)
    expect(title.get_by_role("tab", name="English")).to_have_attribute("aria-selected", "true")
    page.get_by_label("Title").fill("Site visit: Hong Kong Science Park")
    traditional = title.get_by_role("textbox", name="繁體中文")
    expect(traditional).to_be_hidden()
    title.get_by_role("tab", name="繁體中文").click()
    expect(traditional).to_be_visible()
    traditional.fill("實地考察：香港科學園")
    title.get_by_role("tab", name="简体中文").click()
    title.get_by_role("textbox", name="简体中文").fill("实地考察：香港科学园")
    location = page.locator("#div_id_location")
    page.get_by_label("Location").fill("Hong Kong Science Park, Sha Tin")
    location.get_by_role("tab", name="简体中文").click()
    location.get_by_role("textbox", name="简体中文").fill("沙田香港科学园")
    page.get_by_label("Starts").fill(f"{day.isoformat()}T10:00")
    page.get_by_label("Ends").fill(f"{day.isoformat()}T12:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#activity-table")).to_contain_text("Site visit: Hong Kong Science Park")

    activity = Activity.objects.get(cohort=cohort, title_en="Site visit: Hong Kong Science Park")
    assert (activity.title_zh_hant, activity.title_zh_hans) == (
        "實地考察：香港科學園",
        "实地考察：香港科学园",
    )
    assert (activity.location_zh_hant or "", activity.location_zh_hans) == ("", "沙田香港科学园")

    page.context.clear_cookies()
    login(user)
    page.select_option("#language-select", "zh-hans")
    expect(page.get_by_role("heading", name="我的日程")).to_be_visible()
    expect(page.locator("nav.navbar")).to_contain_text("陈明辉")
    item = page.locator(".sched-item", has_text="实地考察：香港科学园")
    expect(item).to_be_visible()
    expect(item).to_contain_text("沙田香港科学园")

    # No Traditional place: the Simplified one stands in before the English.
    page.select_option("#language-select", "zh-hant")
    expect(page.get_by_role("heading", name="我的日程")).to_be_visible()
    item = page.locator(".sched-item", has_text="實地考察：香港科學園")
    expect(item).to_be_visible()
    expect(item).to_contain_text("沙田香港科学园")
