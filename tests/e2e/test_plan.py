"""Journey: the coordinator has the system suggest a plan, accepts it into the draft, reads the
plan check and publishes; the official sees the placement only once it is published."""

import datetime

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from exchange.models import CityQuota
from exchange.roles import Role
from participants.models import HostPreference
from tests.factories import (
    CityFactory,
    CohortFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)


def test_suggest_accept_check_publish_and_the_official_sees_it_only_then(
    page, login, coordinator, department, password
):
    cohort = CohortFactory(
        name="Plan cohort",
        orientation_start=datetime.date(2027, 3, 1),
        orientation_end=datetime.date(2027, 3, 5),
    )
    city = CityFactory(code="SZ", name_en="Shenzhen")
    CityQuota.objects.create(cohort=cohort, city=city, seats=5)
    transport = HostDepartmentFactory(abbreviation="TD", name_en="Transport Department")
    HostCapacityFactory(cohort=cohort, department=department, seats=1)
    HostCapacityFactory(cohort=cohort, department=transport, seats=1)
    user = UserFactory(username="chen", email="chen@example.org")
    user.groups.add(Group.objects.get(name=Role.PARTICIPANT.value))
    chen = ParticipantFactory(
        cohort=cohort, home_city=city, name_en="Chen Minghui", user=user, status="confirmed"
    )
    lin = ParticipantFactory(cohort=cohort, home_city=city, name_en="Lin Xiaoyan")
    HostPreference.objects.create(participant=chen, department=transport, rank=1)
    HostPreference.objects.create(participant=lin, department=department, rank=1)

    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/plan/")
    page.get_by_role("button", name="Suggest placements").click()
    expect(page.get_by_role("heading", name="Suggested plan")).to_be_visible()
    expect(page.locator("#suggestion-score")).to_contain_text("2 official(s) placed")
    rows = page.locator("#suggestion-rows tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Chen Minghui")).to_contain_text("1st choice")
    page.get_by_role("button", name="Accept the whole plan").click()

    # The plan check: the draft, its findings, and what publishing will send.
    expect(page.locator("#findings-heading")).to_have_text("Plan check")
    expect(page.locator("#draft-rows")).to_contain_text("Chen Minghui")
    expect(page.locator("#findings")).to_contain_text("No host supervisor is named")
    expect(page.get_by_text("2 draft attachments of 2 official(s)")).to_be_visible()

    # Before publishing, the official does not see the draft.
    official = page.context.browser.new_context(base_url=page.url.split("/cohorts")[0])
    official_page = official.new_page()
    official_page.goto("/accounts/login/")
    official_page.get_by_label("Username").fill("chen")
    official_page.get_by_label("Password").fill(password)
    official_page.get_by_role("button", name="Log in").click()
    official_page.goto("/me/schedule/")
    expect(official_page.get_by_text("Attachment: Transport Department")).to_have_count(0)

    page.get_by_role("button", name="Publish the whole draft").click()
    expect(page.get_by_text("Published 2 attachments of 2 official(s)")).to_be_visible()

    official_page.reload()
    expect(official_page.get_by_text("Attachment: Transport Department").first).to_be_visible()
    official.close()
