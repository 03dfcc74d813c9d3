"""Personal data journeys: an admin shreds a cohort past its retention period; an official
downloads what the system holds on them."""

import datetime
import zipfile

from playwright.sync_api import expect

from exchange.roles import Role
from participants.models import Participant
from placements.models import ShredLog
from tests.factories import (
    AttachmentFactory,
    CityFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)


def test_admin_shreds_a_cohort_past_retention(page, login, admin_user):
    cohort = CohortFactory(
        name="Autumn 2011",
        orientation_start=datetime.date(2011, 9, 5),
        orientation_end=datetime.date(2011, 9, 9),
    )
    CohortFactory(name="This year")
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen")
    dpo = HostDepartmentFactory(abbreviation="DPO", name_en="Digital Policy Office")
    for name, email in [("Xu Jiahui", "xu.jiahui@example.cn"), ("Li Wen", "li.wen@example.cn")]:
        official = ParticipantFactory(
            cohort=cohort, home_city=shenzhen, name_en=name, email=email, user=UserFactory()
        )
        AttachmentFactory(
            participant=official,
            department=dpo,
            start=datetime.date(2011, 9, 12),
            end=datetime.date(2011, 10, 30),
        )

    login(admin_user)
    page.get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", name="Programme statistics")).to_be_visible()
    statistics = page.locator("#stats-cities").inner_text()
    assert "Shenzhen" in statistics

    page.goto("/cohorts/")
    page.get_by_role("link", name="Retention").click()
    due = page.locator("#cohorts-due")
    expect(due).to_contain_text("Autumn 2011")
    expect(due).not_to_contain_text("This year")
    due.get_by_role("link", name="Shred…").click()

    expect(
        page.get_by_role("heading", name="Shred the personal data of Autumn 2011")
    ).to_be_visible()
    plan = page.locator("#shred-plan")
    expect(plan.locator("tr", has_text="participants_participant")).to_contain_text("2")
    # A wrong name shreds nothing.
    page.get_by_label("Type the cohort's name to confirm").fill("Autumn 2012")
    page.get_by_role("button", name="Shred for good").click()
    expect(page.get_by_text("Type the cohort's name exactly as shown to confirm.")).to_be_visible()
    assert Participant.objects.filter(name_en="Xu Jiahui").exists()

    page.get_by_label("Type the cohort's name to confirm").fill("Autumn 2011")
    page.get_by_role("button", name="Shred for good").click()
    expect(page.get_by_text("The personal data of Autumn 2011 is shredded")).to_be_visible()
    expect(page.locator("#cohorts-due")).not_to_contain_text("Autumn 2011")
    expect(page.locator("#shred-log")).to_contain_text("Autumn 2011")
    assert not Participant.objects.filter(name_en__in=["Xu Jiahui", "Li Wen"]).exists()
    assert ShredLog.objects.get().user == admin_user

    # The counts stay; the roster is gone.
    page.goto("/statistics/")
    assert page.locator("#stats-cities").inner_text() == statistics
    page.goto(f"/cohorts/{cohort.pk}/roster/")
    expect(page.locator("#shredded-message")).to_contain_text("can no longer be exported")


def test_official_downloads_their_personal_data(page, login, tmp_path):
    user = UserFactory(username="chen-yu", role=Role.PARTICIPANT)
    ParticipantFactory(user=user, name_en="Chen Yu", email="chen.yu@example.cn")

    login(user)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename.startswith("personal-data-chen-yu-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "report.html" in archive.namelist()
        assert "chen.yu@example.cn" in archive.read("participants_participant.json").decode()
