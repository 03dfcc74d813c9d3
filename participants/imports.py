"""Nominations import: a spreadsheet of officials (CSV or XLSX) into a cohort.

Three steps, and nothing is saved before the last:
1. `read_nominations_file` reads an upload into rows of text, refusing with a clear message what is
   not a readable spreadsheet, too big, too long, or without the expected columns;
2. `validate_nominations` checks every row against the cohort (cities, emails, ranks, languages,
   focus areas, host departments, duplicates in the file and in the cohort, city quotas) in a fixed
   number of queries; the services store the rows (`nomination_import_create`) for the preview;
3. `nomination_import_apply` re-validates under a lock on the cohort and creates every new official
   in one transaction, or none. Rows already in the cohort (same email, same name) are recognised
   and skipped, so importing a file twice creates no duplicates.
"""

import csv
import datetime
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from exchange.models import City, CityQuota, Cohort, FocusArea, HostDepartment

from .models import DETAIL_FIELDS, HostPreference, NominationImport, Participant

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_ROWS = 500
# More columns than this is not a nominations sheet; reading stops there.
MAX_COLUMNS = 40
LIST_SEPARATORS = re.compile(r"[;,，；、\n]+")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Magic numbers of files people upload by mistake, and what to call them in the message.
NOT_SPREADSHEETS = (
    (b"%PDF", _("a PDF document")),
    (b"\x89PNG", _("a PNG image")),
    (b"\xff\xd8\xff", _("a JPEG image")),
    (b"GIF8", _("a GIF image")),
    (b"\xd0\xcf\x11\xe0", _("an old Excel (.xls) or Word (.doc) file")),
    (b"\x1f\x8b", _("a gzip archive")),
)


def max_upload_bytes() -> int:
    return getattr(settings, "NOMINATIONS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_rows() -> int:
    return getattr(settings, "NOMINATIONS_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


@dataclass(frozen=True)
class ImportColumn:
    key: str
    label: Promise
    required: bool
    example: str
    help: Promise


IMPORT_COLUMNS = (
    ImportColumn(
        "name_en", _("Name (English)"), True, "Chen Minghui", _("As in the passport, in English.")
    ),
    ImportColumn("name_zh", _("Name (Chinese)"), False, "陈明辉", _("In Chinese characters.")),
    ImportColumn(
        "home_city",
        _("Home city"),
        True,
        "SZ",
        _("City code (SZ, BJ, SH, CQ, WH, HZ) or its name in English or Chinese."),
    ),
    ImportColumn(
        "home_organisation",
        _("Home organisation"),
        True,
        "Shenzhen Municipal Development and Reform Commission",
        _("The bureau or commission the official comes from."),
    ),
    ImportColumn("post_title", _("Post"), False, "Division Director", _("Post title.")),
    ImportColumn(
        "rank",
        _("Rank"),
        False,
        "division_director",
        _("division_director, deputy_division_director or other (or the rank's name)."),
    ),
    ImportColumn(
        "email", _("Email"), True, "chen.minghui@example.org", _("Unique within the cohort.")
    ),
    ImportColumn("phone", _("Phone"), False, "+86 755 0000 0000", _("With the country code.")),
    ImportColumn(
        "preferred_language",
        _("Preferred language"),
        False,
        "zh-hans",
        _("en, zh-hant or zh-hans; Simplified Chinese if empty."),
    ),
    ImportColumn(
        "focus_areas",
        _("Focus areas"),
        False,
        "gba; trade-finance",
        _("Codes or names, separated by semicolons."),
    ),
    ImportColumn(
        "host_preferences",
        _("Host department preferences"),
        False,
        "DPO; ITC",
        _("Department abbreviations, first choice first, separated by semicolons."),
    ),
)
COLUMN_KEYS = tuple(column.key for column in IMPORT_COLUMNS)
# The columns copied onto Participant as they are (after the checks).
PARTICIPANT_FIELDS = DETAIL_FIELDS
REQUIRED_KEYS = tuple(column.key for column in IMPORT_COLUMNS if column.required)


@dataclass
class ParsedFile:
    filename: str
    sha256: str
    rows: list[dict]  # [{"line": n, "values": {key: text}}]


def _normalise(text) -> str:
    """Case, spaces, punctuation and asterisks (marking required columns) do not matter."""
    return re.sub(r"[\s_\-*()（）]+", "", str(text or "")).casefold()


def _aliases(pairs) -> dict[str, object]:
    return {_normalise(alias): value for alias, value in pairs if _normalise(alias)}


def _header_aliases() -> dict[str, str]:
    """Column keys, and each column's label in every language of the site."""
    pairs = [(key, key) for key in COLUMN_KEYS]
    model_fields = [key for key in COLUMN_KEYS if key in PARTICIPANT_FIELDS]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            pairs += [(str(column.label), column.key) for column in IMPORT_COLUMNS]
            # The model's field names too ("post title", "home city"...), as forms show them.
            pairs += [
                (str(Participant._meta.get_field(key).verbose_name), key) for key in model_fields
            ]
    return _aliases(pairs)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets store phone numbers typed without "+" as numbers.
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _refuse(message, **params):
    raise ValidationError(message, params=params or None)


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Chinese Windows saves "CSV" in the GBK code page; GB18030 is its superset.
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        _refuse(_("The file is not text in UTF-8 or GBK. Save it as “CSV UTF-8” and try again."))


def _csv_records(data: bytes) -> Iterator[list[str]]:
    text = _decode_csv(data)
    if "\x00" in text:
        _refuse(_("The file is not a CSV or XLSX spreadsheet."))
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            yield [cell.strip() for cell in record[:MAX_COLUMNS]]
    except csv.Error as error:
        _refuse(
            _("The CSV file is malformed near line %(line)s: %(error)s"),
            line=reader.line_num,
            error=str(error),
        )


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    unreadable = _("The file could not be read as an Excel workbook. Save it as .xlsx or CSV.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        _refuse(unreadable)
    try:
        for record in workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield [_cell_text(value) for value in record]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError):
        _refuse(unreadable)
    finally:
        workbook.close()


def read_nominations_file(upload) -> ParsedFile:
    """Read an uploaded CSV or XLSX file into rows of text, or raise ValidationError saying what
    is wrong with it: too big, not a spreadsheet, unreadable, no expected columns, too many rows.

    The type is told from the content, not the name, so a renamed PDF or image is refused.
    Blank lines are skipped; each row keeps its line number in the file.
    """
    limit_bytes = max_upload_bytes()
    if upload.size > limit_bytes:
        _refuse(
            _("The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files."),
            size=(upload.size + 1023) // 1024,
            limit=limit_bytes // 1024,
        )
    data = upload.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        _refuse(_("The file is larger than %(limit)s KB."), limit=limit_bytes // 1024)
    if not data.strip():
        _refuse(_("The file is empty."))
    for magic, what in NOT_SPREADSHEETS:
        if data.startswith(magic):
            _refuse(
                _("This file is %(what)s, not a spreadsheet. Upload a CSV or XLSX file."),
                what=what,
            )
    row_limit = max_rows()
    records = _xlsx_records(data) if data.startswith(b"PK\x03\x04") else _csv_records(data)
    too_many = _("The file has more than %(limit)s officials. Split it into smaller files.")
    table: list[tuple[int, list[str]]] = []
    for line, record in enumerate(records, start=1):
        if any(record):
            table.append((line, record))
        # Reading stops early: formatted but empty spreadsheet rows count too, up to a point.
        if len(table) > row_limit + 1 or line > 20 * row_limit:
            _refuse(too_many, limit=row_limit)
    if not table:
        _refuse(_("The file is empty."))

    aliases = _header_aliases()
    header = [aliases.get(_normalise(title)) for title in table[0][1]]
    missing = [str(c.label) for c in IMPORT_COLUMNS if c.required and c.key not in header]
    if missing:
        _refuse(
            _(
                "The first row must name the columns; these required columns are missing: "
                "%(missing)s. Download the template to see the expected columns."
            ),
            missing=", ".join(missing),
        )
    if len(table) == 1:
        _refuse(_("The file has the column names but no officials."))

    rows = []
    for line, record in table[1:]:
        values = dict.fromkeys(COLUMN_KEYS, "")
        for key, text in zip(header, record, strict=False):
            if key is not None and text:
                values[key] = text
        rows.append({"line": line, "values": values})
    return ParsedFile(
        filename=str(upload.name)[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=rows,
    )


@dataclass
class RowResult:
    line: int
    values: dict
    errors: list[str] = field(default_factory=list)
    existing: bool = False
    cleaned: dict = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return not self.errors and not self.existing

    @property
    def ordered_values(self) -> list[str]:
        return [self.values[key] for key in COLUMN_KEYS]


@dataclass
class Validation:
    rows: list[RowResult]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def existing_count(self) -> int:
        return sum(1 for row in self.rows if row.existing and not row.errors)

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.is_new)

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


def _reference(cohort: Cohort) -> dict:
    """Everything the rows are checked against, in six queries whatever the number of rows."""
    cities, areas, departments = {}, {}, {}
    for city in City.objects.all():
        names = [city.code, city.name_en, city.name_zh_hant, city.name_zh_hans]
        cities.update(_aliases((name, city) for name in names))
    for area in FocusArea.objects.all():
        names = [area.code, area.name_en, area.name_zh_hant, area.name_zh_hans]
        areas.update(_aliases((name, area) for name in names))
    for department in HostDepartment.objects.filter(is_active=True):
        names = [
            department.abbreviation,
            department.name_en,
            department.name_zh_hant,
            department.name_zh_hans,
        ]
        departments.update(_aliases((name, department) for name in names))
    ranks, languages = [], []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            ranks += [(value, value) for value, _label in Participant.Rank.choices]
            ranks += [(str(label), value) for value, label in Participant.Rank.choices]
            languages += [(code, code) for code, _label in settings.LANGUAGES]
            languages += [(str(label), code) for code, label in settings.LANGUAGES]
    existing = list(
        Participant.objects.filter(cohort=cohort).values(
            "name_en", "email", "home_city_id", "status"
        )
    )
    return {
        "cities": cities,
        "areas": areas,
        "departments": departments,
        "ranks": _aliases(ranks),
        "languages": _aliases(languages),
        "by_email": {row["email"].casefold(): row for row in existing},
        "by_name": {(_normalise(row["name_en"]), row["home_city_id"]): row for row in existing},
        "quotas": dict(CityQuota.objects.filter(cohort=cohort).values_list("city_id", "seats")),
        "taken": dict(
            Participant.objects.filter(cohort=cohort)
            .exclude(status=Participant.Status.WITHDRAWN)
            .values("home_city_id")
            .annotate(n=Count("pk"))
            .values_list("home_city_id", "n")
        ),
    }


def _lookup_list(text: str, table: dict, unknown_message: str, errors: list) -> list:
    found = []
    for item in LIST_SEPARATORS.split(text):
        if not item.strip():
            continue
        match = table.get(_normalise(item))
        if match is None:
            errors.append(unknown_message.format(value=item.strip()))
        elif match not in found:
            found.append(match)
    return found


def _check_row(row: RowResult, ref: dict) -> None:
    """The checks of one row on its own; duplicates and quotas need the others and come after."""
    values, errors, cleaned = row.values, row.errors, row.cleaned
    labels = {column.key: column.label for column in IMPORT_COLUMNS}
    for key in REQUIRED_KEYS:
        if not values[key]:
            errors.append(gettext("Missing {column}.").format(column=labels[key]))
    for key in ("name_en", "name_zh", "home_organisation", "post_title", "email", "phone"):
        limit = Participant._meta.get_field(key).max_length
        if len(values[key]) > limit:
            errors.append(
                gettext("{column} is longer than {limit} characters.").format(
                    column=labels[key], limit=limit
                )
            )
        cleaned[key] = values[key]
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(
                gettext("“{value}” is not a valid email address.").format(value=values["email"])
            )
    if values["home_city"]:
        cleaned["home_city"] = ref["cities"].get(_normalise(values["home_city"]))
        if cleaned["home_city"] is None:
            errors.append(
                gettext("Unknown city “{value}”: use a city code such as SZ, or its name.").format(
                    value=values["home_city"]
                )
            )
    cleaned["rank"] = Participant.Rank.OTHER
    if values["rank"]:
        cleaned["rank"] = ref["ranks"].get(_normalise(values["rank"]))
        if cleaned["rank"] is None:
            errors.append(
                gettext(
                    "Unknown rank “{value}”: use division_director, "
                    "deputy_division_director or other."
                ).format(value=values["rank"])
            )
    cleaned["preferred_language"] = "zh-hans"
    if values["preferred_language"]:
        cleaned["preferred_language"] = ref["languages"].get(
            _normalise(values["preferred_language"])
        )
        if cleaned["preferred_language"] is None:
            errors.append(
                gettext("Unknown language “{value}”: use en, zh-hant or zh-hans.").format(
                    value=values["preferred_language"]
                )
            )
    cleaned["focus_areas"] = _lookup_list(
        values["focus_areas"], ref["areas"], gettext("Unknown focus area “{value}”."), errors
    )
    cleaned["host_preferences"] = _lookup_list(
        values["host_preferences"],
        ref["departments"],
        gettext("Unknown host department “{value}”."),
        errors,
    )


def validate_nominations(*, cohort: Cohort, rows: list[dict]) -> Validation:
    """Check every row against the cohort and each other; nothing is written."""
    ref = _reference(cohort)
    results = [RowResult(line=row["line"], values=dict(row["values"])) for row in rows]
    seen_emails: dict[str, int] = {}
    seen_names: dict[tuple, int] = {}
    new_per_city: Counter = Counter()
    for row in results:
        _check_row(row, ref)
        city = row.cleaned.get("home_city")
        email = row.values["email"].casefold()
        name = _normalise(row.values["name_en"])

        if email and email in seen_emails:
            row.errors.append(
                gettext("Duplicate official: same email as row {line}.").format(
                    line=seen_emails[email]
                )
            )
        elif city is not None and name and (name, city.pk) in seen_names:
            row.errors.append(
                gettext("Duplicate official: same name and city as row {line}.").format(
                    line=seen_names[(name, city.pk)]
                )
            )
        if email:
            seen_emails.setdefault(email, row.line)
        if city is not None and name:
            seen_names.setdefault((name, city.pk), row.line)

        present = ref["by_email"].get(email) if email else None
        if present is not None:
            if _normalise(present["name_en"]) == name:
                row.existing = True
            else:
                row.errors.append(
                    gettext(
                        "Duplicate official: {email} already belongs to {name} in this cohort."
                    ).format(email=row.values["email"], name=present["name_en"])
                )
        elif city is not None and (name, city.pk) in ref["by_name"]:
            other = ref["by_name"][(name, city.pk)]
            row.errors.append(
                gettext(
                    "Duplicate official: {name} of {city} is already in this cohort, "
                    "with the email {email}."
                ).format(name=row.values["name_en"], city=city.name, email=other["email"])
            )

        if city is not None and not row.existing:
            seats = ref["quotas"].get(city.pk)
            new_per_city[city.pk] += 1
            taken = ref["taken"].get(city.pk, 0)
            if seats is None:
                row.errors.append(
                    gettext(
                        "{city} has no seats in this cohort; an admin can add a city quota."
                    ).format(city=city.name)
                )
            elif taken + new_per_city[city.pk] > seats:
                row.errors.append(
                    gettext(
                        "Quota exceeded: {city} has {seats} seats in this cohort, "
                        "{taken} already taken; this would be official number {number}."
                    ).format(
                        city=city.name,
                        seats=seats,
                        taken=taken,
                        number=taken + new_per_city[city.pk],
                    )
                )
    return Validation(rows=results)


@transaction.atomic
def nomination_import_create(*, cohort: Cohort, parsed: ParsedFile, by) -> NominationImport:
    """Keep an uploaded file's rows for the preview; no official is created yet."""
    upload = NominationImport(
        cohort=cohort,
        uploaded_by=by,
        filename=parsed.filename,
        sha256=parsed.sha256,
        rows=parsed.rows,
    )
    upload.full_clean()
    upload.save()
    return upload


def _ensure_pending(upload: NominationImport) -> None:
    if upload.status == NominationImport.Status.APPLIED:
        raise ValidationError(_("This file has already been imported."))
    if upload.status == NominationImport.Status.DISCARDED:
        raise ValidationError(_("This upload was discarded; upload the file again."))


@transaction.atomic
def nomination_import_apply(*, nomination_import: NominationImport, by) -> Validation:
    """Create every new official of the upload, or none.

    The rows are validated again, under a lock on the cohort: two imports into the same cohort
    run one after the other, so they cannot together exceed a city's quota. Rows already in the
    cohort are skipped. Raises ValidationError (and saves nothing) if any row has an error.
    """
    upload = NominationImport.objects.select_for_update().get(pk=nomination_import.pk)
    _ensure_pending(upload)
    cohort = Cohort.objects.select_for_update().get(pk=upload.cohort_id)
    validation = validate_nominations(cohort=cohort, rows=upload.rows)
    if not validation.is_valid:
        raise ValidationError(
            gettext(
                "{count} rows have errors, so nothing was imported. Fix the file and upload it "
                "again."
            ).format(count=validation.error_count)
        )
    new_rows = [row for row in validation.rows if row.is_new]
    officials = []
    for row in new_rows:
        official = Participant(
            cohort=cohort,
            status=Participant.Status.NOMINATED,
            **{key: row.cleaned[key] for key in PARTICIPANT_FIELDS},
        )
        # Uniqueness was checked for all rows at once above, under the cohort lock; the
        # database constraints back it up. Checking it again per row would cost a query each.
        official.full_clean(validate_unique=False, validate_constraints=False)
        officials.append(official)
    try:
        with transaction.atomic():
            Participant.objects.bulk_create(officials)
            FocusLink = Participant.focus_areas.through
            FocusLink.objects.bulk_create(
                FocusLink(participant_id=official.pk, focusarea_id=area.pk)
                for official, row in zip(officials, new_rows, strict=True)
                for area in row.cleaned["focus_areas"]
            )
            HostPreference.objects.bulk_create(
                HostPreference(participant=official, department=department, rank=rank)
                for official, row in zip(officials, new_rows, strict=True)
                for rank, department in enumerate(row.cleaned["host_preferences"], start=1)
            )
    except IntegrityError as error:
        raise ValidationError(
            _("Someone changed this cohort at the same moment; open the preview again.")
        ) from error
    upload.status = NominationImport.Status.APPLIED
    upload.created_count = len(officials)
    upload.applied_at = timezone.now()
    upload.save(update_fields=["status", "created_count", "applied_at"])
    return validation


@transaction.atomic
def nomination_import_discard(*, nomination_import: NominationImport, by) -> None:
    """Drop an upload that will not be applied (its rows were never saved as officials)."""
    upload = NominationImport.objects.select_for_update().get(pk=nomination_import.pk)
    _ensure_pending(upload)
    upload.status = NominationImport.Status.DISCARDED
    upload.save(update_fields=["status"])


def previous_imports_of_same_file(*, upload: NominationImport):
    """Earlier applied imports of the very same file into the same cohort."""
    return NominationImport.objects.filter(
        ~Q(pk=upload.pk),
        cohort_id=upload.cohort_id,
        sha256=upload.sha256,
        status=NominationImport.Status.APPLIED,
    ).order_by("-applied_at")


def template_csv() -> str:
    """The CSV template: UTF-8 with a byte order mark, the column names and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_KEYS)
    writer.writerow([column.example for column in IMPORT_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def template_xlsx(target) -> None:
    """The XLSX template: the columns and an example row, and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Nominations")
    sheet.append(list(COLUMN_KEYS))
    sheet.append([column.example for column in IMPORT_COLUMNS])
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF3CD")
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        sheet.column_dimensions[cell.column_letter].width = max(16, len(column.example) + 2)
        # Phone numbers and codes stay text, so Excel does not drop a leading "+" or zero.
        for row in range(2, max_rows() + 2):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(gettext("Columns"))
    help_sheet.append([gettext("Column"), gettext("Name"), gettext("Required"), gettext("What")])
    for cell in help_sheet[1]:
        cell.font = bold
    for column in IMPORT_COLUMNS:
        help_sheet.append(
            [
                column.key,
                str(column.label),
                gettext("yes") if column.required else gettext("no"),
                str(column.help),
            ]
        )
    for letter, width in zip("ABCD", (20, 28, 10, 80), strict=True):
        help_sheet.column_dimensions[letter].width = width
    workbook.save(target)
