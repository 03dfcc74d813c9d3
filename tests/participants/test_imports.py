"""Nominations import services: reading files, checking rows, applying all or nothing."""

import codecs
import csv
import io
from collections import Counter

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from participants import imports
from participants.models import HostPreference, NominationImport, Participant
from tests.factories import ParticipantFactory
from tests.participants import corpus
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
        (b"name_en,email\n\xff\xff\x80,c@example.org\n", "not text in any of the encodings tried"),
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


def test_the_organisation_and_post_may_come_in_chinese_too(intake, coordinator):
    """The Chinese columns are optional: given, they are the Chinese texts; missing, the
    English text stands in (a file made before the columns existed still imports)."""
    rows = [
        row(
            home_organisation_zh_hant="深圳市商務局",
            home_organisation_zh_hans="深圳市商务局",
            post_title_zh_hans="处长",
        ),
        row(name_en="Wang Lei", email="wang@example.org", home_city="BJ"),
    ]
    pending = create_import(intake, rows, coordinator)
    imports.nomination_import_apply(nomination_import=pending, by=coordinator)
    chen = Participant.objects.get(email="chen@example.org")
    assert (chen.home_organisation_en, chen.home_organisation_zh_hant) == (
        "Shenzhen Municipal Commerce Bureau",
        "深圳市商務局",
    )
    with translation.override("zh-hant"):
        assert chen.post_title == "处长"  # no Traditional post: the Simplified one
    wang = Participant.objects.get(email="wang@example.org")
    with translation.override("zh-hans"):
        assert wang.home_organisation == "Shenzhen Municipal Commerce Bureau"
    too_long = validate(intake, [row(post_title_zh_hant="長" * 201)])
    assert too_long.rows[0].errors == ["Post (Traditional Chinese) is longer than 200 characters."]


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


# Encodings: what Excel writes on Chinese Windows, and never a mangled name.
TRADITIONAL = ["陳大文", "李嘉欣", "黃志強", "張學友", "劉德華", "梁朝偉", "鄭秀文", "何韻詩"]
SIMPLIFIED = ["陈明辉", "王磊", "张伟", "刘洋", "杨静", "赵敏", "吴俊杰", "周晓燕"]


def chinese_file(names, encoding, organisation="深圳市商务局"):
    rows = [
        row(name_zh=name, email=f"o{n}@example.org", home_organisation=organisation)
        for n, name in enumerate(names)
    ]
    return csv_bytes(rows, encoding=encoding)


@pytest.mark.parametrize(
    ("names", "encoding", "organisation", "detected"),
    [
        (TRADITIONAL, "cp950", "北京市發展和改革委員會", "cp950"),
        (["陳𨋢", "黃㗎", "梁嘉欣"], "big5hkscs", "香港特別行政區政府", "big5hkscs"),
        (SIMPLIFIED, "gbk", "北京市发展和改革委员会", "gb18030"),
        (SIMPLIFIED + TRADITIONAL, "utf-16", "深圳市商务局", "utf-16"),
        (SIMPLIFIED, "utf-16-be", "深圳市商务局", "utf-16"),
        (TRADITIONAL, "utf-8", "商務及經濟發展局", "utf-8"),
    ],
)
def test_chinese_names_survive_the_encodings_excel_writes(names, encoding, organisation, detected):
    if encoding == "utf-16-be":
        content = codecs.BOM_UTF16_BE + chinese_file(names, "utf-16-be", organisation)
    else:
        content = chinese_file(names, encoding, organisation)
    parsed = imports.read_nominations_file(upload(content))
    assert [r["values"]["name_zh"] for r in parsed.rows] == names
    assert parsed.rows[0]["values"]["home_organisation"] == organisation
    assert (parsed.encoding, parsed.content) == (detected, content)


def test_big5_is_no_longer_read_as_gbk():
    content = chinese_file(TRADITIONAL, "cp950", organisation="深圳市商務局")
    # The defect: Big5 bytes are valid GB18030, into other characters.
    assert "陳大文" not in content.decode("gb18030")
    parsed = imports.read_nominations_file(upload(content))
    assert parsed.rows[0]["values"]["name_zh"] == "陳大文"
    # An HKSCS character has no Big5 (cp950) code: such a file is told from plain Big5.
    with pytest.raises(UnicodeEncodeError):
        "𨋢".encode("cp950")


@pytest.mark.parametrize(
    ("names", "encoding", "right"),
    [(TRADITIONAL, "cp950", "cp950"), (SIMPLIFIED, "gbk", "gb18030")],
)
def test_a_name_alone_is_read_intact_or_refused_naming_encodings_never_mangled(
    names, encoding, right
):
    more = (
        "王李張陳楊黃趙周吳徐孫馬朱胡郭何林高羅鄭梁謝宋唐許韓鄧馮曹彭曾蕭"
        if encoding == "cp950"
        else "王李张陈杨黄赵周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖"
    )
    given = (
        "明輝雪敏偉志強嘉欣文學友華秀麗"
        if encoding == "cp950"
        else "明辉雪敏伟志强嘉欣文学友华秀丽"
    )
    candidates = names + [s + g for s in more for g in given[::3]]
    outcomes = Counter()
    for name in candidates:
        content = chinese_file([name], encoding, organisation="Bureau")
        try:
            parsed = imports.read_nominations_file(upload(content))
        except ValidationError as error:
            # Refused, naming the right encoding among those it could be.
            assert "more than one encoding" in error.messages[0]
            assert str(imports.CSV_ENCODINGS[right]) in error.messages[0]
            outcomes["refused"] += 1
        else:
            assert parsed.rows[0]["values"]["name_zh"] == name
            outcomes["intact"] += 1
    assert outcomes["intact"] > 0.9 * len(candidates), outcomes


def test_the_coordinator_may_choose_the_encoding():
    content = chinese_file(["韓雪"], "cp950", organisation="Bureau")
    with pytest.raises(ValidationError, match="more than one encoding"):
        imports.read_nominations_file(upload(content))
    parsed = imports.read_nominations_file(upload(content), encoding="cp950")
    assert (parsed.rows[0]["values"]["name_zh"], parsed.encoding) == ("韓雪", "cp950")
    with pytest.raises(ValidationError, match=r"not valid UTF-8 text \(at byte"):
        imports.read_nominations_file(upload(content), encoding="utf-8")


def test_valid_utf8_stays_utf8_or_is_asked_about():
    for name in ("José Müller", "Jose\u0301", "陳𨋢"):
        content = csv_bytes([row(name_en=name, name_zh="")], encoding="utf-8")
        parsed = imports.read_nominations_file(upload(content))
        assert (parsed.rows[0]["values"]["name_en"], parsed.encoding) == (name, "utf-8")
    # Cyrillic in UTF-8 is also plausible GBK ("袠胁邪薪"): the coordinator says which.
    content = csv_bytes([row(name_en="Иван", name_zh="")], encoding="utf-8")
    with pytest.raises(ValidationError, match=r"more than one encoding \(GBK .*UTF-8\)"):
        imports.read_nominations_file(upload(content))
    parsed = imports.read_nominations_file(upload(content), encoding="utf-8")
    assert parsed.rows[0]["values"]["name_en"] == "Иван"


# Workbooks: what Excel, LibreOffice and WPS write, read as a stream.
def test_a_blank_first_sheet_or_a_cover_sheet_is_passed_over():
    workbook = Workbook()
    workbook.active.title = "Blank"
    workbook.active["C7"].number_format = "@"  # formatted, but empty
    cover = workbook.create_sheet("Read me")
    cover.append(["Nominations for the 2027 cohort: fill in the next sheet."])
    data = workbook.create_sheet("Nominations")
    data.append(HEADER)
    data.append(row())
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = imports.read_nominations_file(upload(buffer.getvalue(), "n.xlsx"))
    assert [r["values"]["email"] for r in parsed.rows] == ["chen@example.org"]

    # No sheet names the columns: the first sheet with anything on it says what is missing.
    del workbook["Nominations"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ValidationError, match="required columns are missing"):
        imports.read_nominations_file(upload(buffer.getvalue(), "n.xlsx"))


def test_reads_shared_and_rich_strings_numbers_dates_and_booleans():
    strings = (
        f'<sst xmlns="{corpus.MAIN}">'
        + "".join(f"<si><t>{key}</t></si>" for key in HEADER)
        # Rich text in runs, with a phonetic guide that is not part of the text.
        + "<si><r><t>Chen </t></r><r><rPr><b/></rPr><t>Minghui</t></r>"
        "<rPh sb='0' eb='1'><t>chen</t></rPh></si></sst>"
    ).encode()
    styles = (
        f'<styleSheet xmlns="{corpus.MAIN}"><numFmts count="1">'
        '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
        '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
    ).encode()
    cells = (
        f'<c r="A2" t="s"><v>{len(HEADER)}</v></c>'  # the rich string after the header's
        '<c r="B2" t="inlineStr"><is><t>陈明辉</t></is></c>'
        '<c r="C2" t="str"><f>"S"&amp;"Z"</f><v>SZ</v></c><c r="D2" t="s"><v>3</v></c>'
        '<c r="E2" s="1"><v>45678</v></c><c r="F2" t="b"><v>1</v></c>'
        '<c r="G2" t="inlineStr"><is><t>chen@example.org</t></is></c>'
        '<c r="H2"><v>8.6755E+12</v></c>'
    )
    sheet = corpus.sheet_xml(
        corpus.shared_row_xml(range(len(HEADER))) + f'<row r="2">{cells}</row>'
    )
    parts = corpus.workbook_parts(sheet, shared_strings=strings)
    parts["xl/styles.xml"] = styles
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdT" Type="{corpus.RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'.encode(),
    )
    parsed = imports.read_nominations_file(upload(corpus.zip_bytes(parts), "n.xlsx"))
    values = parsed.rows[0]["values"]
    assert values["name_en"] == "Chen Minghui"
    assert values["name_zh"] == "陈明辉"
    assert values["home_city"] == "SZ"
    assert values["home_organisation"] == "home_organisation"
    assert values["post_title"] == "2025-01-21T00:00:00"
    assert values["rank"] == "True"
    assert values["phone"] == "8675500000000"


def test_reading_stops_at_the_row_limit_before_the_rest_is_parsed(settings):
    settings.NOMINATIONS_IMPORT_MAX_ROWS = 5
    rows = "".join(corpus.row_xml(row(email=f"o{n}@example.org")) for n in range(6))
    # Broken XML after the sixth official and far enough (the parser is fed 64 KB at a time)
    # that it is never reached.
    padding = " " * 2 * imports.XML_CHUNK_BYTES
    sheet = f'<worksheet xmlns="{corpus.MAIN}"><sheetData>'.encode()
    sheet += (corpus.row_xml(HEADER) + rows + padding).encode() + b"<row><c t="
    content = corpus.workbook(sheet)
    with pytest.raises(ValidationError, match="more than 5 officials"):
        imports.read_nominations_file(upload(content, "n.xlsx"))
    settings.NOMINATIONS_IMPORT_MAX_ROWS = 6
    with pytest.raises(ValidationError, match="could not be read as an Excel workbook"):
        imports.read_nominations_file(upload(content, "n.xlsx"))


def test_openpyxl_parses_with_defusedxml_too():
    # openpyxl still reads workbooks in the tests and the admin's tools; with defusedxml
    # installed it refuses the same entity tricks.
    assert openpyxl.DEFUSEDXML
    with pytest.raises(ValueError, match="Unable to read workbook") as error:
        load_workbook(io.BytesIO(corpus.CASES_BY_NAME["billion-laughs"].build()))
    assert isinstance(error.value.__cause__, DefusedXmlException)


def test_the_common_characters_are_the_standards_first_levels():
    # GB 2312 level 1 and Big5 level 1, whose byte ranges the plausibility check relies on.
    simplified = imports._common_characters("simplified")
    traditional = imports._common_characters("traditional")
    assert (len(simplified), len(traditional)) == (3755, 5401)
    assert {"陈", "明", "辉"} <= simplified and {"陳", "發", "務"} <= traditional
    assert "陳" not in simplified and "陈" not in traditional
