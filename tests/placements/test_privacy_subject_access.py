"""Subject access (issue 14, point 1): an official's ZIP holds a JSON file for every table with a
relation path to them or their account, found here by introspecting the models, so that a model
added later is covered or this test fails; denials for everyone else."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.urls import reverse

from exchange.models import Notification
from exchange.roles import Role
from participants.models import AccessLog, HostPreference, Participant
from placements.models import Activity, Attachment, ExportLog
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    FocusAreaFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


def tables_with_a_path_to_people() -> set[str]:
    """Tables of every model (through and history tables included) with a chain of foreign keys,
    one-to-ones or generic foreign keys leading to a participant or a user account. Written
    apart from `placements.privacy`, which it checks."""
    people = {Participant, get_user_model()}
    every_model = apps.get_models(include_auto_created=True)
    reached = set(people)
    while True:
        more = {
            model
            for model in every_model
            if model not in reached
            and any(
                field.concrete
                and (field.many_to_one or field.one_to_one)
                and field.related_model in reached
                for field in model._meta.get_fields(include_hidden=True)
            )
        }
        if not more:
            break
        reached |= more
    return {model._meta.db_table for model in reached}


def test_the_introspection_sees_the_known_tables():
    """A check of the walker above: the tables we know reference officials are among its
    findings (so an empty or broken walk cannot pass the test below)."""
    tables = tables_with_a_path_to_people()
    assert {
        "participants_participant",
        "auth_user",
        "auth_user_groups",
        "participants_hostpreference",
        "participants_participant_focus_areas",
        "placements_attachment",
        "placements_historicalattachment",
        "placements_activity_participants",
        "exchange_notification",
        "exchange_hostdepartment_liaisons",
        "placements_exportlog",
    } <= tables
    # Reference data points at nobody.
    assert "exchange_city" not in tables
    assert "exchange_focusarea" not in tables


@pytest.fixture
def official(cohort, shenzhen):
    """An official with everything: an account, interests, preferences, an attachment changed
    once (two history rows), a named activity, a notice, and a roster export of the cohort."""
    user = UserFactory(
        username="wong-sa", first_name="Wong", last_name="Siu-ah", role=Role.PARTICIPANT
    )
    official = ParticipantFactory(
        cohort=cohort,
        home_city=shenzhen,
        user=user,
        name_en="Wong Siu-ah",
        name_zh="黃小雅",
        email="wong.siuah@sz.example.cn",
        phone="+86 755 8888 0001",
        preferred_language="zh-hant",
    )
    official.focus_areas.add(FocusAreaFactory(code="trade", name_en="Trade and finance"))
    department = HostDepartmentFactory(abbreviation="PlanD", name_en="Planning Department")
    HostPreference.objects.create(participant=official, department=department, rank=1)
    attachment = AttachmentFactory(
        participant=official,
        department=department,
        start=day(3, 8),
        end=day(4, 30),
        supervisor="Ms Lee Ka-yan",
        notes="Prefers the Shatin office",
    )
    activity = ActivityFactory(
        cohort=cohort, audience=Activity.Audience.NAMED, title="Working lunch at PlanD"
    )
    activity.participants.add(official)
    make_notification(participant=official, related=official)
    ExportLog.objects.create(cohort=cohort, format="csv", row_count=30)
    LogEntry.objects.log_actions(
        user_id=UserFactory(username="an-admin").pk,
        queryset=[official],
        action_flag=CHANGE,
        change_message="Corrected the phone",
        single_object=True,
    )
    return official, attachment


def read_zip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_has_a_file_for_every_table_that_references_the_official(
    client, official, coordinator, django_assert_max_num_queries
):
    official, attachment = official
    attachment.end = day(5, 7)
    attachment.save()  # a second history row
    # Someone else in the same cohort, whose data must not leak into the file.
    other = ParticipantFactory(
        cohort=official.cohort, email="someone.else@example.org", user=UserFactory()
    )
    AttachmentFactory(participant=other, department=attachment.department, start=day(3, 8))
    client.force_login(official.user)

    # One query per table that may hold their rows: fixed whatever the data.
    with django_assert_max_num_queries(61):
        response = client.get(reverse("placements:participant_data", kwargs={"pk": official.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = read_zip(response)
    expected = {f"{table}.json" for table in tables_with_a_path_to_people()}
    assert expected - set(files) == set(), "tables missing from the subject-access ZIP"
    assert "report.html" in files

    def rows(table):
        return json.loads(files[f"{table}.json"])["rows"]

    [profile] = rows("participants_participant")
    assert (profile["email"], profile["phone"]) == ("wong.siuah@sz.example.cn", "+86 755 8888 0001")
    assert "calendar_token" not in profile
    [account] = rows("auth_user")
    assert account["username"] == "wong-sa" and "password" not in account
    assert [row["id"] for row in rows("placements_attachment")] == [attachment.pk]
    assert len(rows("placements_historicalattachment")) == 2
    assert len(rows("placements_activity_participants")) == 1
    assert [row["title"] for row in rows("placements_activity")] == ["Working lunch at PlanD"]
    assert len(rows("exchange_notification")) == 1
    assert len(rows("participants_hostpreference")) == 1
    # The admin's log names the official through a content type and an id, not a foreign key.
    assert [row["change_message"] for row in rows("django_admin_log")] == ["Corrected the phone"]
    assert len(rows("participants_participant_focus_areas")) == 1
    # The cohort's roster export, and this download itself, logged as a subject access.
    sources = sorted(row["source"] for row in rows("placements_exportlog"))
    assert sources == ["roster", "subject_access"]
    everything = b"".join(files.values()).decode()
    assert "someone.else@example.org" not in everything
    assert str(official.calendar_token) not in everything

    # The readable report is in the official's language (Traditional Chinese here).
    report = files["report.html"].decode()
    assert 'lang="zh-hant"' in report
    assert "黃小雅" in report and "Ms Lee Ka-yan" in report
    assert "個人資料" in report


def test_a_coordinator_produces_the_file_on_request_and_it_is_logged(client, official, coordinator):
    official, _attachment = official
    client.force_login(coordinator)
    response = client.get(reverse("placements:participant_data", kwargs={"pk": official.pk}))
    assert response.status_code == 200
    files = read_zip(response)
    assert "participants_participant.json" in files
    entry = ExportLog.objects.get(source=ExportLog.Source.SUBJECT_ACCESS)
    assert entry.user == coordinator
    assert entry.cohort == official.cohort
    assert entry.filters == {"participants": [official.pk]}
    assert entry.format == ExportLog.Format.ZIP
    # Produced for them by someone else: an access to their data, in the access log.
    access = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert access.user == coordinator
    assert list(access.participants.all()) == [official]
    assert access.details["export_log"] == entry.pk


def test_others_cannot_get_an_officials_file(client, official, liaison, participant_user):
    official, attachment = official
    attachment.department.liaisons.add(liaison)
    url = reverse("placements:participant_data", kwargs={"pk": official.pk})

    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    # Another official (with a participation of their own): not theirs to see.
    ParticipantFactory(user=participant_user, email=participant_user.email)
    client.force_login(participant_user)
    assert client.get(url).status_code == 404

    # The liaison of the official's own department.
    client.force_login(liaison)
    assert client.get(url).status_code == 403

    assert not ExportLog.objects.filter(source=ExportLog.Source.SUBJECT_ACCESS).exists()


def test_the_generic_relations_are_followed(official):
    """Notices about an official's attachment (to the liaison, say) point at it through a generic
    relation; they are in the file too."""
    from placements.privacy import subject_data

    official, attachment = official
    liaison = UserFactory()
    notice = make_notification(participant=official, recipient=liaison, related=attachment)
    data = subject_data(participant=official)
    assert notice.pk in {row["id"] for row in data.rows[Notification]}
    assert any(isinstance(f, GenericForeignKey) for f in Notification._meta.private_fields)
    assert {row["id"] for row in data.rows[Attachment]} == {attachment.pk}


def test_an_official_without_an_account_and_one_who_came_twice(client, coordinator, cohort):
    """No account: the file still has every table (empty where nothing is held). Two cohorts:
    both participations are theirs, found through the account."""
    lone = ParticipantFactory(cohort=cohort, email="lone@example.org")
    client.force_login(coordinator)
    response = client.get(reverse("placements:participant_data", kwargs={"pk": lone.pk}))
    files = read_zip(response)
    assert {f"{table}.json" for table in tables_with_a_path_to_people()} <= set(files)
    assert json.loads(files["auth_user.json"])["rows"] == []

    user = UserFactory(role=Role.PARTICIPANT)
    first = ParticipantFactory(user=user, email="twice@example.org")
    second = ParticipantFactory(cohort=cohort, user=user, email="twice@example.org")
    response = client.get(reverse("placements:participant_data", kwargs={"pk": second.pk}))
    rows = json.loads(read_zip(response)["participants_participant.json"])["rows"]
    assert sorted(row["id"] for row in rows) == sorted([first.pk, second.pk])
