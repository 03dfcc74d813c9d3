"""Rosters out of the system: CSV, XLSX and the rows of the printable roster, safe and logged.

Exports carry personal data to people and programs outside the system, so three rules hold here:
- a cell that a spreadsheet would run as a formula is made inert (prefixed with `'`);
- memory stays flat whatever the number of rows (CSV is streamed, XLSX is written in openpyxl's
  write-only mode to a temporary file), and the rows come from one query;
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

from django.db import transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


COHORT_COLUMN = Column("cohort", _("Cohort"), 34)
ROSTER_COLUMNS = (
    Column("name_en", _("Name (English)"), 26),
    Column("name_zh", _("Name (Chinese)"), 14),
    Column("home_city", _("Home city"), 14),
    Column("home_organisation", _("Home organisation"), 44),
    Column("post_title", _("Post"), 26),
    Column("rank", _("Rank"), 24),
    Column("department", _("Host department"), 40),
    Column("start", _("Attachment start"), 15, is_date=True),
    Column("end", _("Attachment end"), 15, is_date=True),
    Column("supervisor", _("Supervisor"), 24),
    Column("status", _("Status"), 13),
    Column("attachment_status", _("Attachment status"), 17),
    Column("email", _("Email"), 32),
    Column("phone", _("Phone"), 18),
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


def _xlsx_text(value: str) -> str:
    # XML cannot carry most control characters; openpyxl would refuse the whole file.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def write_xlsx(roster: Roster, target, *, title: str) -> int:
    """Write the roster as an XLSX workbook into `target` (a path or a binary file) and return
    the number of data rows. Header styled, frozen and filtered; dates are real dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Roster")
    # Write-only sheets need their column widths and panes set before the first row.
    for index, column in enumerate(roster.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="0D6EFD")
    header_alignment = Alignment(vertical="center", wrap_text=True)
    header = []
    for label in roster.headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(label))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        header.append(cell)
    sheet.append(header)

    date_columns = {index for index, column in enumerate(roster.columns) if column.is_date}
    count = 0
    for record in roster.records():
        cells = []
        for index, value in enumerate(record):
            if index in date_columns and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str):
                cells.append(_xlsx_text(value))
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(roster.columns))}{count + 1}"
    workbook.save(target)
    return count


def xlsx_tempfile(roster: Roster, *, title: str) -> tuple[IO[bytes], int]:
    """The workbook in an anonymous temporary file (gone when closed), rewound, and its row
    count. openpyxl also spools each sheet to disk, so memory stays flat."""
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
