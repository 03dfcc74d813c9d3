"""The access log: reads of officials' personal data by someone else are on record (who, what,
when, which officials, from which address), in a fixed number of queries; refused requests and an
official's reads of their own data write nothing; admins alone read the log, and cannot edit it."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from participants.models import AccessLog, Participant
from participants.services import access_log_create
from placements.models import Attachment, ExportLog
from tests.factories import (
    AttachmentFactory,
    CityFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)

ADDRESS = "10.20.30.40"


@pytest.fixture
def official(db, department):
    """An official with a confirmed attachment at the liaison's department, running now."""
    cohort = CohortFactory(
        orientation_start=timezone.localdate() - datetime.timedelta(days=10),
        orientation_end=timezone.localdate() - datetime.timedelta(days=6),
    )
    person = ParticipantFactory(cohort=cohort, name_en="Chen Minghui", phone="+86 755 1234")
    AttachmentFactory(
        participant=person,
        department=department,
        start=timezone.localdate() - datetime.timedelta(days=2),
        end=timezone.localdate() + datetime.timedelta(days=20),
    )
    return person


@pytest.fixture
def export_coordinator(coordinator):
    coordinator.user_permissions.add(Permission.objects.get(codename="export_roster"))
    return coordinator


def _only_entry() -> AccessLog:
    entry = AccessLog.objects.get()
    return entry


def _officials(entry: AccessLog) -> set[int]:
    return set(entry.participants.values_list("pk", flat=True))


def _access_log_writes(queries) -> list[str]:
    tables = (AccessLog._meta.db_table, AccessLog.participants.through._meta.db_table)
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("INSERT", "UPDATE")) and any(f'"{t}"' in q["sql"] for t in tables)
    ]


# Each kind of read writes one entry.


def test_the_official_page_read_by_a_coordinator_is_logged(client, coordinator, official):
    client.force_login(coordinator)
    url = reverse("placements:participant_detail", args=[official.pk])
    assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    entry = _only_entry()
    assert entry.kind == AccessLog.Kind.OFFICIAL_PAGE
    assert entry.user == coordinator
    assert entry.username == coordinator.username
    assert entry.address == ADDRESS
    assert entry.path == url
    assert entry.official_count == 1
    assert _officials(entry) == {official.pk}
    assert abs(entry.created_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_behind_a_trusted_proxy_the_clients_address_is_logged(
    client, coordinator, official, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(coordinator)
    url = reverse("placements:participant_detail", args=[official.pk])
    client.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {ADDRESS}")
    assert _only_entry().address == ADDRESS


def test_the_official_page_read_by_their_liaison_is_logged(client, liaison, official):
    client.force_login(liaison)
    response = client.get(reverse("placements:participant_detail", args=[official.pk]))
    assert response.status_code == 200
    entry = _only_entry()
    assert (entry.user, entry.kind) == (liaison, AccessLog.Kind.OFFICIAL_PAGE)
    assert _officials(entry) == {official.pk}


@pytest.mark.parametrize("name", ["participant_schedule", "participant_schedule_print"])
def test_a_schedule_read_by_a_coordinator_is_logged(client, coordinator, official, name):
    client.force_login(coordinator)
    assert client.get(reverse(f"placements:{name}", args=[official.pk])).status_code == 200
    entry = _only_entry()
    assert (entry.user, entry.kind) == (coordinator, AccessLog.Kind.SCHEDULE)
    assert _officials(entry) == {official.pk}


def test_the_liaisons_attachees_with_their_contacts_are_logged(client, liaison, official):
    other = ParticipantFactory(cohort=official.cohort)
    AttachmentFactory(participant=other, department=official.attachments.get().department)
    client.force_login(liaison)
    response = client.get(reverse("placements:liaison_attachees"), REMOTE_ADDR=ADDRESS)
    assert official.email in response.content.decode()
    entry = _only_entry()
    assert (entry.user, entry.kind, entry.address) == (liaison, AccessLog.Kind.CONTACTS, ADDRESS)
    assert entry.official_count == 2
    assert _officials(entry) == {official.pk, other.pk}


def test_a_liaison_without_attachees_reads_nobody_and_nothing_is_logged(client, liaison):
    client.force_login(liaison)
    assert client.get(reverse("placements:liaison_attachees")).status_code == 200
    assert not AccessLog.objects.exists()


def test_the_edit_form_shows_contact_details_and_is_logged(client, coordinator, official):
    client.force_login(coordinator)
    response = client.get(reverse("participants:participant_update", args=[official.pk]))
    assert official.phone in response.content.decode()
    entry = _only_entry()
    assert (entry.kind, _officials(entry)) == (AccessLog.Kind.CONTACTS, {official.pk})


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "print"])
def test_every_roster_export_is_logged_with_its_officials(client, export_coordinator, fmt):
    cohort = CohortFactory()
    shenzhen, beijing = CityFactory(code="SZ"), CityFactory(code="BJ")
    department = HostDepartmentFactory()
    kept = [ParticipantFactory(cohort=cohort, home_city=shenzhen) for _ in range(3)]
    ParticipantFactory(cohort=cohort, home_city=beijing)  # filtered out
    ParticipantFactory(home_city=shenzhen)  # another cohort
    # Two attachments of one official are two rows, but one official read.
    AttachmentFactory(participant=kept[0], department=department)
    AttachmentFactory(
        participant=kept[0],
        department=department,
        start=cohort.orientation_end + datetime.timedelta(days=40),
        end=cohort.orientation_end + datetime.timedelta(days=50),
        status=Attachment.Status.PROPOSED,
    )
    client.force_login(export_coordinator)
    if fmt == "print":
        url = reverse("placements:roster_print", args=[cohort.pk])
    else:
        url = reverse("placements:roster_download", args=[cohort.pk, fmt])
    response = client.get(url, {"home_city": shenzhen.pk}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    export = ExportLog.objects.get()
    entry = _only_entry()
    assert (entry.user, entry.kind, entry.address) == (
        export_coordinator,
        AccessLog.Kind.EXPORT,
        ADDRESS,
    )
    assert entry.path.startswith(url)
    assert _officials(entry) == {p.pk for p in kept}
    assert entry.official_count == 3
    assert entry.details["export_log"] == export.pk
    assert entry.details["rows"] == 4
    assert entry.details["filters"] == {"home_city": "SZ"}


def test_the_export_of_all_cohorts_is_logged_with_every_official(client, admin_user):
    officials = [ParticipantFactory() for _ in range(3)]
    client.force_login(admin_user)
    response = client.get(reverse("placements:roster_download_all", args=["csv"]))
    b"".join(response.streaming_content)
    entry = _only_entry()
    assert entry.kind == AccessLog.Kind.EXPORT
    assert entry.details["cohort"] is None
    assert _officials(entry) == {p.pk for p in officials}


def test_the_admins_export_of_selected_officials_is_logged(client, admin_user):
    chosen = [ParticipantFactory() for _ in range(2)]
    ParticipantFactory()  # not selected
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_selected_csv", "_selected_action": [p.pk for p in chosen]},
    )
    b"".join(response.streaming_content)
    entry = AccessLog.objects.get(kind=AccessLog.Kind.EXPORT)
    assert entry.details["source"] == ExportLog.Source.ADMIN_SELECTION
    assert _officials(entry) == {p.pk for p in chosen}


@pytest.mark.parametrize("name", ["roster_download", "roster_print"])
def test_an_empty_export_is_still_on_record(client, export_coordinator, name):
    cohort = CohortFactory()
    client.force_login(export_coordinator)
    args = [cohort.pk, "csv"] if name == "roster_download" else [cohort.pk]
    response = client.get(reverse(f"placements:{name}", args=args))
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    entry = _only_entry()
    assert (entry.kind, entry.official_count, _officials(entry)) == (
        AccessLog.Kind.EXPORT,
        0,
        set(),
    )


def test_the_admin_reading_an_official_and_the_list_is_logged(client, admin_user, official):
    client.force_login(admin_user)
    change = reverse("admin:participants_participant_change", args=[official.pk])
    assert client.get(change).status_code == 200
    entry = _only_entry()
    assert (entry.kind, _officials(entry)) == (AccessLog.Kind.OFFICIAL_PAGE, {official.pk})
    changelist = reverse("admin:participants_participant_changelist")
    assert official.email in client.get(changelist).content.decode()
    listed = AccessLog.objects.exclude(pk=entry.pk).get()
    assert (listed.kind, _officials(listed)) == (AccessLog.Kind.CONTACTS, {official.pk})


@pytest.mark.parametrize(
    "officials",
    [
        lambda: Participant.objects.none(),
        lambda: Participant.objects.filter(pk__in=[]),
        lambda: Participant.objects.order_by("pk")[:0],
    ],
    ids=["none", "empty-in", "empty-slice"],
)
def test_an_export_of_nobody_is_recorded_with_no_links(coordinator, officials):
    ParticipantFactory()
    entry = access_log_create(
        user=coordinator,
        kind=AccessLog.Kind.EXPORT,
        address="not an address",
        path="/x/",
        officials=officials(),
    )
    entry.refresh_from_db()
    assert (entry.official_count, _officials(entry), entry.address) == (0, set(), None)


def test_a_sliced_queryset_links_only_its_rows(coordinator):
    people = [ParticipantFactory() for _ in range(4)]
    entry = access_log_create(
        user=coordinator,
        kind=AccessLog.Kind.EXPORT,
        address="::1",
        path="/x/",
        officials=Participant.objects.order_by("pk")[:2],
    )
    entry.refresh_from_db()
    assert (entry.official_count, entry.address) == (2, "::1")
    assert _officials(entry) == {people[0].pk, people[1].pk}


# The official's own reads are not accesses by someone else.


def test_an_official_reading_their_own_schedule_and_profile_is_not_logged(
    client, participant_user, participant
):
    client.force_login(participant_user)
    for url in (
        reverse("placements:my_schedule"),
        reverse("placements:participant_schedule", args=[participant.pk]),
        reverse("placements:participant_schedule_print", args=[participant.pk]),
        reverse("participants:my_profile"),
    ):
        assert client.get(url).status_code == 200, url
    assert not AccessLog.objects.exists()


def test_an_export_leaves_out_the_exporter_as_an_official(client, admin_user):
    own = ParticipantFactory(user=admin_user)
    other = ParticipantFactory(cohort=own.cohort)
    client.force_login(admin_user)
    response = client.get(reverse("placements:roster_download", args=[own.cohort.pk, "csv"]))
    b"".join(response.streaming_content)
    entry = _only_entry()
    assert (_officials(entry), entry.official_count) == ({other.pk}, 1)


# Refused requests write nothing.


def test_refused_reads_write_no_access_row(
    client, coordinator, liaison, participant_user, official
):
    elsewhere = ParticipantFactory()  # not at the liaison's department
    cases = [
        (liaison, reverse("placements:participant_detail", args=[elsewhere.pk]), 404),
        (liaison, reverse("placements:participant_schedule", args=[official.pk]), 403),
        (participant_user, reverse("placements:participant_detail", args=[official.pk]), 403),
        (participant_user, reverse("placements:participant_schedule", args=[official.pk]), 404),
        (coordinator, reverse("placements:participant_detail", args=[999999]), 404),
        (coordinator, reverse("participants:participant_update", args=[999999]), 404),
        # Exports need the permission; a coordinator without it is refused.
        (coordinator, reverse("placements:roster_download", args=[official.cohort.pk, "csv"]), 403),
        (coordinator, reverse("placements:roster_print", args=[official.cohort.pk]), 403),
        (participant_user, reverse("placements:liaison_attachees"), 403),
    ]
    for user, url, status in cases:
        client.force_login(user)
        assert client.get(url).status_code == status, url
    assert not AccessLog.objects.exists()
    assert not ExportLog.objects.exists()


def test_refused_exports_write_no_access_row(client, export_coordinator, official):
    client.force_login(export_coordinator)
    cohort = official.cohort
    assert (
        client.get(reverse("placements:roster_download", args=[cohort.pk, "pdf"])).status_code
        == 404
    )
    bad_filter = client.get(
        reverse("placements:roster_download", args=[cohort.pk, "csv"]), {"home_city": "x"}
    )
    assert bad_filter.status_code == 400
    assert client.get(reverse("placements:roster_print", args=[999999])).status_code == 404
    assert not AccessLog.objects.exists()


def test_anonymous_reads_are_sent_to_login_and_write_nothing(client, official):
    response = client.get(reverse("placements:participant_detail", args=[official.pk]))
    assert response.status_code == 302
    assert not AccessLog.objects.exists()


# Queries do not grow with the number of officials read.


def _attachees(department, n: int) -> list[Participant]:
    cohort = CohortFactory(
        orientation_start=timezone.localdate() - datetime.timedelta(days=10),
        orientation_end=timezone.localdate() - datetime.timedelta(days=6),
    )
    city = CityFactory()
    officials = Participant.objects.bulk_create(
        ParticipantFactory.build(cohort=cohort, home_city=city) for _ in range(n)
    )
    Attachment.objects.bulk_create(
        AttachmentFactory.build(
            participant=person,
            department=department,
            start=timezone.localdate() - datetime.timedelta(days=1),
            end=timezone.localdate() + datetime.timedelta(days=20),
            published_at=timezone.now(),
        )
        for person in officials
    )
    return officials


def test_the_liaisons_list_logs_10_or_100_officials_in_the_same_queries(
    client, liaison, department, django_assert_max_num_queries
):
    client.force_login(liaison)
    url = reverse("placements:liaison_attachees")
    counts = []
    for n in (10, 100):
        AccessLog.objects.all().delete()
        Attachment.objects.all().delete()
        officials = _attachees(department, n)
        with django_assert_max_num_queries(16) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        assert len(_access_log_writes(queries.captured_queries)) == 2  # the entry, its links
        assert _only_entry().official_count == n
        assert _officials(_only_entry()) == {p.pk for p in officials}
    assert counts[0] == counts[1]


def test_an_export_logs_10_or_100_officials_in_the_same_queries(
    client, export_coordinator, department, django_assert_max_num_queries
):
    client.force_login(export_coordinator)
    counts = []
    for n in (10, 100):
        AccessLog.objects.all().delete()
        officials = _attachees(department, n)
        url = reverse("placements:roster_download", args=[officials[0].cohort_id, "csv"])
        with django_assert_max_num_queries(15) as queries:
            response = client.get(url)
            b"".join(response.streaming_content)
        counts.append(len(queries))
        assert len(_access_log_writes(queries.captured_queries)) == 2  # the entry, its links
        assert _only_entry().official_count == n
    assert counts[0] == counts[1]


def test_the_admins_list_logs_10_or_100_officials_in_the_same_queries(
    client, admin_user, department, django_assert_max_num_queries
):
    client.force_login(admin_user)
    url = reverse("admin:participants_participant_changelist")
    counts = []
    for n in (10, 100):
        AccessLog.objects.all().delete()
        Attachment.objects.all().delete()
        Participant.objects.all().delete()
        _attachees(department, n)
        with django_assert_max_num_queries(25) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        assert len(_access_log_writes(queries.captured_queries)) == 2
        assert _only_entry().official_count == n
    assert counts[0] == counts[1]


# The log in the admin: for admins, read-only.


@pytest.fixture
def entries(coordinator, liaison, official):
    other = ParticipantFactory(name_en="Wang Lei")
    seen = AccessLog.objects.create(
        user=coordinator,
        username=coordinator.username,
        kind=AccessLog.Kind.OFFICIAL_PAGE,
        path="/participants/1/",
        official_count=1,
    )
    seen.participants.set([official])
    exported = AccessLog.objects.create(
        user=liaison,
        username=liaison.username,
        kind=AccessLog.Kind.CONTACTS,
        path="/liaison/",
        official_count=1,
    )
    exported.participants.set([other])
    AccessLog.objects.filter(pk=exported.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    return seen, exported


def _listed(response) -> set[int]:
    return {entry.pk for entry in response.context["cl"].result_list}


def test_admins_filter_the_log_by_user_kind_date_and_search_by_official(
    client, admin_user, coordinator, entries
):
    seen, exported = entries
    client.force_login(admin_user)
    url = reverse("admin:participants_accesslog_changelist")
    assert _listed(client.get(url)) == {seen.pk, exported.pk}
    assert _listed(client.get(url, {"kind__exact": "contacts"})) == {exported.pk}
    assert _listed(client.get(url, {"user__id__exact": coordinator.pk})) == {seen.pk}
    # The date filter's own "Today" link.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    by_date = client.get(
        url,
        {
            "created_at__gte": str(midnight),
            "created_at__lt": str(midnight + datetime.timedelta(days=1)),
        },
    )
    assert _listed(by_date) == {seen.pk}
    assert _listed(client.get(url, {"q": "Chen Minghui"})) == {seen.pk}
    assert _listed(client.get(url, {"q": "Wang"})) == {exported.pk}
    detail = client.get(reverse("admin:participants_accesslog_change", args=[seen.pk]))
    assert detail.status_code == 200
    assert "Chen Minghui" in detail.content.decode()
    # The export log's page leads here.
    export_log = client.get(reverse("placements:exportlog_list")).content.decode()
    assert url in export_log
    # Reading the log is not itself a read of an official.
    assert AccessLog.objects.count() == 2


def test_the_log_is_read_only_in_the_admin(client, admin_user, entries):
    seen, _exported = entries
    client.force_login(admin_user)
    assert client.get(reverse("admin:participants_accesslog_add")).status_code == 403
    change = reverse("admin:participants_accesslog_change", args=[seen.pk])
    assert client.post(change, {"kind": "export", "username": "x"}).status_code == 403
    delete = reverse("admin:participants_accesslog_delete", args=[seen.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:participants_accesslog_changelist"))
    assert 'value="delete_selected"' not in changelist.content.decode()
    seen.refresh_from_db()
    assert (seen.kind, seen.username) == (AccessLog.Kind.OFFICIAL_PAGE, seen.user.username)


@pytest.mark.parametrize("who", ["coordinator", "liaison", "participant_user"])
def test_only_admins_read_the_log(client, request, entries, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    seen, _exported = entries
    for url in (
        reverse("admin:participants_accesslog_changelist"),
        reverse("admin:participants_accesslog_change", args=[seen.pk]),
    ):
        response = client.get(url)
        # Staff without the permission get 403; others are sent to the admin's login.
        assert response.status_code in (302, 403), url
        assert b"Chen Minghui" not in response.content
    if who == "coordinator":
        index = client.get(reverse("admin:index"))
        assert reverse("admin:participants_accesslog_changelist") not in index.content.decode()
