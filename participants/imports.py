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

import codecs
import contextlib
import csv
import datetime
import functools
import hashlib
import io
import itertools
import posixpath
import re
import struct
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import DefusedExpatParser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from exchange.models import City, CityQuota, Cohort, FocusArea, HostDepartment
from exchange.translated import set_translated

from .models import DETAIL_FIELDS, HostPreference, NominationImport, Participant
from .services import TRANSLATED_FIELDS as TRANSLATED

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_ROWS = 500
# More columns than this is not a nominations sheet; reading stops there.
MAX_COLUMNS = 40
# The longest column of a nomination (an organisation's name) is 255 characters.
MAX_CELL_CHARS = 1000
# A file of N officials may have this many rows per official, blank ones included, before it
# is refused: a little formatting below the officials is fine, a million formatted rows are not.
BLANK_ROWS_PER_OFFICIAL = 20
# What a multipart request carries besides the file: boundaries, part headers, the CSRF token.
UPLOAD_ENVELOPE_BYTES = 16 * 1024
NON_ASCII = re.compile(r"[^\x00-\x7f]")
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
    # The Chinese texts of the organisation and the post, optional (last, so that files made
    # before they existed still read): empty ones fall back to the other script, then English.
    ImportColumn(
        "home_organisation_zh_hant",
        _("Home organisation (Traditional Chinese)"),
        False,
        "深圳市發展和改革委員會",
        _("Optional; in Traditional Chinese."),
    ),
    ImportColumn(
        "home_organisation_zh_hans",
        _("Home organisation (Simplified Chinese)"),
        False,
        "深圳市发展和改革委员会",
        _("Optional; in Simplified Chinese."),
    ),
    ImportColumn(
        "post_title_zh_hant",
        _("Post (Traditional Chinese)"),
        False,
        "處長",
        _("Optional; in Traditional Chinese."),
    ),
    ImportColumn(
        "post_title_zh_hans",
        _("Post (Simplified Chinese)"),
        False,
        "处长",
        _("Optional; in Simplified Chinese."),
    ),
)
COLUMN_KEYS = tuple(column.key for column in IMPORT_COLUMNS)
# The columns copied onto Participant as they are (after the checks).
PARTICIPANT_FIELDS = DETAIL_FIELDS
REQUIRED_KEYS = tuple(column.key for column in IMPORT_COLUMNS if column.required)
# The optional Chinese texts of the translated columns (`home_organisation_zh_hant`, ...).
CHINESE_KEYS = tuple(key for key in COLUMN_KEYS if key.endswith(("_zh_hant", "_zh_hans")))


@dataclass
class ParsedFile:
    filename: str
    sha256: str
    rows: list[dict]  # [{"line": n, "values": {key: text}}]
    # The codec a CSV file was read with, and the file itself so that it can be read again in
    # another; both empty for an XLSX workbook, whose XML says how its text is encoded.
    encoding: str = ""
    content: bytes = b""


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


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _check_cell(text: str, line: int, column: int) -> None:
    _check_cell_length(len(text), line, column)


def _check_cell_length(length: int, line: int, column: int) -> None:
    if length > MAX_CELL_CHARS:
        _refuse(
            _(
                "Row %(row)s, column %(column)s has more than %(limit)s characters; no column of "
                "a nomination needs that many. Shorten it and try again."
            ),
            row=line,
            column=_column_letters(column),
            limit=MAX_CELL_CHARS,
        )


# CSV encodings -------------------------------------------------------------------------------
# Excel saves "CSV" in the ANSI code page of the Windows it runs on: GBK on Simplified Chinese
# Windows, Big5 on Traditional Chinese (with the Hong Kong supplement where it is installed);
# "CSV UTF-8" and "Unicode text" (UTF-16) when asked. The codecs, in the order ties are settled.
CSV_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "gb18030": _("GBK / GB18030 (Simplified Chinese)"),
    "cp950": _("Big5 (Traditional Chinese)"),
    "big5hkscs": _("Big5-HKSCS (Hong Kong)"),
}
# The legacy Chinese encodings share most byte pairs, so bytes in one of them usually decode
# without error in the others too, into other characters: the decoding is chosen on sight
# (`_plausibility`).
LEGACY_CHINESE = ("gb18030", "cp950", "big5hkscs")
# The most frequent Chinese surnames, in each script: a Name (Chinese) begins with one of them
# far more often than a character picked at random does.
SURNAMES = {
    "simplified": set(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜"
        "叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶"
        "贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文施洪关麦区冼岑"
    ),
    "traditional": set(
        "王李張劉陳楊黃趙吳周徐孫馬朱胡郭何林高羅鄭梁謝宋唐許韓鄧馮曹彭曾蕭肖田董潘袁蔡蔣余于"
        "杜葉程魏蘇呂丁任盧姚沈鍾鐘姜崔譚陸范汪廖石金韋賈夏付方鄒熊白孟秦邱侯江尹薛閆段雷龍黎"
        "史陶賀毛郝顧龔邵萬覃武錢戴嚴歐莫孔向常湯康易喬賴文施洪關麥區冼岑"
    ),
}
SCRIPT_OF = {"gb18030": "simplified", "cp950": "traditional", "big5hkscs": "traditional"}


def _charset_block(codec: str, leads: range, trails: tuple[range, ...], last: bytes) -> set:
    characters = set()
    for lead in leads:
        for trail in itertools.chain(*trails):
            pair = bytes((lead, trail))
            if pair > last:
                return characters
            with contextlib.suppress(UnicodeDecodeError):
                characters.add(pair.decode(codec))
    return characters


@functools.cache
def _common_characters(script: str) -> frozenset:
    """The characters in everyday use: level 1 of GB 2312 (3,755 simplified characters) and of
    Big5 (5,401 traditional ones), as the standards define them by their byte ranges."""
    if script == "simplified":
        found = _charset_block("gb2312", range(0xB0, 0xD8), (range(0xA1, 0xFF),), b"\xd7\xf9")
    else:
        trails = (range(0x40, 0x7F), range(0xA1, 0xFF))
        found = _charset_block("cp950", range(0xA4, 0xC7), trails, b"\xc6\x7e")
    return frozenset(found)


def _is_han(code: int) -> bool:
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F


def _is_ordinary_punctuation(code: int) -> bool:
    # Latin letters with accents, general and CJK punctuation, full-width forms: at home in a
    # list of names, unlike kana, Cyrillic, box drawing or private-use characters.
    return (
        0xA0 <= code <= 0x24F
        or 0x2000 <= code <= 0x206F
        or 0x3000 <= code <= 0x3003
        or 0x3008 <= code <= 0x301F
        or 0xFF01 <= code <= 0xFF65
        or 0xF900 <= code <= 0xFAFF
    )


def _plausibility(text: str, codec: str) -> int | None:
    """How much `text` looks like what a nominations file holds, or None if it does not at all.

    Only the characters outside ASCII count (they are the same in every candidate). A decoding
    is implausible if it yields any control, private-use, unassigned or out-of-place character
    (kana, Cyrillic, symbols: what Big5 bytes read as GBK look like), or if fewer than half of
    its Chinese characters are common ones in its script. Otherwise it scores a point for each
    common character and two for each common surname, so that of two clean readings the one
    that gives everyday words and names wins.
    """
    script = SCRIPT_OF[codec]
    common = _common_characters(script)
    surnames = SURNAMES[script]
    score = han = usual = 0
    for character, count in Counter(NON_ASCII.findall(text)).items():
        code = ord(character)
        if _is_han(code):
            han += count
            if character in common or character in surnames:
                usual += count
                score += count * (2 if character in surnames else 1)
        elif not _is_ordinary_punctuation(code) or unicodedata.category(character)[0] == "C":
            return None
    if usual * 2 < han:
        return None
    return score


def _utf8_reading(text: str) -> str:
    """How valid UTF-8 reads: "natural" if it is Latin or Chinese text; "foreign" if it also has
    letters of the Greek or the Cyrillic alphabet (one of them), as GBK bytes read as UTF-8 may
    spell; "garbage" if it has other scripts, marks, modifiers or controls, as GBK bytes read
    as UTF-8 mostly give (Cyrillic with Armenian, Hebrew accents...)."""
    alphabets = set()
    for character in set(NON_ASCII.findall(text)):
        code = ord(character)
        if unicodedata.category(character)[0] == "C":
            return "garbage"
        if _is_han(code) or _is_ordinary_punctuation(code) or 0x300 <= code <= 0x36F:
            continue  # with the combining accents of decomposed Latin letters
        if 0x391 <= code <= 0x3C9:
            alphabets.add("greek")
        elif 0x400 <= code <= 0x45F:
            alphabets.add("cyrillic")
        else:
            return "garbage"
    return {0: "natural", 1: "foreign"}.get(len(alphabets), "garbage")


def _decoding_error(codec: str, error: UnicodeDecodeError):
    _refuse(
        _(
            "The file is not valid %(encoding)s text (at byte %(position)s). Choose another "
            "encoding, or save the file as “CSV UTF-8”."
        ),
        encoding=CSV_ENCODINGS[codec],
        position=error.start + 1,
    )


def _decode_csv(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The text of a CSV file and the codec it was read with: `encoding` if given, else the one
    its byte order mark names, else UTF-8 if the bytes are valid UTF-8 of Latin or Chinese
    text, else the most plausible of the legacy Chinese encodings in which they are valid.

    Refused, naming the candidates, if two legacy encodings give different texts of about the
    same plausibility, or one does and the bytes are also valid UTF-8 of another alphabet
    (GBK bytes can spell Cyrillic in UTF-8); refused if none is plausible, unless the bytes are
    valid UTF-8: then that is what they are."""
    if encoding:
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return data.decode(codec), encoding
        except UnicodeDecodeError as error:
            _decoding_error(encoding, error)
    tried = [str(label) for label in CSV_ENCODINGS.values()]
    refusal = _(
        "The file is not text in any of the encodings tried (%(encodings)s). Save it as "
        "“CSV UTF-8” and try again."
    )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            _refuse(refusal, encodings=", ".join(tried))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            _decoding_error("utf-16", error)
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    reading = _utf8_reading(utf8) if utf8 is not None else None
    if reading == "natural":
        return utf8, "utf-8"
    decodings, scores = {}, {}
    for codec in LEGACY_CHINESE:
        with contextlib.suppress(UnicodeDecodeError):
            decodings[codec] = data.decode(codec)
            scores[codec] = _plausibility(decodings[codec], codec)
    plausible = [codec for codec in LEGACY_CHINESE if scores.get(codec) is not None]
    if plausible:
        # The highest score; of equal ones the first, in the order of CSV_ENCODINGS.
        best = max(plausible, key=lambda codec: (scores[codec], -plausible.index(codec)))
        texts = {decodings[best]}
        rivals = []
        for codec in plausible:
            if decodings[codec] not in texts and scores[codec] * 5 >= scores[best] * 4:
                texts.add(decodings[codec])
                rivals.append(codec)
        if reading == "foreign":
            rivals.insert(0, "utf-8")
        if rivals:
            # A file of a name or two can read as good words in both scripts: ask, not guess.
            _refuse(
                _(
                    "The file reads as plausible text in more than one encoding (%(encodings)s). "
                    "Choose its encoding below and upload it again, or save it as “CSV UTF-8”."
                ),
                encodings=", ".join(str(CSV_ENCODINGS[codec]) for codec in [best, *rivals]),
            )
        return decodings[best], best
    if utf8 is not None:
        # Valid UTF-8 with unusual characters is still what the file says.
        return utf8, "utf-8"
    _refuse(refusal, encodings=", ".join(tried))


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    if "\x00" in text:
        _refuse(_("The file is not a CSV or XLSX spreadsheet."))
    first_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for line, record in enumerate(reader, start=1):
            cells = [cell.strip() for cell in record[:MAX_COLUMNS]]
            for column, cell in enumerate(cells, start=1):
                _check_cell(cell, line, column)
            yield line, cells
    except csv.Error as error:
        _refuse(
            _("The CSV file is malformed near line %(line)s: %(error)s"),
            line=reader.line_num,
            error=str(error),
        )


# XLSX workbooks ------------------------------------------------------------------------------
# An XLSX file is a zip of XML parts. Its size on upload says little about what it unpacks to,
# so the zip's directory is checked before a byte is inflated (Python's zipfile never inflates
# a part beyond the size the directory declares for it), and the XML is read as a stream of
# events by defusedxml's expat parser, which refuses document type declarations (so entity
# bombs and external entities), and builds no tree: memory holds one cell at a time.
XLSX_MAX_PARTS = 200
XLSX_MAX_PART_BYTES = 8 * 1024 * 1024
XLSX_MAX_TOTAL_BYTES = 24 * 1024 * 1024
# XML compresses about ten to one, formatted empty rows a few times better; whitespace or one
# repeated cell, as in a zip bomb, a thousand to one. Small parts are let be whatever they are.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM_BYTES = 1024 * 1024
# Parsing costs a microsecond or two an element. 500 officials in 40 columns are 60,000 of them,
# 10,000 formatted empty rows of 11 cells 130,000; past this, reading would take seconds.
XLSX_MAX_ELEMENTS = 200_000
XML_CHUNK_BYTES = 64 * 1024
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
UNREADABLE_XLSX = _("The file could not be read as an Excel workbook. Save it as .xlsx or CSV.")
REBUILD_XLSX = _("Copy the officials into a new workbook, save it as .xlsx and try again.")


@dataclass
class _Archive:
    zip: zipfile.ZipFile
    elements_left: int = XLSX_MAX_ELEMENTS


def _open_archive(data: bytes) -> _Archive:
    """The workbook's zip, once its directory shows that unpacking it costs what a spreadsheet
    costs: a few parts, none too large or compressed like a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except ZIP_ERRORS:
        _refuse(UNREADABLE_XLSX)
    if len(members) > XLSX_MAX_PARTS:
        _refuse(
            _("The workbook is made of %(count)s parts, far more than a spreadsheet has. %(fix)s"),
            count=len(members),
            fix=REBUILD_XLSX,
        )
    if any(member.flag_bits & 0x1 for member in members):
        _refuse(_("The workbook is encrypted. Save it without a password and try again."))
    total = sum(member.file_size for member in members)
    if total > XLSX_MAX_TOTAL_BYTES or any(m.file_size > XLSX_MAX_PART_BYTES for m in members):
        _refuse(
            _(
                "The workbook unpacks to %(size)s MB, far more than a list of officials needs. "
                "%(fix)s"
            ),
            size=-(-total // (1024 * 1024)),
            fix=REBUILD_XLSX,
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
            _refuse(
                _(
                    "The workbook is compressed %(ratio)s to 1, as zip bombs are and spreadsheets "
                    "never are. %(fix)s"
                ),
                ratio=int(ratio),
                fix=REBUILD_XLSX,
            )
    return _Archive(zip=archive)


@functools.cache
def _local(name: str) -> str:
    # Workbooks may prefix their elements ("x:row") and name them in the transitional or the
    # strict OOXML namespace: the local name is what counts.
    return name.rpartition(":")[2]


class _XmlEvents:
    """Collects ("start", name, attributes) and ("end", name, text) events. A text is kept up
    to just past the longest cell, so that a longer one is refused, not stored."""

    def __init__(self):
        self.events: list[tuple[str, str, object]] = []
        self._text: list[str] = []
        self._size = 0

    def xml(self, encoding, standalone):
        pass

    def start(self, name, attrs):
        if attrs:
            attrs = {_local(key): value for key, value in attrs.items()}
        self.events.append(("start", _local(name), attrs))
        self._text, self._size = [], 0

    def end(self, name):
        self.events.append(("end", _local(name), "".join(self._text)))
        self._text, self._size = [], 0

    def data(self, content):
        if self._size <= MAX_CELL_CHARS:
            self._text.append(content)
        self._size += len(content)


def _xml_stream(archive: _Archive, name: str) -> Iterator[tuple[str, str, object]]:
    """The events of one part, parsed a chunk at a time, within the workbook's element budget.

    The parser is defusedxml's expat parser (the one it defuses XML-RPC with): expat calling
    our handlers directly, several times faster than through SAX, with defusedxml's guards.
    """
    handler = _XmlEvents()
    parser = DefusedExpatParser(handler, forbid_dtd=True)
    try:
        with archive.zip.open(name) as stream:
            while chunk := stream.read(XML_CHUNK_BYTES):
                parser.feed(chunk)
                yield from _counted(archive, handler.events)
                handler.events = []
            parser.close()
            yield from _counted(archive, handler.events)
    except KeyError:
        _refuse(UNREADABLE_XLSX)
    except DefusedXmlException:
        _refuse(
            _(
                "The workbook contains XML declarations (a DTD or entities) that spreadsheets do "
                "not use and malicious files do. Save it again as .xlsx and try again."
            )
        )
    except (ExpatError, *ZIP_ERRORS):
        _refuse(UNREADABLE_XLSX)


def _counted(archive: _Archive, events: list) -> list:
    archive.elements_left -= len(events) // 2
    if archive.elements_left < 0:
        _refuse(
            _("The workbook holds far more than a list of %(limit)s officials. %(fix)s"),
            limit=max_rows(),
            fix=REBUILD_XLSX,
        )
    return events


def _kind(relationship_type: str) -> str:
    # ".../officeDocument/2006/relationships/worksheet" (or the strict OOXML one): "worksheet".
    return relationship_type.rpartition("/")[2]


def _part_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _relationships(archive: _Archive, part: str) -> dict[str, tuple[str, str]]:
    """The relationships of a part: {id: (type, path of the target)}."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in archive.zip.NameToInfo:
        return {}
    return {
        attrs.get("Id", ""): (attrs.get("Type", ""), _part_path(part, attrs.get("Target", "")))
        for event, name, attrs in _xml_stream(archive, rels)
        if event == "start" and name == "Relationship"
    }


@dataclass
class _Workbook:
    archive: _Archive
    sheets: list[str]
    strings: list[str]
    date_styles: set[int]
    epoch: datetime.datetime


def _shared_strings(archive: _Archive, path: str | None) -> list[str]:
    # A string longer than a cell may be is kept one character too long: the cell that uses it
    # is then refused, by its row and column.
    strings: list[str] = []
    texts: list[str] = []
    phonetic = 0
    for event, name, data in _xml_stream(archive, path) if path else ():
        if event == "start":
            if name == "si":
                texts = []
            elif name == "rPh":
                phonetic += 1
        elif name == "rPh":
            phonetic -= 1
        elif name == "t" and not phonetic and sum(map(len, texts)) <= MAX_CELL_CHARS:
            texts.append(data)
        elif name == "si":
            strings.append("".join(texts)[: MAX_CELL_CHARS + 1])
    return strings


def _date_styles(archive: _Archive, path: str | None) -> set[int]:
    """The cell styles whose number format shows a date, as openpyxl tells them."""
    formats = dict(BUILTIN_FORMATS)
    style_formats: list[int] = []
    in_cell_styles = False
    for event, name, data in _xml_stream(archive, path) if path else ():
        if name == "cellXfs":
            in_cell_styles = event == "start"
        elif event == "start" and name == "numFmt":
            formats[_index(data.get("numFmtId"), -1)] = data.get("formatCode", "")
        elif event == "start" and name == "xf" and in_cell_styles:
            style_formats.append(_index(data.get("numFmtId"), 0))
    return {
        index
        for index, format_id in enumerate(style_formats)
        if is_date_format(formats.get(format_id) or "")
    }


def _workbook(data: bytes) -> _Workbook:
    archive = _open_archive(data)
    package = _relationships(archive, "")
    workbook_path = next(
        (path for kind, path in package.values() if _kind(kind) == "officeDocument"), None
    )
    if workbook_path is None or workbook_path not in archive.zip.NameToInfo:
        _refuse(UNREADABLE_XLSX)
    parts = _relationships(archive, workbook_path)
    sheet_ids, is_workbook, epoch = [], False, CALENDAR_WINDOWS_1900
    for event, name, attrs in _xml_stream(archive, workbook_path):
        if event != "start":
            continue
        if name == "workbook":
            is_workbook = True
        elif name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
            epoch = CALENDAR_MAC_1904
        elif name == "sheet":
            sheet_ids.append(attrs.get("id", ""))
    if not is_workbook:
        _refuse(UNREADABLE_XLSX)
    sheets = [
        parts[sheet_id][1]
        for sheet_id in sheet_ids
        if sheet_id in parts and _kind(parts[sheet_id][0]) == "worksheet"
    ]
    by_kind = {_kind(kind): path for kind, path in parts.values()}
    return _Workbook(
        archive=archive,
        sheets=sheets,
        strings=_shared_strings(archive, by_kind.get("sharedStrings")),
        date_styles=_date_styles(archive, by_kind.get("styles")),
        epoch=epoch,
    )


def _number(text: str):
    if any(mark in text for mark in ".eE"):
        return float(text)
    return int(text)


@dataclass
class _Cell:
    kind: str
    style: int
    value: str | None = None
    texts: list[str] = field(default_factory=list)
    size: int = 0


def _cell_value(cell: _Cell, workbook: _Workbook) -> str:
    """A cell's text, read the way Excel shows it and openpyxl returns it (not yet stripped)."""
    value = (cell.value or "").strip()
    if cell.kind == "inlineStr":
        return "".join(cell.texts)
    if cell.kind == "s":
        index = _index(value, -1)
        if not 0 <= index < len(workbook.strings):
            _refuse(UNREADABLE_XLSX)
        return workbook.strings[index]
    if cell.kind == "b":
        return _cell_text(value not in ("", "0", "false"))
    if cell.kind in ("str", "e", "d") or not value:
        return value
    try:
        number = _number(value)
    except ValueError:
        return value
    if cell.style in workbook.date_styles:
        with contextlib.suppress(ValueError, OverflowError):
            return _cell_text(from_excel(number, workbook.epoch))
    return _cell_text(number)


def _index(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _column_number(reference: str | None, default: int) -> int:
    letters = re.match(r"[A-Z]{1,3}", reference or "")
    if letters is None:
        return default
    number = 0
    for letter in letters.group():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _sheet_records(workbook: _Workbook, path: str) -> Iterator[tuple[int, list[str]]]:
    """A worksheet's rows as they are parsed: (row number, texts of its first columns)."""
    line = column = phonetic = 0
    record: list[str] | None = None
    cell: _Cell | None = None
    for event, name, data in _xml_stream(workbook.archive, path):
        if event == "start":
            if name == "row":
                line, column, record = _index(data.get("r"), line + 1), 0, []
            elif name == "c" and record is not None:
                column = _column_number(data.get("r"), column + 1)
                # Cells right of the columns read are skipped, their content with them.
                cell = None
                if column <= MAX_COLUMNS:
                    cell = _Cell(kind=data.get("t", "n"), style=_index(data.get("s"), 0))
            elif name == "rPh":
                phonetic += 1
        elif name == "rPh":
            phonetic -= 1
        elif cell is not None and name == "v":
            cell.value = data
        elif cell is not None and name == "t" and not phonetic:
            cell.texts.append(data)
            cell.size += len(data)
            # A cell of many short runs is refused before the runs pile up.
            _check_cell_length(cell.size, line, column)
        elif cell is not None and name == "c":
            text = _cell_value(cell, workbook)
            _check_cell(text, line, column)
            record.extend([""] * (column - len(record)))
            record[column - 1] = text.strip()
            cell = None
        elif record is not None and name == "row":
            yield line, record
            record = None


def _xlsx_tables(data: bytes) -> Iterator[Iterator[tuple[int, list[str]]]]:
    workbook = _workbook(data)
    try:
        for path in workbook.sheets:
            yield _sheet_records(workbook, path)
    finally:
        workbook.archive.zip.close()


def _missing_columns(header: list) -> list[str]:
    return [str(c.label) for c in IMPORT_COLUMNS if c.required and c.key not in header]


def _sheet_table(records, aliases: dict, row_limit: int, budget: list[int]):
    """The header of one sheet (its first non-blank row, as column keys) and, if it names the
    required columns, the rows below it; `budget` counts down the rows read in all sheets."""
    header, table = None, []
    for line, record in records:
        budget[0] -= 1
        if budget[0] < 0:
            _refuse(
                _(
                    "The file has more than %(limit)s rows, counting empty ones. Delete the "
                    "empty rows below the officials and try again."
                ),
                limit=BLANK_ROWS_PER_OFFICIAL * row_limit,
            )
        if not any(record):
            continue
        if header is None:
            header = [aliases.get(_normalise(title)) for title in record]
            if _missing_columns(header):
                return header, []
            continue
        table.append((line, record))
        if len(table) > row_limit:
            _refuse(
                _("The file has more than %(limit)s officials. Split it into smaller files."),
                limit=row_limit,
            )
    return header, table


def _nominations_table(tables, aliases: dict) -> tuple[list, list[tuple[int, list[str]]]]:
    """The header and rows of the first sheet whose first non-blank row names the required
    columns (else the header of the first sheet that is not blank, for the message), read as a
    stream that stops at the row limit: more officials than the limit, or more rows in all
    (blank ones too) than a file of that many officials could have, and the file is refused
    there, before the rest is parsed."""
    row_limit = max_rows()
    budget = [BLANK_ROWS_PER_OFFICIAL * row_limit]
    first = None
    for sheet in tables:
        with contextlib.closing(sheet) as records:
            header, table = _sheet_table(records, aliases, row_limit, budget)
        first = first or header
        if header is not None and not _missing_columns(header):
            return header, table
    if first is None:
        _refuse(_("The file is empty."))
    return first, []


def read_nominations_file(upload, *, encoding: str = "") -> ParsedFile:
    """Read an uploaded CSV or XLSX file into rows of text, or raise ValidationError saying what
    is wrong with it: too big, not a spreadsheet, unreadable, no expected columns, too many rows.

    The size is checked before the file is read, and the limits of `read_nominations_content`
    apply while it is parsed.
    """
    limit_bytes = max_upload_bytes()
    if upload.size > limit_bytes:
        _refuse_size(upload.size)
    data = upload.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        _refuse(_("The file is larger than %(limit)s KB."), limit=limit_bytes // 1024)
    return read_nominations_content(data, filename=str(upload.name), encoding=encoding)


def _refuse_size(size: int):
    _refuse(
        _("The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files."),
        size=(size + 1023) // 1024,
        limit=max_upload_bytes() // 1024,
    )


def check_upload_size(*, content_length) -> None:
    """Refuse a request whose declared size is more than a nominations file and the form
    around it can be, before its body is read (the same message as for the file itself)."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        declared = 0
    if declared > max_upload_bytes() + UPLOAD_ENVELOPE_BYTES:
        _refuse_size(declared)


def read_nominations_content(data: bytes, *, filename: str, encoding: str = "") -> ParsedFile:
    """Read the bytes of a nominations file into rows of text, or raise ValidationError.

    The type is told from the content, not the name, so a renamed PDF or image is refused. A CSV
    file is read in `encoding` if given, else in the encoding its bytes show (see
    `_decode_csv`). An XLSX workbook is unpacked only if its zip directory shows a spreadsheet's
    sizes, and parsed as a stream: the first sheet with the expected columns is read, and
    reading stops at the row limit; no cell may be longer than MAX_CELL_CHARS. Blank lines are
    skipped; each row keeps its line number in the file.
    """
    if not data.strip():
        _refuse(_("The file is empty."))
    for magic, what in NOT_SPREADSHEETS:
        if data.startswith(magic):
            _refuse(
                _("This file is %(what)s, not a spreadsheet. Upload a CSV or XLSX file."),
                what=what,
            )
    if data.startswith(b"PK\x03\x04"):
        tables, encoding, content = _xlsx_tables(data), "", b""
    else:
        text, encoding = _decode_csv(data, encoding)
        tables, content = [_csv_records(text)], data
    header, table = _nominations_table(tables, _header_aliases())
    missing = _missing_columns(header)
    if missing:
        _refuse(
            _(
                "The first row must name the columns; these required columns are missing: "
                "%(missing)s. Download the template to see the expected columns."
            ),
            missing=", ".join(missing),
        )
    if not table:
        _refuse(_("The file has the column names but no officials."))

    rows = []
    for line, record in table:
        values = dict.fromkeys(COLUMN_KEYS, "")
        for key, text in zip(header, record, strict=False):
            if key is not None and text:
                values[key] = text
        rows.append({"line": line, "values": values})
    return ParsedFile(
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=rows,
        encoding=encoding,
        content=content,
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
    for key in (
        "name_en",
        "name_zh",
        "home_organisation",
        "post_title",
        *CHINESE_KEYS,
        "email",
        "phone",
    ):
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
    # Rows kept before a column was added lack it: it is empty.
    results = [
        RowResult(line=row["line"], values={**dict.fromkeys(COLUMN_KEYS, ""), **row["values"]})
        for row in rows
    ]
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
        encoding=parsed.encoding,
        content=parsed.content,
    )
    upload.full_clean()
    upload.save()
    return upload


@transaction.atomic
def nomination_import_reread(
    *, nomination_import: NominationImport, encoding: str, by
) -> NominationImport:
    """Read a pending CSV upload again in the encoding the coordinator chose, its rows replacing
    those read before. Raises ValidationError for an XLSX upload (its text has no encoding to
    choose), an upload already applied or discarded, an encoding not offered, or a file that is
    not valid text in it; the upload is then left as it was."""
    upload = NominationImport.objects.select_for_update().get(pk=nomination_import.pk)
    _ensure_pending(upload)
    if not upload.encoding:
        raise ValidationError(_("Only a CSV file is read in an encoding; this is a workbook."))
    if encoding not in CSV_ENCODINGS:
        raise ValidationError(_("Choose one of the encodings offered."))
    parsed = read_nominations_content(
        bytes(upload.content), filename=upload.filename, encoding=encoding
    )
    upload.rows = parsed.rows
    upload.encoding = parsed.encoding
    upload.save(update_fields=["rows", "encoding"])
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
            **{key: row.cleaned[key] for key in PARTICIPANT_FIELDS if key not in TRANSLATED},
        )
        # The sheet's organisation and post are the English texts, whatever the page's language;
        # their Chinese columns, where given, the Chinese ones.
        for key in TRANSLATED:
            set_translated(
                official,
                key,
                {
                    "en": row.cleaned[key],
                    "zh-hant": row.cleaned.get(f"{key}_zh_hant", ""),
                    "zh-hans": row.cleaned.get(f"{key}_zh_hans", ""),
                },
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
