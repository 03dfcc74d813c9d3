"""Nominations import pages: upload, preview, confirm, and who may use them."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from participants.models import NominationImport, Participant
from placements.models import ExportLog
from tests.factories import AttachmentFactory, ParticipantFactory
from tests.participants import corpus
from tests.participants.nominations import RecordingUploadHandler, csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.django_db


def post_file(client, cohort, content, name="nominations.csv"):
    return client.post(
        reverse("participants:nominationimport_create", args=[cohort.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_upload_preview_confirm(client, coordinator, intake):
    cohort = intake["cohort"]
    client.force_login(coordinator)
    page = client.get(reverse("participants:nominationimport_create", args=[cohort.pk]))
    assert page.status_code == 200
    assert "name_en" in page.content.decode()

    rows = [row(), row(name_en="Wang Lei", email="wang@example.org", home_city="BJ")]
    content = xlsx_bytes(rows)
    response = post_file(client, cohort, content, "nominations.xlsx")
    upload = NominationImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == upload.get_absolute_url()
    assert not Participant.objects.exists()

    preview = client.get(upload.get_absolute_url())
    html = preview.content.decode()
    assert preview.context["validation"].new_count == 2
    assert "陈明辉" in html
    assert "Confirm the import" in html

    done = client.post(
        reverse("participants:nominationimport_confirm", args=[upload.pk]), follow=True
    )
    assert "2 officials added" in done.content.decode()
    assert set(Participant.objects.values_list("email", flat=True)) == {
        "chen@example.org",
        "wang@example.org",
    }

    # The same file again: recognised, nothing added.
    post_file(client, cohort, content, "nominations.xlsx")
    again = NominationImport.objects.order_by("pk").last()
    preview = client.get(again.get_absolute_url())
    assert preview.context["validation"].existing_count == 2
    assert preview.context["earlier"] == upload
    assert "This same file was already imported" in preview.content.decode()
    client.post(reverse("participants:nominationimport_confirm", args=[again.pk]))
    assert Participant.objects.count() == 2


def test_rows_with_errors_are_listed_and_nothing_is_saved(client, coordinator, intake):
    client.force_login(coordinator)
    post_file(
        client,
        intake["cohort"],
        csv_bytes([row(), row(name_en="X", email="bad-email"), row(name_en="Y", home_city="??")]),
    )
    upload = NominationImport.objects.get()
    preview = client.get(upload.get_absolute_url())
    html = preview.content.decode()
    assert preview.context["validation"].error_count == 2
    assert "“bad-email” is not a valid email address." in html
    assert "Unknown city “??”" in html
    assert "Nothing has been saved" in html
    assert "Confirm the import" not in html

    response = client.post(
        reverse("participants:nominationimport_confirm", args=[upload.pk]), follow=True
    )
    assert "2 rows have errors, so nothing was imported" in response.content.decode()
    assert not Participant.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not really", "nominations.csv", "This file is a PDF document"),
        (b"\x89PNG\r\n\x1a\nxxxx", "nominations.xlsx", "This file is a PNG image"),
        (b"PK\x03\x04broken", "nominations.xlsx", "could not be read as an Excel workbook"),
        (b"who,what\nme,this\n", "nominations.csv", "required columns are missing"),
    ],
)
def test_bad_files_get_a_clear_message_and_save_nothing(
    client, coordinator, intake, content, name, message
):
    client.force_login(coordinator)
    response = post_file(client, intake["cohort"], content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NominationImport.objects.exists()
    assert not Participant.objects.exists()


def test_oversized_file(client, coordinator, intake, settings):
    settings.NOMINATIONS_IMPORT_MAX_BYTES = 1024
    client.force_login(coordinator)
    response = post_file(client, intake["cohort"], csv_bytes([row()] * 30))
    assert response.status_code == 400
    assert "the limit is 1 KB" in response.content.decode()
    assert not NominationImport.objects.exists()


def test_discard(client, coordinator, intake):
    client.force_login(coordinator)
    post_file(client, intake["cohort"], csv_bytes([row()]))
    upload = NominationImport.objects.get()
    client.post(reverse("participants:nominationimport_discard", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == NominationImport.Status.DISCARDED
    response = client.post(
        reverse("participants:nominationimport_confirm", args=[upload.pk]), follow=True
    )
    assert "upload the file again" in response.content.decode()
    assert not Participant.objects.exists()


def test_templates_download(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("participants:nominationimport_template", args=["csv"]))
    assert response.content.decode("utf-8-sig").startswith("name_en,name_zh,home_city")
    response = client.get(reverse("participants:nominationimport_template", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.worksheets[0]["A1"].value == "name_en"
    assert client.get("/nominations/template.pdf").status_code == 404


def test_preview_query_count_is_fixed(client, coordinator, intake, django_assert_max_num_queries):
    client.force_login(coordinator)
    for n in (3, 200):
        rows = [row(name_en=f"O {i}", email=f"o{i}@example.org") for i in range(n)]
        post_file(client, intake["cohort"], csv_bytes(rows))
        upload = NominationImport.objects.order_by("pk").last()
        with django_assert_max_num_queries(13):
            response = client.get(upload.get_absolute_url())
        assert len(response.context["validation"].rows) == n


@pytest.mark.parametrize("who", ["participant_user", "liaison"])
def test_participants_and_liaisons_get_403(client, request, who, intake, coordinator):
    client.force_login(coordinator)
    post_file(client, intake["cohort"], csv_bytes([row()]))
    upload = NominationImport.objects.get()
    client.force_login(request.getfixturevalue(who))
    cohort = intake["cohort"]
    create = reverse("participants:nominationimport_create", args=[cohort.pk])
    assert client.get(create).status_code == 403
    assert post_file(client, cohort, csv_bytes([row()])).status_code == 403
    assert client.get(upload.get_absolute_url()).status_code == 403
    for name in ("nominationimport_confirm", "nominationimport_discard"):
        assert client.post(reverse(f"participants:{name}", args=[upload.pk])).status_code == 403
    for fmt in ("csv", "xlsx"):
        url = reverse("participants:nominationimport_template", args=[fmt])
        assert client.get(url).status_code == 403
    assert NominationImport.objects.count() == 1
    assert not Participant.objects.exists()


def test_unknown_cohort_or_upload_is_404(client, coordinator):
    client.force_login(coordinator)
    url = reverse("participants:nominationimport_create", args=[999999])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("participants:nominationimport_detail", args=[999999])).status_code
        == 404
    )


def test_anonymous_is_sent_to_login(client, intake):
    url = reverse("participants:nominationimport_create", args=[intake["cohort"].pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_cohort_list_links_to_import_and_export(client, coordinator, admin_user, intake):
    cohort = intake["cohort"]
    import_url = reverse("participants:nominationimport_create", args=[cohort.pk])
    roster_url = reverse("placements:roster_export", args=[cohort.pk])
    client.force_login(coordinator)
    html = client.get(reverse("placements:cohort_list")).content.decode()
    assert import_url in html
    assert roster_url not in html, "no export permission, no export link"
    coordinator.user_permissions.add(Permission.objects.get(codename="export_roster"))
    html = client.get(reverse("placements:cohort_list")).content.decode()
    assert roster_url in html
    assert reverse("placements:exportlog_list") not in html
    client.force_login(admin_user)
    html = client.get(reverse("placements:cohort_list")).content.decode()
    assert roster_url in html
    assert reverse("placements:roster_export_all") in html
    assert reverse("placements:exportlog_list") in html


def test_admin_action_exports_selected_participants(client, admin_user, intake):
    chosen = ParticipantFactory(
        cohort=intake["cohort"],
        home_city=intake["shenzhen"],
        name_en="=cmd|' /C calc'!A0",
    )
    AttachmentFactory(participant=chosen)
    ParticipantFactory(cohort=intake["cohort"], home_city=intake["shenzhen"], name_en="Other")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Cohort,Name (English),Name (Chinese)")
    assert len(lines) == 2
    assert "'=cmd|' /C calc'!A0" in lines[1]
    log = ExportLog.objects.get()
    assert (log.source, log.row_count, log.cohort) == (
        "admin_selection",
        1,
        intake["cohort"],
    )
    assert log.filters == {"participants": [chosen.pk]}


def test_admin_action_is_hidden_without_the_permission(client, coordinator, intake):
    chosen = ParticipantFactory(cohort=intake["cohort"], home_city=intake["shenzhen"])
    client.force_login(coordinator)  # staff, but not granted the export
    changelist = client.get(reverse("admin:participants_participant_changelist"))
    assert "export_selected_csv" not in changelist.content.decode()
    response = client.post(
        reverse("admin:participants_participant_changelist"),
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )
    assert not hasattr(response, "streaming_content")
    assert not ExportLog.objects.exists()


# Bad input never breaks anything: every file of the corpus gets its message on the form.
@pytest.mark.parametrize("case", corpus.CASES, ids=[case.name for case in corpus.CASES])
def test_every_malformed_file_is_refused_with_a_clear_message(client, coordinator, intake, case):
    client.force_login(coordinator)
    response = post_file(client, intake["cohort"], case.build(), case.filename)
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any(case.message in error for error in errors), errors
    assert case.message in response.content.decode().replace("&quot;", '"')
    assert not NominationImport.objects.exists()
    assert not Participant.objects.exists()


def test_the_refusals_speak_the_coordinators_language(client, coordinator, intake, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    client.force_login(coordinator)
    for case, text in [
        ("zip-bomb", "解壓後有 901 MB"),
        ("billion-laughs", "DTD"),
        ("long-cell-csv", "第 3 行 A 欄"),
        ("csv-undecodable", "（UTF-8, UTF-16, GBK / GB18030（簡體中文）"),
    ]:
        response = post_file(client, intake["cohort"], corpus.CASES_BY_NAME[case].build())
        assert text in response.content.decode(), case


def test_an_oversized_request_is_refused_before_its_body_is_read(
    client, coordinator, intake, settings
):
    settings.NOMINATIONS_IMPORT_MAX_BYTES = 1024
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.participants.nominations.RecordingUploadHandler",
        *settings.FILE_UPLOAD_HANDLERS,
    ]
    RecordingUploadHandler.received.clear()
    client.force_login(coordinator)
    post_file(client, intake["cohort"], csv_bytes([row()]))
    assert sum(RecordingUploadHandler.received) > 0, "a file within the limit is parsed"
    NominationImport.objects.all().delete()
    RecordingUploadHandler.received.clear()

    response = post_file(client, intake["cohort"], b"x" * 200_000)
    assert response.status_code == 413
    assert re.search(r"The file is 19\d KB; the limit is 1 KB\.", response.content.decode())
    assert response.context["form"].errors["file"]
    assert RecordingUploadHandler.received == [], "no byte of the file was parsed"
    assert not NominationImport.objects.exists()


def test_the_upload_still_needs_its_csrf_token(coordinator, intake):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    url = reverse("participants:nominationimport_create", args=[intake["cohort"].pk])
    content = csv_bytes([row()])
    response = client.post(url, {"file": SimpleUploadedFile("n.csv", content)})
    assert response.status_code == 403
    assert not NominationImport.objects.exists()
    token = client.get(url).context["csrf_token"]
    response = client.post(
        url, {"file": SimpleUploadedFile("n.csv", content), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert NominationImport.objects.count() == 1


def test_the_preview_says_the_encoding_and_reads_the_file_again_in_another(
    client, coordinator, intake
):
    client.force_login(coordinator)
    names = ["陳大文", "李嘉欣"]
    rows = [
        row(
            name_en=f"Official {n}",
            name_zh=name,
            email=f"o{n}@example.org",
            home_organisation="深圳市商務局",
        )
        for n, name in enumerate(names)
    ]
    post_file(client, intake["cohort"], csv_bytes(rows, encoding="cp950"))
    upload = NominationImport.objects.get()
    assert upload.encoding == "cp950"
    html = client.get(upload.get_absolute_url()).content.decode()
    assert "The CSV file was read as Big5 (Traditional Chinese)." in html
    assert "陳大文" in html

    response = client.post(upload.get_absolute_url(), {"encoding": "gb18030"}, follow=True)
    assert "The file was read again as GBK / GB18030 (Simplified Chinese)." in (
        response.content.decode()
    )
    upload.refresh_from_db()
    assert upload.encoding == "gb18030"
    assert "陳大文" not in [r["values"]["name_zh"] for r in upload.rows]

    response = client.post(upload.get_absolute_url(), {"encoding": "utf-8"}, follow=True)
    assert "not valid UTF-8 text" in response.content.decode()
    response = client.post(upload.get_absolute_url(), {"encoding": "latin-1"}, follow=True)
    assert "Choose one of the encodings offered." in response.content.decode()
    upload.refresh_from_db()
    assert upload.encoding == "gb18030"

    client.post(upload.get_absolute_url(), {"encoding": "cp950"})
    upload.refresh_from_db()
    assert [r["values"]["name_zh"] for r in upload.rows] == names
    done = client.post(
        reverse("participants:nominationimport_confirm", args=[upload.pk]), follow=True
    )
    assert "2 officials added" in done.content.decode()
    assert set(Participant.objects.values_list("name_zh", flat=True)) == set(names)
    response = client.post(upload.get_absolute_url(), {"encoding": "gb18030"}, follow=True)
    assert "already been imported" in response.content.decode()


def test_a_workbook_has_no_encoding_to_choose(client, coordinator, intake):
    client.force_login(coordinator)
    post_file(client, intake["cohort"], xlsx_bytes([row()]), "n.xlsx")
    upload = NominationImport.objects.get()
    assert (upload.encoding, bytes(upload.content)) == ("", b"")
    assert 'id="encoding-form"' not in client.get(upload.get_absolute_url()).content.decode()
    response = client.post(upload.get_absolute_url(), {"encoding": "cp950"}, follow=True)
    assert "Only a CSV file is read in an encoding" in response.content.decode()


def test_an_ambiguous_file_is_uploaded_again_with_its_encoding(client, coordinator, intake):
    client.force_login(coordinator)
    url = reverse("participants:nominationimport_create", args=[intake["cohort"].pk])
    content = csv_bytes([row(name_zh="韓雪", home_organisation="Bureau")], encoding="cp950")
    response = client.post(url, {"file": SimpleUploadedFile("n.csv", content)})
    assert response.status_code == 400
    assert "more than one encoding" in response.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("n.csv", content), "encoding": "cp950"})
    assert response.status_code == 302
    assert NominationImport.objects.get().rows[0]["values"]["name_zh"] == "韓雪"


def test_liaisons_cannot_read_an_upload_again(client, coordinator, liaison, intake):
    client.force_login(coordinator)
    post_file(client, intake["cohort"], csv_bytes([row()]))
    upload = NominationImport.objects.get()
    client.force_login(liaison)
    assert client.post(upload.get_absolute_url(), {"encoding": "cp950"}).status_code == 403
    upload.refresh_from_db()
    assert upload.encoding == "utf-8"
