"""Notices show what was true, to whom it was meant.

A notice keeps what it said when it was recorded. Once its reader may no longer see what it is
about (a liaison whose department no longer hosts the official, an official no longer in an
activity's audience), the list, the page and a mail sent later show that snapshot only, with no
link, and nothing of what the object has become.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange.models import Notification
from exchange.notifications import planner
from exchange.notifications import services as notification_services
from exchange.roles import Role
from placements.models import Activity
from placements.notices import PlacementKind, notices_for_attachment
from placements.services import (
    activity_create,
    activity_update,
    attachment_cancel,
    attachment_create,
    attachment_update,
)
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    AttachmentFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db

ITC_ADDRESS = "Wing On Centre, 111 Connaught Road Central"
ITC_SUPERVISOR = "Mr Lau Ka-ho"
ITC_EMAIL = "lau@itc.example.org"
DPO_ADDRESS = "Cyberport 2, 100 Cyberport Road"
DPO_SUPERVISOR = "Ms Chan Tai-man"


@pytest.fixture
def official(cohort, shenzhen):
    return make_participant(cohort, shenzhen, "Chen Minghui")


def make_participant(cohort, city, name):
    user = UserFactory(role=Role.PARTICIPANT)
    return ParticipantFactory(cohort=cohort, name_en=name, home_city=city, user=user)


@pytest.fixture
def itc(cohort):
    department = HostDepartmentFactory(
        abbreviation="ITC",
        name_en="Innovation and Technology Commission",
        address_en=ITC_ADDRESS,
    )
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    return department


@pytest.fixture
def itc_liaison(itc):
    user = UserFactory(username="itc-liaison", role=Role.LIAISON)
    itc.liaisons.add(user)
    return user


@pytest.fixture
def reassigned(official, dpo, itc, itc_liaison, liaison, coordinator):
    """Chen is attached to DPO (told to DPO's liaison), then moved to ITC with ITC's supervisor."""
    dpo.address_en = DPO_ADDRESS
    dpo.save()
    attachment = attachment_create(
        participant=official,
        department=dpo,
        start=day(3, 8),
        end=day(4, 9),
        by=coordinator,
        confirmed=True,
        supervisor=DPO_SUPERVISOR,
        supervisor_email="chan@dpo.example.org",
    )
    # Publishing tells the liaison in a digest; the "New attachment" notice of one attachment
    # is what earlier versions recorded, and such rows are still in the outbox.
    notices_for_attachment(attachment=attachment, event="created")
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=itc,
        start=day(3, 8),
        end=day(4, 9),
        supervisor=ITC_SUPERVISOR,
        supervisor_email=ITC_EMAIL,
    )
    return attachment


def assert_nothing_of_itc(text: str) -> None:
    for leak in (ITC_ADDRESS, ITC_SUPERVISOR, ITC_EMAIL, "ITC", "Innovation and Technology"):
        assert leak not in text, leak


@pytest.mark.parametrize("kind", ["attachment_created", "attachees_digest"])
def test_dpo_liaison_opening_the_old_notice_sees_dpo_as_it_was_and_nothing_of_itc(
    client, reassigned, liaison, kind
):
    old = Notification.objects.get(recipient=liaison, kind=kind)
    client.force_login(liaison)

    listing = client.get(reverse("notifications:notification_list")).content.decode()
    assert_nothing_of_itc(listing)
    assert "Chen Minghui" in listing

    page = client.get(reverse("notifications:notification_detail", args=[old.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert_nothing_of_itc(text)
    assert "Chen Minghui" in text and "DPO" in text
    if kind == "attachment_created":
        assert DPO_ADDRESS in text and DPO_SUPERVISOR in text
    assert page.context["snapshot_only"] is True
    # No way on from here: the official's page is not theirs any more.
    assert page.context["message"].link_url == ""
    assert "Open my attachees" not in text


def test_dpo_liaison_is_told_the_official_left_without_the_new_department(
    client, reassigned, liaison, itc_liaison
):
    (left,) = Notification.objects.filter(kind=PlacementKind.ATTACHEE_LEFT)
    assert left.recipient == liaison
    client.force_login(liaison)
    text = client.get(reverse("notifications:notification_detail", args=[left.pk])).content.decode()
    assert "Chen Minghui" in text and "is no longer attached to Digital Policy Office" in text
    assert_nothing_of_itc(text)
    # ITC's liaison hears of the change with ITC's details: the attachment is theirs now.
    changed = Notification.objects.get(recipient=itc_liaison, kind="attachment_changed")
    client.force_login(itc_liaison)
    text = client.get(reverse("notifications:notification_detail", args=[changed.pk]))
    assert ITC_ADDRESS in text.content.decode()


def test_a_mail_sent_after_the_reassignment_says_only_what_was_true(
    reassigned, liaison, mailoutbox
):
    old = Notification.objects.get(recipient=liaison, kind="attachment_created")
    old.status, old.sent_at = Notification.Status.PENDING, None
    old.save()
    mailoutbox.clear()
    assert notification_services.notification_send(notification_id=old.pk).status == "sent"
    (mail,) = mailoutbox
    for text in (mail.subject, mail.body, mail.alternatives[0].content):
        assert_nothing_of_itc(text)
    assert DPO_ADDRESS in mail.body
    assert "/liaison/" not in mail.body and "Open my attachees" not in mail.body


def test_the_official_still_reads_their_own_attachment_as_it_is(client, reassigned, official):
    notice = Notification.objects.get(recipient=official.user, kind="attachment_changed")
    client.force_login(official.user)
    page = client.get(reverse("notifications:notification_detail", args=[notice.pk]))
    assert ITC_ADDRESS in page.content.decode()
    assert page.context["snapshot_only"] is False


def test_another_department_cannot_open_the_dpo_liaisons_notice(client, reassigned, itc_liaison):
    old = Notification.objects.filter(kind=PlacementKind.ATTACHEE_LEFT).get()
    client.force_login(itc_liaison)
    assert (
        client.get(reverse("notifications:notification_detail", args=[old.pk])).status_code == 404
    )


def test_a_cancelled_attachment_tells_its_department_the_official_left(
    client, official, dpo, liaison, coordinator
):
    attachment = attachment_create(
        participant=official,
        department=dpo,
        start=day(3, 8),
        end=day(4, 9),
        by=coordinator,
        confirmed=True,
    )
    attachment_cancel(attachment=attachment, by=coordinator)
    assert not Notification.objects.filter(recipient=liaison, kind="attachment_cancelled")
    notice = Notification.objects.get(recipient=liaison, kind="attachee_left")
    assert notice.context["reason"] == "cancelled"
    client.force_login(liaison)
    page = client.get(reverse("notifications:notification_detail", args=[notice.pk]))
    text = page.content.decode()
    assert "The attachment of Chen Minghui" in text and "has been cancelled" in text
    assert "Digital Policy Office" in text
    assert page.context["snapshot_only"] is False


@pytest.fixture
def moved_activity(cohort, shenzhen, coordinator, dpo):
    """A site visit named for Chen, then moved to another official with a new title and place."""
    chen = make_participant(cohort, shenzhen, "Chen Minghui")
    lee = make_participant(cohort, shenzhen, "Lee Wing")
    starts_at = timezone.make_aware(datetime.datetime(2027, 3, 10, 10))
    activity = activity_create(
        cohort=cohort,
        by=coordinator,
        kind=Activity.Kind.SITE_VISIT,
        title="Visit to Cyberport",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        location="Cyberport Arcade",
        description="Meet the start-ups.",
        audience=Activity.Audience.NAMED,
        participants=[chen],
    )
    # A revision Chen is told of, with the details as they were for him.
    activity = activity_update(
        activity=activity,
        by=coordinator,
        kind=Activity.Kind.SITE_VISIT,
        title="Visit to Cyberport",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
        location="Cyberport Arcade",
        description="Meet the start-ups.",
        department=None,
        audience=Activity.Audience.NAMED,
        participants=[chen],
    )
    activity_update(
        activity=activity,
        by=coordinator,
        kind=Activity.Kind.WORKING_MEETING,
        title="Closed meeting on the data strategy",
        starts_at=starts_at + datetime.timedelta(days=1),
        ends_at=starts_at + datetime.timedelta(days=1, hours=2),
        location="Room 1201, West Wing",
        description="Confidential agenda.",
        department=None,
        audience=Activity.Audience.NAMED,
        participants=[lee],
    )
    return chen, lee, activity


def assert_nothing_newer(text: str) -> None:
    for leak in ("Closed meeting", "Room 1201", "Confidential agenda", "data strategy"):
        assert leak not in text, leak


def test_an_official_taken_off_an_activity_sees_the_old_snapshot_only(client, moved_activity):
    chen, _lee, activity = moved_activity
    notices = list(Notification.objects.filter(recipient=chen.user, kind="activity_changed"))
    assert len(notices) == 2
    client.force_login(chen.user)
    listing = client.get(reverse("notifications:notification_list")).content.decode()
    assert_nothing_newer(listing)
    for notice in notices:
        page = client.get(reverse("notifications:notification_detail", args=[notice.pk]))
        text = page.content.decode()
        assert_nothing_newer(text)
        assert "Visit to Cyberport" in text
        assert page.context["snapshot_only"] is True
        assert "Open my schedule" not in text
    removed = next(n for n in notices if n.context.get("left_audience"))
    text = client.get(reverse("notifications:notification_detail", args=[removed.pk]))
    assert "is no longer on your schedule" in text.content.decode()


def test_the_official_now_in_the_audience_reads_the_activity_as_it_is(client, moved_activity):
    _chen, lee, _activity = moved_activity
    notice = Notification.objects.get(recipient=lee.user, kind="activity_changed")
    client.force_login(lee.user)
    page = client.get(reverse("notifications:notification_detail", args=[notice.pk]))
    assert "Room 1201, West Wing" in page.content.decode()
    assert page.context["snapshot_only"] is False


def test_a_planned_reminder_keeps_what_it_said_after_the_activity_moved(
    client, cohort, shenzhen, coordinator
):
    chen = make_participant(cohort, shenzhen, "Chen Minghui")
    lee = make_participant(cohort, shenzhen, "Lee Wing")
    starts_at = timezone.make_aware(datetime.datetime(2027, 3, 10, 10))
    activity = activity_create(
        cohort=cohort,
        by=coordinator,
        kind=Activity.Kind.SITE_VISIT,
        title="Visit to Cyberport",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        location="Cyberport Arcade",
        audience=Activity.Audience.NAMED,
        participants=[chen],
    )
    night_before = starts_at - datetime.timedelta(hours=20)
    assert planner.reminders_plan(now=night_before).created == 1
    activity_update(
        activity=activity,
        by=coordinator,
        kind=Activity.Kind.WORKING_MEETING,
        title="Closed meeting on the data strategy",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        location="Room 1201, West Wing",
        description="Confidential agenda.",
        department=None,
        audience=Activity.Audience.NAMED,
        participants=[lee],
    )
    reminder = Notification.objects.get(recipient=chen.user, kind="activity_reminder")
    client.force_login(chen.user)
    page = client.get(reverse("notifications:notification_detail", args=[reminder.pk]))
    text = page.content.decode()
    assert_nothing_newer(text)
    assert "Visit to Cyberport" in text and "Cyberport Arcade" in text
    assert page.context["snapshot_only"] is True


def test_a_notice_that_kept_no_snapshot_shows_only_its_kind(client, moved_activity):
    chen, _lee, activity = moved_activity
    reminder = make_notification(
        PlacementKind.ACTIVITY_REMINDER, participant=chen, related=activity, dedupe_key="r1"
    )
    client.force_login(chen.user)
    page = client.get(reverse("notifications:notification_detail", args=[reminder.pk]))
    text = page.content.decode()
    assert_nothing_newer(text)
    assert "no longer yours to see" in text
    # Sent later, such a reminder is cancelled: it has nothing it may say.
    assert notification_services.notification_send(notification_id=reminder.pk).status == (
        "cancelled"
    )


@pytest.mark.parametrize("size", [3, 20])
def test_the_list_of_snapshot_only_notices_runs_a_fixed_number_of_queries(
    client, cohort, shenzhen, dpo, itc, liaison, size, django_assert_max_num_queries
):
    for number in range(size):
        official = make_participant(cohort, shenzhen, f"Official {number}")
        attachment = AttachmentFactory(participant=official, department=dpo)
        for kind in ("attachment_created", "attachment_changed"):
            make_notification(
                kind,
                participant=official,
                related=attachment,
                recipient=liaison,
                dedupe_key=f"{kind}:{number}",
            )
        attachment.department = itc
        attachment.save()
    client.force_login(liaison)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications:notification_list"))
    assert len(response.context["rows"]) == min(2 * size, 25)
    assert "ITC" not in response.content.decode()
