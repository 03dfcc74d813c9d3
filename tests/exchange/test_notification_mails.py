"""Mail is rendered in the recipient's language, with the facts that matter."""

import datetime

import pytest
from django.utils import timezone

from exchange import notice_registry as registry
from exchange.notifications import services
from participants.notices import ParticipantKind
from placements.models import Activity
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 12, 7)


@pytest.fixture
def attachment():
    cohort = CohortFactory(
        name="Mainland officials in Hong Kong",
        orientation_start=START,
        orientation_end=START + datetime.timedelta(days=4),
    )
    department = HostDepartmentFactory(
        abbreviation="PLAND",
        name_en="Planning Department",
        name_zh_hant="規劃署",
        name_zh_hans="规划署",
        address_en="North Point Government Offices, 333 Java Road",
        address_zh_hant="北角政府合署渣華道333號",
        address_zh_hans="北角政府合署渣华道333号",
    )
    participant = ParticipantFactory(cohort=cohort, user=UserFactory(first_name="Wei"))
    return AttachmentFactory(
        participant=participant,
        department=department,
        start=datetime.date(2026, 12, 14),
        end=datetime.date(2027, 1, 29),
        supervisor="Ms Chan Tai-man",
        supervisor_email="chan@pland.example.org",
    )


def send(notification, mailoutbox):
    assert services.notification_send(notification_id=notification.pk).status == "sent"
    (mail,) = mailoutbox
    return mail, mail.alternatives[0].content


def test_mail_in_english(attachment, mailoutbox):
    notice = make_notification(
        PlacementKind.ATTACHMENT_CREATED,
        participant=attachment.participant,
        related=attachment,
        language="en",
    )
    mail, html = send(notice, mailoutbox)

    assert mail.subject.startswith("New attachment: PLAND")
    for fact in (
        "Planning Department",
        "North Point Government Offices, 333 Java Road",
        "14 December 2026",
        "29 January 2027",
        "Ms Chan Tai-man <chan@pland.example.org>",
        "http://testserver/me/schedule/",
        f"http://testserver/notifications/{notice.pk}/",
    ):
        assert fact in mail.body, fact
    assert '<html lang="en">' in html
    assert "Ms Chan Tai-man &lt;chan@pland.example.org&gt;" in html
    assert 'href="http://testserver/me/schedule/"' in html


def test_mail_in_traditional_chinese(attachment, mailoutbox):
    notice = make_notification(
        PlacementKind.ATTACHMENT_START_REMINDER,
        participant=attachment.participant,
        related=attachment,
        language="zh-hant",
    )
    mail, html = send(notice, mailoutbox)

    assert mail.subject.startswith("實習即將開始")
    for fact in ("規劃署", "北角政府合署渣華道333號", "2026年12月14日", "2027年1月29日"):
        assert fact in mail.body, fact
        assert fact in html, fact
    assert "Planning Department" not in mail.body
    assert '<html lang="zh-hant">' in html


def test_mail_in_simplified_chinese(attachment, mailoutbox):
    cohort = attachment.participant.cohort
    notice = make_notification(
        ParticipantKind.ORIENTATION_NOTICE,
        participant=attachment.participant,
        related=attachment.participant,
        language="zh-hans",
    )
    mail, html = send(notice, mailoutbox)

    assert mail.subject.startswith("入职导向通知")
    for fact in (
        "2026年12月7日",
        "2026年12月11日",
        cohort.orientation_venue_zh_hans,
        "规划署",
        "渣华道",
    ):
        assert fact in mail.body, fact
    assert "規劃署" not in mail.body
    assert '<html lang="zh-hans">' in html


def test_the_liaison_copy_names_the_official_and_links_to_the_attachees(attachment, mailoutbox):
    liaison = UserFactory()
    attachment.department.liaisons.add(liaison)
    notice = make_notification(
        PlacementKind.ATTACHMENT_CHANGED,
        participant=attachment.participant,
        related=attachment,
        recipient=liaison,
    )
    mail, _html = send(notice, mailoutbox)

    assert str(attachment.participant) in mail.body
    assert "http://testserver/liaison/" in mail.body
    assert mail.to == [liaison.email]


def test_an_activity_reminder_has_time_place_and_department(mailoutbox):
    department = HostDepartmentFactory(
        name_en="Transport Department", address_en="Immigration Tower"
    )
    activity = ActivityFactory(
        title="Site visit: Tuen Mun–Chek Lap Kok Link",
        kind=Activity.Kind.SITE_VISIT,
        starts_at=timezone.now() + datetime.timedelta(hours=20),
        ends_at=timezone.now() + datetime.timedelta(hours=23),
        location="Tuen Mun Southern Landfall",
        department=department,
    )
    participant = ParticipantFactory(cohort=activity.cohort, user=UserFactory())
    notice = make_notification(
        PlacementKind.ACTIVITY_REMINDER, participant=participant, related=activity
    )
    mail, _html = send(notice, mailoutbox)

    assert mail.subject == "Activity reminder: Site visit: Tuen Mun–Chek Lap Kok Link"
    for fact in ("Tuen Mun Southern Landfall", "Transport Department", "Immigration Tower"):
        assert fact in mail.body


@pytest.mark.parametrize("language", ["en", "zh-hant", "zh-hans"])
@pytest.mark.parametrize("kind", registry.kinds())
def test_every_kind_renders_in_every_language(kind, language, mailoutbox):
    notice = make_notification(kind, language=language)
    mail, html = send(notice, mailoutbox)
    assert mail.subject.startswith(str(_label(kind, language)))
    assert f'<html lang="{language}">' in html


def _label(kind, language):
    from django.utils import translation

    with translation.override(language):
        return registry.kind_label(kind)
