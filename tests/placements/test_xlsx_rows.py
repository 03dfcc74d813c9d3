"""The roster's fast row writer gives XlsxWriter's own XML, byte for byte, for every kind of
text and date a roster can hold."""

import datetime
import io
import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook

from placements.exports import RosterWorksheet

DATE_COLUMNS = {2, 3}
TEXTS = [
    "Chen Minghui",
    "陈明辉",
    "  leading spaces",
    "trailing space ",
    "\tleading tab",
    'a & b < c > d "e"',
    "line\nbreak",
    "control \x01 \x08 \x0b \x1f characters",
    "_x0041_ looks like Excel's escape",
    "under_score",
    '=HYPERLINK("http://example.org")',
    "+86 755 1234 5678",
    "-5",
    "@sum",
    "emoji 😀 and 𠀋",
    "x" * 40_000,  # longer than a cell may hold: cut at 32,767 UTF-16 units
    "😀" * 20_000,
    "",
    None,
    123,
]


def records():
    day = datetime.date(2027, 3, 8)
    for i, text in enumerate(TEXTS):
        yield [text, f"row {i}", day + datetime.timedelta(days=i), None if i % 3 else day, text]


def sheet_xml(fast: bool) -> bytes:
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet("Roster", worksheet_class=RosterWorksheet)
    header = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_row(0, 32)
    for col, label in enumerate(["Name", "Row", "Start", "End", "Again"]):
        sheet.write_string(0, col, label, header)
    for row, record in enumerate(records(), start=1):
        if fast:
            sheet.write_roster_row(row, record, DATE_COLUMNS, date_format)
            continue
        for col, value in enumerate(record):
            if value is None or value == "":
                continue
            if col in DATE_COLUMNS:
                sheet.write_datetime(row, col, value, date_format)
            else:
                sheet.write_string(row, col, str(value))
    sheet.autofilter(0, 0, len(TEXTS), 4)
    workbook.close()
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_the_fast_rows_are_xlsxwriters_own_xml():
    fast, cell_by_cell = sheet_xml(fast=True), sheet_xml(fast=False)
    assert b"_x005F_x0041_" in fast and b"&amp; b &lt; c" in fast  # the escaping was exercised
    assert fast == cell_by_cell


@pytest.mark.parametrize("text", ["<r>not rich text</r>", "<r><t>x</t></r>"])
def test_a_text_that_looks_like_xlsxwriters_rich_string_is_written_as_text(text):
    # Cell by cell, XlsxWriter would copy such a text into the XML as it is.
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet("Roster", worksheet_class=RosterWorksheet)
    sheet.write_roster_row(0, [text], set(), workbook.add_format())
    workbook.close()
    cell = load_workbook(io.BytesIO(target.getvalue()))["Roster"]["A1"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_the_sheets_dimension_counts_only_written_cells():
    def dimension(fast: bool) -> bytes:
        target = io.BytesIO()
        workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
        sheet = workbook.add_worksheet("Roster", worksheet_class=RosterWorksheet)
        for row, record in enumerate([["a", "b", None], ["c", "", ""]]):
            if fast:
                sheet.write_roster_row(row, record, set(), workbook.add_format())
            else:
                for col, value in enumerate(record):
                    if value:
                        sheet.write_string(row, col, value)
        workbook.close()
        with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
            xml = archive.read("xl/worksheets/sheet1.xml")
        return xml[xml.index(b"<dimension") : xml.index(b"/>", xml.index(b"<dimension"))]

    assert dimension(fast=True) == dimension(fast=False) == b'<dimension ref="A1:B2"'
