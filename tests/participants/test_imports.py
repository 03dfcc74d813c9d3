"""Nominations import services: reading files, checking rows, applying all or nothing."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from participants import imports
from participants.models import HostPreference, NominationImport, Participant
from tests.factories import ParticipantFactory
from tests.participants.nominations import HEADER, csv_bytes, row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_reads_csv_and_xlsx_alike():
    rows = [row(), row(name_en="Wang Lei", email="wang@example.org", home_city="BJ")]
    from_csv = imports.read_nominations_file(upload(csv_bytes(rows)))
    from_xlsx = imports.read_nominations_file(upload(xlsx_bytes(rows), "n.xlsx"))
    assert from_csv.rows == from_xlsx.rows
    assert from_csv.rows[0] == {"line": 2, "values": dict(zip(HEADER, rows[0], strict=True))}
    assert len(from_csv.sha256) == 64


def test_reads_semicolons_gbk_chinese_headers_and_numbers():
    # Excel on Chinese Windows: GBK, and the separator of the locale.
    text = (
        "姓名（英文）;姓名（中文）;所属城市;所属单位;电邮\n"
        "Chen Minghui;陈明辉;深圳;商务局;c@example.org\n"
    )
    parsed = imports.read_nominations_file(upload(text.encode("gbk")))
    assert parsed.rows[0]["values"]["name_zh"] == "陈明辉"
    assert parsed.rows[0]["values"]["home_city"] == "深圳"
    # A phone typed as a number in Excel stays a phone number, and blank lines are skipped
    # without shifting the line numbers.
    content = xlsx_bytes([row(phone=8675500000001), [None] * len(HEADER), row(email="x@e.org")])
    parsed = imports.read_nominations_file(upload(content, "n.xlsx"))
    assert parsed.rows[0]["values"]["phone"] == "8675500000001"
    assert [r["line"] for r in parsed.rows] == [2, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image, not a spreadsheet"),
        (b"PK\x03\x04garbage that is no zip", "could not be read as an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel (.xls)"),
        (b"name_en,email\nChen,c@example.org\n", "required columns are missing: Home city"),
        (b'name_en,home_city,home_organisation,email\n"Chen,SZ', "malformed near line"),
        (b"name_en,home_city,home_organisation,email\n", "no officials"),
        (b"\xff\xfe\x00n\x00a\x00m\x00e", "not text in UTF-8 or GBK"),
    ],
)
def test_refuses_files_that_are_not_nominations(content, message):
    with pytest.raises(ValidationError) as error:
        imports.read_nominations_file(upload(content))
    assert message in " ".join(error.value.messages)


def test_refuses_oversized_files_and_too_many_rows(settings):
    settings.NOMINATIONS_IMPORT_MAX_BYTES = 2048
    with pytest.raises(ValidationError, match="the limit is 2 KB"):
        imports.read_nominations_file(upload(csv_bytes([row()] * 40)))
    settings.NOMINATIONS_IMPORT_MAX_ROWS = 3
    with pytest.raises(ValidationError, match="more than 3 officials"):
        imports.read_nominations_file(upload(csv_bytes([row()] * 4)))
    assert len(imports.read_nominations_file(upload(csv_bytes([row()] * 3))).rows) == 3


def validate(intake, rows):
    parsed = imports.read_nominations_file(upload(csv_bytes(rows)))
    return imports.validate_nominations(cohort=intake["cohort"], rows=parsed.rows)


def test_every_row_error_is_reported(intake):
    ParticipantFactory(
        cohort=intake["cohort"],
        home_city=intake["shenzhen"],
        email="taken@example.org",
    )
    ParticipantFactory(
        cohort=intake["cohort"],
        home_city=intake["shenzhen"],
        name_en="Lin Xiaoyan",
        email="lin@example.org",
    )
    validation = validate(
        intake,
        [
            row(),  # line 2: fine (2nd of 3 Shenzhen seats)
            row(name_en="", email="nameless@example.org"),  # 3: missing name, 3rd seat
            row(name_en="Bad Email", email="not-an-email", home_city="BJ"),  # 4
            row(name_en="Nowhere", email="n@example.org", home_city="Atlantis"),  # 5
            row(name_en="Twin", email="chen@example.org", home_city="BJ"),  # 6: email of line 2
            row(name_en="Someone", email="taken@example.org"),  # 7: email taken in the cohort
            row(email="lin2@example.org", name_en="Lin Xiaoyan"),  # 8: same name + city
            row(name_en="Quota", email="q@example.org"),  # 9: 4th Shenzhen official
            row(name_en="Odd", email="o@example.org", home_city="BJ", rank="minister"),  # 10
            row(name_en="Lang", email="l@example.org", home_city="BJ", preferred_language="fr"),
            row(name_en="Focus", email="f@example.org", home_city="BJ", focus_areas="space"),
            row(name_en="Dept", email="d@example.org", home_city="BJ", host_preferences="XYZ"),
            row(name_en="Wuhan", email="w@example.org", home_city="WH"),  # 14: no seats
        ],
    )
    errors = {r.line: " ".join(r.errors) for r in validation.rows}
    assert errors[2] == ""
    assert "Missing Name (English)." in errors[3]
    assert "“not-an-email” is not a valid email address." in errors[4]
    assert "Unknown city “Atlantis”" in errors[5]
    assert "Duplicate official: same email as row 2." in errors[6]
    assert "taken@example.org already belongs to" in errors[7]
    assert "Lin Xiaoyan of Shenzhen is already in this cohort" in errors[8]
    assert "Quota exceeded: Shenzhen has 3 seats" in errors[9]
    assert "Unknown rank “minister”" in errors[10]
    assert "Unknown language “fr”" in errors[11]
    assert "Unknown focus area “space”" in errors[12]
    assert "Unknown host department “XYZ”" in errors[13]
    assert "Wuhan has no seats in this cohort" in errors[14]
    assert validation.error_count == 12
    assert not validation.is_valid


def test_labels_in_any_language_are_understood(intake):
    validation = validate(
        intake,
        [row(home_city="深圳", rank="副處長", preferred_language="English", focus_areas="GBA")],
    )
    assert validation.is_valid, validation.rows[0].errors
    cleaned = validation.rows[0].cleaned
    assert cleaned["home_city"] == intake["shenzhen"]
    assert cleaned["rank"] == Participant.Rank.DEPUTY_DIVISION_DIRECTOR
    assert cleaned["preferred_language"] == "en"


def create_import(intake, rows, coordinator):
    parsed = imports.read_nominations_file(upload(csv_bytes(rows)))
    return imports.nomination_import_create(cohort=intake["cohort"], parsed=parsed, by=coordinator)


def test_apply_creates_every_official_and_twice_creates_no_duplicate(intake, coordinator):
    rows = [
        row(),
        row(name_en="Wang Lei", name_zh="王磊", email="wang@example.org", home_city="BJ"),
    ]
    first = create_import(intake, rows, coordinator)
    assert not Participant.objects.exists(), "nothing is saved before the confirmation"
    imports.nomination_import_apply(nomination_import=first, by=coordinator)

    chen = Participant.objects.get(email="chen@example.org")
    assert (chen.name_zh, chen.home_city, chen.cohort) == (
        "陈明辉",
        intake["shenzhen"],
        first.cohort,
    )
    assert chen.status == Participant.Status.NOMINATED
    assert chen.rank == Participant.Rank.DIVISION_DIRECTOR
    assert chen.phone == "+86 755 0000 0001"
    assert [a.code for a in chen.focus_areas.all()] == ["gba"]
    assert [p.department.abbreviation for p in HostPreference.objects.filter(participant=chen)] == [
        "DPO",
        "TD",
    ]
    first.refresh_from_db()
    assert (first.status, first.created_count) == (NominationImport.Status.APPLIED, 2)

    second = create_import(intake, rows, coordinator)
    validation = imports.nomination_import_apply(nomination_import=second, by=coordinator)
    assert (validation.new_count, validation.existing_count) == (0, 2)
    assert Participant.objects.count() == 2
    assert imports.previous_imports_of_same_file(upload=second).get() == first

    with pytest.raises(ValidationError, match="already been imported"):
        imports.nomination_import_apply(nomination_import=first, by=coordinator)
    assert Participant.objects.count() == 2


def test_apply_revalidates_and_saves_nothing_on_any_error(intake, coordinator):
    pending = create_import(
        intake, [row(), row(name_en="Wang Lei", email="w@example.org")], coordinator
    )
    # Between preview and confirm, someone else takes the email of the second row.
    ParticipantFactory(
        cohort=intake["cohort"],
        home_city=intake["beijing"],
        email="W@example.org",
    )
    with pytest.raises(ValidationError, match="1 rows have errors, so nothing was imported"):
        imports.nomination_import_apply(nomination_import=pending, by=coordinator)
    assert not Participant.objects.filter(email="chen@example.org").exists()
    pending.refresh_from_db()
    assert pending.status == NominationImport.Status.PREVIEW


def test_discard(intake, coordinator):
    pending = create_import(intake, [row()], coordinator)
    imports.nomination_import_discard(nomination_import=pending, by=coordinator)
    pending.refresh_from_db()
    assert pending.status == NominationImport.Status.DISCARDED
    with pytest.raises(ValidationError, match="discarded"):
        imports.nomination_import_apply(nomination_import=pending, by=coordinator)
    assert not Participant.objects.exists()


def test_validation_query_count_is_fixed(intake, django_assert_max_num_queries):
    for n in (3, 300):
        rows = [
            row(name_en=f"Official {i}", email=f"o{i}@example.org", home_city="SZ")
            for i in range(n)
        ]
        parsed = imports.read_nominations_file(upload(csv_bytes(rows)))
        with django_assert_max_num_queries(7):
            validation = imports.validate_nominations(cohort=intake["cohort"], rows=parsed.rows)
        assert len(validation.rows) == n


def test_templates_have_the_columns_and_an_example_that_imports(intake, coordinator):
    text = imports.template_csv()
    assert text.startswith("\ufeff")
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert records[0] == HEADER
    assert len(records) == 2

    buffer = io.BytesIO()
    imports.template_xlsx(buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    assert workbook.worksheets[1]["A2"].value == "name_en"

    for content, name in ((text.encode(), "t.csv"), (buffer.getvalue(), "t.xlsx")):
        parsed = imports.read_nominations_file(upload(content, name))
        validation = imports.validate_nominations(cohort=intake["cohort"], rows=parsed.rows)
        assert validation.is_valid, validation.rows[0].errors
