"""Rosters out of the system: CSV, XLSX and the rows of the printable roster, safe and logged.

Exports carry personal data to people and programs outside the system, so three rules hold here:
- a cell that a spreadsheet would run as a formula is made inert: in CSV, which has no cell types,
  prefixed with `'`; in XLSX written as a text cell, which no spreadsheet evaluates, so a phone
  "+86 …" reads "+86 …";
- memory stays flat whatever the number of rows (CSV is streamed, XLSX is written by XlsxWriter in
  constant-memory mode, row by row, to a temporary file), and the rows come from one query;
- every export is logged (`ExportLog`, and the access log with the officials it carries)
  before the file leaves.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import xlsxwriter
from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from exchange.roles import is_admin, is_coordinator
from participants.models import AccessLog, Participant
from participants.services import access_log_create

from .models import Attachment, ExportLog

# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP "CSV
# injection"); tab and carriage return are on the list because some importers strip them first.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched per round trip from the server-side cursor, and CSV rows sent per chunk.
CHUNK_SIZE = 2000
DOWNLOAD_TOKEN_RE = re.compile(r"^[A-Za-z0-9]{8,40}$")
# The cookie the download buttons poll to know that the file has started to arrive.
DOWNLOAD_COOKIE = "exchange_download"


def can_export_roster(user) -> bool:
    """Admins, and coordinators who were granted `placements.export_roster`."""
    if is_admin(user):
        return True
    return is_coordinator(user) and user.has_perm("placements.export_roster")


def neutralise(value):
    """A text cell that would start a formula, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    width: int
    is_date: bool = False
    # Kept on one line on the printed roster (a phone number broken in two misleads).
    nowrap: bool = False


COHORT_COLUMN = Column("cohort", _("Cohort"), 34)
ROSTER_COLUMNS = (
    Column("name_en", _("Name (English)"), 26),
    Column("name_zh", _("Name (Chinese)"), 14),
    Column("home_city", _("Home city"), 14),
    Column("home_organisation", _("Home organisation"), 44),
    Column("post_title", _("Post"), 26),
    Column("rank", _("Rank"), 24),
    Column("department", _("Host department"), 40),
    Column("start", _("Attachment start"), 15, is_date=True, nowrap=True),
    Column("end", _("Attachment end"), 15, is_date=True, nowrap=True),
    Column("supervisor", _("Supervisor"), 24),
    Column("status", _("Status"), 13),
    Column("attachment_status", _("Attachment status"), 17),
    Column("email", _("Email"), 32),
    Column("phone", _("Phone"), 18, nowrap=True),
)


class Roster:
    """The rows of `placements.selectors.roster_rows` turned into cells.

    Labels are resolved when the roster is built (in the request's language), because a streamed
    response is iterated after the view has returned.
    """

    def __init__(self, rows, *, with_cohort: bool):
        self.rows = rows
        self.columns = (COHORT_COLUMN, *ROSTER_COLUMNS) if with_cohort else ROSTER_COLUMNS
        self.headers = [str(column.label) for column in self.columns]
        self.ranks = {value: str(label) for value, label in Participant.Rank.choices}
        self.statuses = {value: str(label) for value, label in Participant.Status.choices}
        self.attachment_statuses = {value: str(label) for value, label in Attachment.Status.choices}
        self.not_attached = gettext("Not attached yet")

    def values(self, row: dict) -> dict:
        """One row's values by column key: text, dates as dates, None where empty."""
        department = ""
        if row["department_abbreviation"]:
            department = "{name} ({abbreviation})".format(
                name=row["department_name"], abbreviation=row["department_abbreviation"]
            )
        return {
            "cohort": row["cohort_name"],
            "name_en": row["name_en"],
            "name_zh": row["name_zh"],
            "home_city": row["home_city_name"],
            "home_organisation": row["organisation"] or "",
            "post_title": row["post"] or "",
            "rank": self.ranks.get(row["rank"], row["rank"]),
            "department": department,
            "start": row["attachment_start"],
            "end": row["attachment_end"],
            "supervisor": row["supervisor"] or "",
            "status": self.statuses.get(row["status"], row["status"]),
            "attachment_status": self.attachment_statuses.get(row["attachment_status"], "")
            if row["attachment_status"]
            else self.not_attached,
            "email": row["email"],
            "phone": row["phone"],
        }

    def records(self) -> Iterator[list]:
        """Each row as a list of values in column order, read through a server-side cursor."""
        keys = [column.key for column in self.columns]
        for row in self.rows.iterator(chunk_size=CHUNK_SIZE):
            values = self.values(row)
            yield [values[key] for key in keys]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


class _Echo:
    """A file-like object whose `write` hands back the line, so csv.writer can feed a stream."""

    def write(self, value):
        return value


def csv_stream(roster: Roster) -> Iterator[str]:
    """The roster as CSV text chunks: UTF-8 byte order mark first, so that Excel reads the
    Chinese names right, then the header and the rows, a few thousand rows per chunk."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(roster.headers)
    chunk: list[str] = []
    for record in roster.records():
        chunk.append(writer.writerow([_csv_cell(value) for value in record]))
        if len(chunk) >= CHUNK_SIZE:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


# A text XlsxWriter would change on its way into the sheet: XML's special characters, control
# characters and underscores (Excel's _xHHHH_ escape), whitespace at either end.
_NEEDS_ESCAPING = re.compile(r'[&<>"\n\x00-\x1f_]|^\s|\s$')


class RosterWorksheet(Worksheet):
    """XlsxWriter's worksheet with one more method for constant-memory mode: a data row of text
    and date cells written as one piece of XML, instead of a cell at a time through
    `write_string` and `write_datetime` and their table. The XML is theirs, byte for byte
    (a test compares the two); texts that need escaping go through XlsxWriter's own escaping.
    The roster's rows are most of an export's time: this writes them about twice as fast."""

    def write_roster_row(self, row: int, record: list, date_columns: set, date_format) -> None:
        if row > self.previous_row:
            self._write_single_row(row)  # what was written cell by cell before (the header)
        number = row + 1
        date_style = date_format._get_xf_index()
        cells = []
        first = last = None
        for col, value in enumerate(record):
            if value is None or value == "":
                continue
            first = col if first is None else first
            last = col
            reference = f"{xl_col_to_name(col)}{number}"
            if col in date_columns:
                excel_date = self._convert_date_time(value)
                cells.append(f'<c r="{reference}" s="{date_style}"><v>{excel_date:.16G}</v></c>')
                continue
            text = str(value)
            if len(text) > self.xls_strmax // 2 and _utf16_len(text) > self.xls_strmax:
                text = _utf16_truncate(text, self.xls_strmax)
            preserve = ""
            if _NEEDS_ESCAPING.search(text):
                text = self._escape_control_characters(text)
                preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
                text = self._escape_data(text)
            cells.append(f'<c r="{reference}" t="inlineStr"><is><t{preserve}>{text}</t></is></c>')
        if cells:
            self._check_dimensions(row, first)
            self._check_dimensions(row, last)
            self.fh.write(f'<row r="{number}">{"".join(cells)}</row>')
        self.previous_row = row


# Header: tall enough for a label wrapped on two lines in the larger Chinese glyphs.
XLSX_HEADER_HEIGHT = 32
# XlsxWriter's paper size code for A4.
XLSX_PAPER_A4 = 9


def write_xlsx(roster: Roster, target, *, title: str) -> int:
    """Write the roster as an XLSX workbook into `target` (a path or a binary file) and return
    the number of data rows. Header styled, tall enough, frozen, filtered and repeated on every
    printed page, which fits the sheet to the page's width; dates are real dates; every text is a
    text cell (`RosterWorksheet.write_roster_row`), never a formula, whatever it starts with."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    sheet = workbook.add_worksheet(
        re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Roster", worksheet_class=RosterWorksheet
    )
    header_format = workbook.add_format(
        {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": "#0D6EFD",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, column in enumerate(roster.columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(1, 0)
    sheet.repeat_rows(0)
    sheet.set_landscape()
    sheet.set_paper(XLSX_PAPER_A4)
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages long as it takes

    # Constant-memory mode writes each row when the next begins: rows strictly in order.
    sheet.set_row(0, XLSX_HEADER_HEIGHT)
    for index, label in enumerate(roster.headers):
        sheet.write_string(0, index, label, header_format)
    date_columns = {index for index, column in enumerate(roster.columns) if column.is_date}
    write_row = sheet.write_roster_row
    count = 0
    for count, record in enumerate(roster.records(), start=1):
        write_row(count, record, date_columns, date_format)
    sheet.autofilter(0, 0, count, len(roster.columns) - 1)
    workbook.close()
    return count


def xlsx_tempfile(roster: Roster, *, title: str) -> tuple[IO[bytes], int]:
    """The workbook in an anonymous temporary file (gone when closed), rewound, and its row
    count. XlsxWriter also spools the sheet's rows to disk, so memory stays flat."""
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the response closes it)
    count = write_xlsx(roster, target, title=title)
    target.seek(0)
    return target, count


def export_filename(*, cohort, extension: str, today: datetime.date) -> str:
    stem = "all-cohorts" if cohort is None else (slugify(cohort.name) or f"cohort-{cohort.pk}")
    return f"roster-{stem}-{today.isoformat()}.{extension}"


def filters_for_log(cleaned: dict) -> dict:
    """Filters by natural key, so the log reads well after reference rows change."""
    logged = {}
    if cleaned.get("home_city"):
        logged["home_city"] = cleaned["home_city"].code
    if cleaned.get("department"):
        logged["department"] = cleaned["department"].abbreviation
    if cleaned.get("status"):
        logged["status"] = cleaned["status"]
    return logged


@transaction.atomic
def export_log_create(
    *,
    user,
    cohort,
    export_format: str,
    row_count: int,
    officials: QuerySet,
    address: str | None,
    path: str,
    filters: dict | None = None,
    source: str = ExportLog.Source.ROSTER,
) -> ExportLog:
    """Record that `user` exported `row_count` rows of `officials` (a queryset of them, or of
    their roster rows); called before the file is sent. The export feeds the access log too,
    with the officials it carries, in a fixed number of queries however many they are."""
    entry = ExportLog(
        user=user,
        cohort=cohort,
        source=source,
        filters=filters or {},
        format=export_format,
        row_count=row_count,
    )
    # The user and cohort are instances the caller loaded: no need to query for them again.
    entry.full_clean(exclude=["user", "cohort"])
    entry.save()
    access_log_create(
        user=user,
        kind=AccessLog.Kind.EXPORT,
        address=address,
        path=path,
        officials=officials,
        details={
            "export_log": entry.pk,
            "format": export_format,
            "source": source,
            "cohort": cohort.name if cohort else None,
            "filters": entry.filters,
            "rows": row_count,
        },
    )
    return entry


def selection_filters(participant_ids: Iterable[int]) -> dict:
    return {"participants": sorted(participant_ids)}
