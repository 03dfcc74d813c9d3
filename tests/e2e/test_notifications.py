"""A coordinator sends the orientation notices; an official sees the bell, reads the notice. A
liaison opens an old notice about an official who has moved to another department."""

import datetime

from django.core import mail
from playwright.sync_api import expect

from exchange.models import Notification
from placements.notices import notices_for_attachment
from placements.services import attachment_create, attachment_update
from tests.factories import (
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)


def test_coordinator_sends_orientation_notices_and_the_official_reads_one(
    page, login, coordinator, participant_user
):
    cohort = CohortFactory(name="Winter cohort")
    ParticipantFactory(cohort=cohort, user=participant_user, email=participant_user.email)
    ParticipantFactory(cohort=cohort, user=UserFactory())

    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/")
    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="Send orientation notices now").click()
    expect(page.get_by_text("2 confirmed officials")).to_be_visible()
    page.get_by_role("button", name="Send orientation notices now").click()
    expect(page.get_by_text("2 queued now")).to_be_visible()
    expect(page.locator("tbody .badge", has_text="Sent")).to_have_count(2)
    assert len(mail.outbox) == 2

    page.context.clear_cookies()
    login(participant_user)
    bell = page.locator("#notification-bell")
    expect(bell.locator("#notification-unread")).to_have_text("1 unread notices")
    bell.click()
    page.get_by_role("link", name="Orientation notice: Winter cohort").click()
    expect(page.get_by_role("heading", name="Orientation notice: Winter cohort")).to_be_visible()
    expect(page.get_by_text("Civil Service College")).to_be_visible()
    expect(bell.locator("#notification-unread")).to_have_count(0)
    assert Notification.objects.get(recipient=participant_user).read_at is not None


def test_a_liaison_opens_an_old_notice_after_the_official_moved_to_another_department(
    page, login, coordinator, liaison, department
):
    """DPO's liaison was told of Chen's attachment; Chen has since moved to ITC. The old notice
    shows DPO as it was, with no way on and nothing of ITC; a new one says Chen left."""
    cohort = CohortFactory(
        name="Spring 2027",
        orientation_start=datetime.date(2027, 3, 1),
        orientation_end=datetime.date(2027, 3, 5),
        min_stay_days=28,
        max_stay_days=91,
    )
    city = CityFactory(code="SZ", name_en="Shenzhen")
    CityQuotaFactory(cohort=cohort, city=city, seats=3)
    department.address_en = "Cyberport 2, 100 Cyberport Road"
    department.save()
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    itc = HostDepartmentFactory(
        abbreviation="ITC",
        name_en="Innovation and Technology Commission",
        address_en="Wing On Centre, 111 Connaught Road Central",
    )
    HostCapacityFactory(cohort=cohort, department=itc, seats=2)
    official = ParticipantFactory(
        cohort=cohort, name_en="Chen Minghui", home_city=city, user=UserFactory()
    )
    attachment = attachment_create(
        participant=official,
        department=department,
        start=datetime.date(2027, 3, 8),
        end=datetime.date(2027, 4, 9),
        by=coordinator,
        confirmed=True,
        supervisor="Ms Chan Tai-man",
        supervisor_email="chan@dpo.example.org",
    )
    notices_for_attachment(attachment=attachment, event="created")
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=itc,
        start=attachment.start,
        end=attachment.end,
        supervisor="Mr Lau Ka-ho",
        supervisor_email="lau@itc.example.org",
    )

    login(liaison)
    page.locator("#notification-bell").click()
    expect(page.locator("main")).not_to_contain_text("ITC")
    page.get_by_role("link", name="New attachment: Chen Minghui").click()
    card = page.locator(".card")
    expect(card).to_contain_text("Cyberport 2, 100 Cyberport Road")
    expect(card).to_contain_text("Ms Chan Tai-man")
    expect(card).to_contain_text("What it was about has changed since")
    for leak in ("ITC", "Innovation and Technology", "Wing On Centre", "Lau Ka-ho", "lau@itc"):
        expect(card).not_to_contain_text(leak)
    expect(card.get_by_role("link", name="Open my attachees")).to_have_count(0)

    page.get_by_role("link", name="Notifications").first.click()
    page.get_by_role("link", name="Attachee left: Chen Minghui").click()
    expect(card).to_contain_text("is no longer attached to Digital Policy Office.")
    expect(card).not_to_contain_text("ITC")
