"""Retention and shredding (issue 14, point 2). The must-hold test searches every text, varchar and
JSON column of every table of the PostgreSQL database (from information_schema) for the shredded
cohort's names, emails and phones, and compares the statistics page before and after."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from exchange.models import Notification
from exchange.roles import Role
from participants.models import AccessLog, NominationImport, Participant
from placements import privacy
from placements.models import Activity, Attachment, PlanSuggestion, ShredLog
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CityFactory,
    CohortFactory,
    FocusAreaFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def database_hits(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text-like column of every table holding a needle."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 50  # the whole schema, not a handful of tables
        hits = []
        for table, column in columns:
            for needle in needles:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE strpos(lower("{column}"::text), lower(%s)) > 0 '  # noqa: S608
                    "LIMIT 1",
                    [needle],
                )
                if cursor.fetchone():
                    hits.append((table, column, needle))
        return hits


@pytest.fixture
def old_cohort(db):
    """A cohort of 2012, long past seven years, with everything a cohort gathers."""
    cohort = CohortFactory(
        name="Spring 2012",
        orientation_start=datetime.date(2012, 3, 5),
        orientation_end=datetime.date(2012, 3, 9),
        status="completed",
    )
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen")
    beijing = CityFactory(code="BJ", name_en="Beijing")
    trade = FocusAreaFactory(code="trade", name_en="Trade and finance")
    dpo = HostDepartmentFactory(abbreviation="DPO", name_en="Digital Policy Office")
    people = [
        ("Lam Wing-kei", "林詠琪", "lam.wingkei@sz.example.cn", "+86 755 2100 7788", shenzhen),
        ("Zhao Yuxuan", "赵宇轩", "zhao.yuxuan@bj.example.cn", "+86 10 6512 3344", beijing),
    ]
    officials = []
    for name_en, name_zh, email, phone, city in people:
        user = UserFactory(
            username=email.split("@")[0],
            email=email,
            first_name=name_en.split()[0],
            last_name=name_en.split()[1],
            role=Role.PARTICIPANT,
        )
        official = ParticipantFactory(
            cohort=cohort,
            home_city=city,
            user=user,
            name_en=name_en,
            name_zh=name_zh,
            email=email,
            phone=phone,
            home_organisation="Bureau of Commerce of " + name_en,
            post_title="Director, office of " + name_en,
            # Chinese texts too (issue 12): a shred reaches every language's column.
            home_organisation_zh_hant=name_zh + "的商務局",
            post_title_zh_hans="处长（" + phone + "）",
        )
        official.focus_areas.add(trade)
        attachment = AttachmentFactory(
            participant=official,
            department=dpo,
            start=datetime.date(2012, 3, 12),
            end=datetime.date(2012, 4, 30),
            supervisor="Supervisor of " + name_en,
            supervisor_email="sup." + email,
            notes="Call " + phone,
        )
        attachment.notes = "Moved; call " + phone
        attachment.save()  # a second history row, holding the phone too
        make_notification(
            participant=official,
            related=attachment,
            status=Notification.Status.SENT,
            context={"officials": [name_en], "email": email},
        )
        # What the notice said when recorded (issue 11) names the official too.
        Notification.objects.filter(recipient=official.user).update(
            snapshot={"subject": f"New attachment: {name_en}", "facts": [[email, phone]]}
        )
        officials.append(official)
    lam = officials[0]
    activity = ActivityFactory(
        cohort=cohort,
        audience=Activity.Audience.NAMED,
        title="Lunch",
        description=f"With {lam.name_en} ({lam.phone})",
        description_zh_hant=f"與{lam.name_en}午餐（{lam.email}）",
    )
    activity.participants.add(lam)
    pending = make_notification(
        participant=lam, related=lam, dedupe_key="pending", context={"name": lam.name_en}
    )
    NominationImport.objects.create(
        cohort=cohort,
        filename="nominations-lam-wingkei.csv",
        sha256="0" * 64,
        rows=[{"line": 2, "values": {"name_en": lam.name_en, "email": lam.email}}],
        content=lam.email.encode(),
        encoding="utf-8",
    )
    PlanSuggestion.objects.create(cohort=cohort, rows=[{"official": lam.name_en}])
    LogEntry.objects.log_actions(
        user_id=UserFactory(username="an-admin").pk,
        queryset=[lam],
        action_flag=ADDITION,
        change_message=f"Added {lam.name_en}",
        single_object=True,
    )
    AccessAttempt.objects.create(
        username=lam.user.username,
        ip_address="127.0.0.1",
        user_agent="test",
        get_data="",
        post_data=f"username={lam.user.username}",
        failures_since_start=1,
    )
    return cohort, officials, pending


def needles_of(officials) -> list[str]:
    needles = []
    for official in officials:
        needles += [official.name_en, official.name_zh, official.email, official.phone]
        needles += [official.user.username]
    return needles


@pytest.fixture
def kept_official(db):
    """An official of a recent cohort, which shredding the old one must leave alone."""
    return ParticipantFactory(
        name_en="Ho Ka-ming", email="ho.kaming@example.org", phone="+852 2345 6789"
    )


def statistics_page(client, admin_user) -> str:
    client.force_login(admin_user)
    response = client.get(reverse("placements:programme_statistics"))
    assert response.status_code == 200
    content = response.content.decode()
    return content[content.index('id="stats-years"') :]


def test_after_shredding_no_name_email_or_phone_is_left_and_the_statistics_stay(
    client, old_cohort, kept_official, admin_user
):
    cohort, officials, pending = old_cohort
    needles = needles_of(officials)
    user_ids = [official.user_id for official in officials]
    tokens = {official.pk: official.calendar_token for official in officials}
    # An official's account that also holds an API token (issue 14.3).
    api_token_create(user=officials[0].user, name="HR system")
    # Reads of their data are in the access log, which the search covers too.
    client.force_login(admin_user)
    for official in officials:
        page = reverse("placements:participant_detail", kwargs={"pk": official.pk})
        assert client.get(page).status_code == 200
    assert AccessLog.objects.filter(participants__in=officials).count() == len(officials)
    # The search finds them before, and finds the kept official's details before and after.
    assert {needle for _t, _c, needle in database_hits(needles)} == set(needles)
    before = privacy.programme_statistics().as_tuples()
    page_before = statistics_page(client, admin_user)
    assert before["cities"] and before["departments"] and before["focus_areas"]
    plan = privacy.shred_plan(cohort=cohort)

    log = privacy.cohort_shred(
        cohort=cohort, by=admin_user, confirm_name="Spring 2012", today=TODAY
    )

    assert database_hits(needles) == []
    kept = [kept_official.name_en, kept_official.email, kept_official.phone]
    assert {needle for _t, _c, needle in database_hits(kept)} == set(kept)
    assert privacy.programme_statistics().as_tuples() == before
    assert statistics_page(client, admin_user) == page_before

    # The log says who, which cohort and how many rows, as the dry run said.
    assert (log.user, log.cohort, log.cohort_name) == (admin_user, cohort, "Spring 2012")
    assert log.counts == plan
    assert log.counts["participants_participant"] == 2
    assert log.counts["placements_historicalattachment"] == 4
    cohort.refresh_from_db()
    assert cohort.is_shredded
    # Accounts deactivated, unlinked and emptied; calendar tokens reset; notices emptied.
    for user in get_user_model().objects.filter(pk__in=user_ids):
        assert not user.is_active and not user.has_usable_password()
        assert not user.groups.exists()
    assert not ApiToken.objects.filter(user_id__in=user_ids).exists()
    for official in Participant.objects.filter(cohort=cohort):
        assert official.user_id is None
        assert official.calendar_token != tokens[official.pk]
        assert official.home_city_id and official.status == "confirmed"
    assert not Notification.objects.filter(cohort=cohort).exclude(context={}).exists()
    pending.refresh_from_db()
    assert pending.status == Notification.Status.CANCELLED
    assert NominationImport.objects.get(cohort=cohort).content == b""
    assert not Attachment.objects.filter(participant__cohort=cohort).exclude(notes="").exists()


def test_the_dry_run_changes_nothing_and_counts_per_table(
    old_cohort, django_assert_max_num_queries
):
    cohort, officials, _pending = old_cohort
    with django_assert_max_num_queries(20):
        plan = privacy.shred_plan(cohort=cohort)
    assert plan["participants_participant"] == 2
    assert plan["auth_user"] == 2
    assert plan["placements_attachment"] == 2
    assert plan["exchange_notification"] == 3
    assert plan["participants_nominationimport"] == 1
    assert plan["django_admin_log"] == 1
    assert plan["axes_accessattempt"] == 1
    assert Participant.objects.get(pk=officials[0].pk).email == officials[0].email
    assert not ShredLog.objects.exists()


def test_the_shred_needs_the_cohorts_name_and_a_cohort_past_retention(old_cohort, admin_user):
    cohort, officials, _pending = old_cohort
    with pytest.raises(ValidationError) as refused:
        privacy.cohort_shred(cohort=cohort, by=admin_user, confirm_name="Spring 2013", today=TODAY)
    assert "confirm_name" in refused.value.message_dict
    assert Participant.objects.get(pk=officials[0].pk).name_en == "Lam Wing-kei"

    recent = CohortFactory(name="Now")
    with pytest.raises(ValidationError, match="kept until"):
        privacy.cohort_shred(cohort=recent, by=admin_user, confirm_name="Now", today=TODAY)

    privacy.cohort_shred(cohort=cohort, by=admin_user, confirm_name="Spring 2012", today=TODAY)
    with pytest.raises(ValidationError, match="already"):
        privacy.cohort_shred(cohort=cohort, by=admin_user, confirm_name="Spring 2012", today=TODAY)
    assert ShredLog.objects.count() == 1


def test_an_official_who_came_again_keeps_their_account(old_cohort, admin_user):
    cohort, officials, _pending = old_cohort
    lam = officials[0]
    ParticipantFactory(user=lam.user, email="lam.again@example.org")
    privacy.cohort_shred(cohort=cohort, by=admin_user, confirm_name=cohort.name, today=TODAY)
    lam.user.refresh_from_db()
    assert lam.user.is_active and lam.user.participations.count() == 1


def test_retention_follows_the_setting_and_the_cohorts_own_period(db):
    cohort = CohortFactory(
        orientation_start=datetime.date(2019, 3, 4),
        orientation_end=datetime.date(2019, 3, 8),
        max_stay_days=91,
    )
    assert cohort.latest_end == datetime.date(2019, 6, 2)
    assert cohort.retention_ends == datetime.date(2026, 6, 3)
    assert privacy.cohorts_past_retention(today=TODAY) == [cohort]
    with override_settings(RETENTION_YEARS=10):
        assert cohort.retention_ends == datetime.date(2029, 6, 3)
        assert privacy.cohorts_past_retention(today=TODAY) == []
    cohort.retention_years = 8
    cohort.save()
    assert privacy.cohorts_past_retention(today=TODAY) == []


def test_exports_of_a_shredded_cohort_are_refused_with_a_clear_message(
    client, old_cohort, admin_user, coordinator
):
    cohort, _officials, _pending = old_cohort
    privacy.cohort_shred(cohort=cohort, by=admin_user, confirm_name=cohort.name, today=TODAY)
    coordinator.user_permissions.add(Permission.objects.get(codename="export_roster"))
    client.force_login(coordinator)
    for name, kwargs in [
        ("placements:roster_export", {"pk": cohort.pk}),
        ("placements:roster_print", {"pk": cohort.pk}),
        ("placements:roster_download", {"pk": cohort.pk, "fmt": "csv"}),
    ]:
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 410
        assert "was shredded" in response.content.decode()
    # The roster of all cohorts leaves the anonymous rows out.
    client.force_login(admin_user)
    response = client.get(reverse("placements:roster_download_all", kwargs={"fmt": "csv"}))
    assert b"Official #" not in b"".join(response.streaming_content)
    # And nobody downloads a shredded official's file.
    official = Participant.objects.filter(cohort=cohort).first()
    response = client.get(reverse("placements:participant_data", kwargs={"pk": official.pk}))
    assert response.status_code == 404


def test_the_retention_and_shred_pages_are_for_admins(
    client, old_cohort, coordinator, liaison, participant_user
):
    cohort, _officials, _pending = old_cohort
    urls = [
        reverse("placements:cohort_retention"),
        reverse("placements:cohort_shred", kwargs={"pk": cohort.pk}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for user in (coordinator, liaison, participant_user):
            client.force_login(user)
            assert client.get(url).status_code == 403
            assert client.post(url, {"confirm_name": cohort.name}).status_code == 403
        client.logout()
    assert not ShredLog.objects.exists()
    assert Participant.objects.filter(cohort=cohort, name_en="Lam Wing-kei").exists()


def test_the_statistics_page_is_for_coordinators_and_admins(client, coordinator, liaison):
    url = reverse("placements:programme_statistics")
    assert client.get(url).status_code == 302
    client.force_login(liaison)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    assert client.get(url).status_code == 200


def test_the_shred_page_shows_the_dry_run_and_shreds_on_the_typed_name(
    client, old_cohort, admin_user, django_assert_max_num_queries
):
    cohort, _officials, _pending = old_cohort
    url = reverse("placements:cohort_shred", kwargs={"pk": cohort.pk})
    client.force_login(admin_user)
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    assert "participants_participant" in response.content.decode()

    response = client.post(url, {"confirm_name": "spring 2012"})
    assert response.status_code == 200
    assert "Type the cohort" in response.content.decode()
    assert not ShredLog.objects.exists()

    response = client.post(url, {"confirm_name": "Spring 2012"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("placements:cohort_retention")
    assert "is shredded" in response.content.decode()
    assert ShredLog.objects.get().cohort_name == "Spring 2012"
    # Done once: the page of a shredded cohort is gone, and so is a cohort not yet due.
    assert client.get(url).status_code == 404
    recent = CohortFactory()
    assert client.get(reverse("placements:cohort_shred", kwargs={"pk": recent.pk})).status_code == (
        404
    )


def test_admin_log_entries_are_matched_by_content_type(old_cohort):
    """The admin's log names the object changed; the shred rewrites those of its rows."""
    cohort, officials, _pending = old_cohort
    entry = LogEntry.objects.get()
    assert entry.content_type == ContentType.objects.get_for_model(Participant)
    assert entry.object_repr == str(officials[0])
