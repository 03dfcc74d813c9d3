"""A corpus of malformed and malicious nominations files, each with (part of) the message the
upload form must answer it with. The files are built when asked for, never committed: the
bombs unpack to hundreds of megabytes from under one.

Used by the parametrised test in test_import_views.py and by bench/import_uploads.py.
"""

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from participants import imports

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = list(imports.COLUMN_KEYS)
OFFICIAL = [
    "Chen Minghui",
    "陈明辉",
    "SZ",
    "Shenzhen Municipal Commerce Bureau",
    "Division Director",
    "division_director",
    "chen@example.org",
    "+86 755 0000 0001",
    "zh-hans",
    "gba",
    "DPO",
]
MB = 1024 * 1024


@dataclass(frozen=True)
class Repeated:
    """A part made of a prefix, one chunk many times over and a suffix, deflated without
    building it: after a full flush the compressor starts afresh, so the chunk deflates to the
    same bytes every time, and those are repeated."""

    prefix: bytes
    chunk: bytes
    count: int
    suffix: bytes = b""

    @property
    def size(self) -> int:
        return len(self.prefix) + len(self.chunk) * self.count + len(self.suffix)

    def deflated(self) -> tuple[bytes, int]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = compressor.compress(self.prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
        body = compressor.compress(self.chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
        tail = compressor.compress(self.suffix) + compressor.flush()
        crc = zlib.crc32(self.prefix)
        for _ in range(self.count):
            crc = zlib.crc32(self.chunk, crc)
        return head + body * self.count + tail, zlib.crc32(self.suffix, crc)


def zip_bytes(parts: dict, *, declared: dict | None = None, flags: int = 0, method: int = 8):
    """A zip archive written by hand, so that it can say what a real one would not: a size
    other than the part's (`declared`), encryption (`flags=1`), another compression method."""
    declared = declared or {}
    body, directory = bytearray(), bytearray()
    for name, part in parts.items():
        if isinstance(part, Repeated):
            data, crc = part.deflated()
            size = part.size
        else:
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = compressor.compress(part) + compressor.flush()
            crc, size = zlib.crc32(part), len(part)
        size = declared.get(name, size)
        encoded = name.encode()
        offset = len(body)
        body += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, 0, 0, crc, len(data), size,
            len(encoded), 0,
        )  # fmt: skip
        body += encoded + data
        directory += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, 0, 0, crc, len(data),
            size, len(encoded), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += encoded
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), len(body), 0
    )
    return bytes(body + directory + end)


def row_xml(values) -> str:
    cells = "".join(
        f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>' for value in values
    )
    return f"<row>{cells}</row>"


def sheet_xml(rows: str = "", *, doctype: str = "") -> bytes:
    return f'{doctype}<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


VALID_SHEET = sheet_xml(row_xml(HEADER) + row_xml(OFFICIAL))


def _rels(relationships) -> bytes:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
        for rid, kind, target in relationships
    )
    return f'<Relationships xmlns="{PACKAGE}">{items}</Relationships>'.encode()


def workbook_parts(*sheets, shared_strings=None, workbook_doctype: str = "") -> dict:
    """The parts of a minimal workbook (what Excel needs to open it) with these sheets."""
    sheets = sheets or (VALID_SHEET,)
    entries = "".join(
        f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, len(sheets) + 1)
    )
    relationships = [
        (f"rId{n}", f"{RELATIONSHIPS}/worksheet", f"worksheets/sheet{n}.xml")
        for n in range(1, len(sheets) + 1)
    ]
    overrides = [
        ("/xl/workbook.xml", "sheet.main"),
        *((f"/xl/worksheets/sheet{n}.xml", "worksheet") for n in range(1, len(sheets) + 1)),
    ]
    if shared_strings is not None:
        relationships.append(("rIdS", f"{RELATIONSHIPS}/sharedStrings", "sharedStrings.xml"))
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings"))
    types = "".join(
        f'<Override PartName="{name}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
        for name, kind in overrides
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>'
        ).encode(),
        "_rels/.rels": _rels([("rId1", f"{RELATIONSHIPS}/officeDocument", "xl/workbook.xml")]),
        "xl/workbook.xml": (
            f'{workbook_doctype}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<sheets>{entries}</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": _rels(relationships),
    }
    for n, sheet in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{n}.xml"] = sheet
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return parts


def workbook(*sheets, **options) -> bytes:
    return zip_bytes(workbook_parts(*sheets, **options))


def shared_strings_xml(strings, *, doctype: str = "") -> bytes:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return f'{doctype}<sst xmlns="{MAIN}">{items}</sst>'.encode()


def shared_row_xml(indexes) -> str:
    return "<row>" + "".join(f'<c t="s"><v>{i}</v></c>' for i in indexes) + "</row>"


def csv_bytes(rows, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(HEADER), *(",".join(record) for record in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# The builders ---------------------------------------------------------------------------------


def _bomb() -> bytes:
    # 900 MB of blanks in the sheet, under 1 MB zipped, with its true size in the directory.
    sheet = Repeated(f'<worksheet xmlns="{MAIN}">'.encode(), b" " * MB, 900, b"</worksheet>")
    return zip_bytes({**workbook_parts(), "xl/worksheets/sheet1.xml": sheet})


def _lying_bomb() -> bytes:
    # The same blanks, but the directory says the sheet is 1 MB: an unzipper that believed the
    # part would inflate it all; Python's stops at the declared size and the CRC fails.
    sheet = Repeated(f'<worksheet xmlns="{MAIN}">'.encode(), b" " * MB, 900, b"</worksheet>")
    parts = {**workbook_parts(), "xl/worksheets/sheet1.xml": sheet}
    return zip_bytes(parts, declared={"xl/worksheets/sheet1.xml": MB})


def _dense_blanks() -> bytes:
    # 4 MB of blanks, under the size limits, but deflated like a bomb.
    rows = row_xml(HEADER) + row_xml(OFFICIAL)
    sheet = Repeated(
        f'<worksheet xmlns="{MAIN}"><sheetData>{rows}'.encode(),
        b" " * MB,
        4,
        b"</sheetData></worksheet>",
    )
    return zip_bytes({**workbook_parts(), "xl/worksheets/sheet1.xml": sheet})


def _huge_cell() -> bytes:
    strings = Repeated(f'<sst xmlns="{MAIN}"><si><t>'.encode(), b"A" * MB, 900, b"</t></si></sst>")
    sheet = sheet_xml(row_xml(HEADER) + shared_row_xml([0]))
    return zip_bytes(workbook_parts(sheet, shared_strings=strings))


def _three_million_rows() -> bytes:
    row = row_xml(["x"]).encode()
    sheet = Repeated(
        f'<worksheet xmlns="{MAIN}"><sheetData>{row_xml(HEADER)}'.encode(),
        row * 10_000,
        300,
        b"</sheetData></worksheet>",
    )
    return zip_bytes({**workbook_parts(), "xl/worksheets/sheet1.xml": sheet})


def _ten_thousand_officials() -> bytes:
    rows = "".join(
        row_xml([f"Official {n}", "", "SZ", "Bureau", "", "", f"o{n}@example.org"])
        for n in range(10_000)
    )
    return workbook(sheet_xml(row_xml(HEADER) + rows))


def _many_blank_rows() -> bytes:
    blank = sheet_xml("".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>' for n in range(1, 30_001)))
    return workbook(blank, VALID_SHEET)


def _wide_row() -> bytes:
    # One header row of 200,000 cells: all but the first columns are skipped as they stream by.
    cells = "".join(f"<c><v>{n}</v></c>" for n in range(200_000))
    return workbook(sheet_xml(f"<row>{cells}</row>"))


def _many_strings() -> bytes:
    strings = shared_strings_xml(f"s{n}" for n in range(150_000))
    return workbook(sheet_xml(shared_row_xml(range(40))), shared_strings=strings)


def _long_cell(kind: str) -> Callable[[], bytes]:
    name = "Chen " * 1000
    record = [name, *OFFICIAL[1:]]

    def build() -> bytes:
        if kind == "csv":
            return csv_bytes([OFFICIAL, record])
        if kind == "shared":
            strings = shared_strings_xml([*HEADER, name])
            return workbook(
                sheet_xml(shared_row_xml(range(len(HEADER))) + shared_row_xml([len(HEADER)])),
                shared_strings=strings,
            )
        return workbook(sheet_xml(row_xml(HEADER) + row_xml(OFFICIAL) + row_xml(record)))

    return build


def _many_parts() -> bytes:
    parts = workbook_parts()
    parts.update({f"xl/media/image{n}.bin": b"x" for n in range(300)})
    return zip_bytes(parts)


def _without(name: str) -> bytes:
    parts = workbook_parts()
    del parts[name]
    return zip_bytes(parts)


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    build: Callable[[], bytes]
    message: str


CASES = (
    # Django's own check, before the import's.
    Case("empty", "n.csv", lambda: b"", "The submitted file is empty."),
    Case("blank-lines", "n.csv", lambda: b"\r\n \n\t\n", "The file is empty."),
    Case("pdf", "n.xlsx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    Case("png", "n.xlsx", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
    Case("xls", "n.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old Excel"),
    Case("gzip", "n.csv.gz", lambda: b"\x1f\x8b\x08\x00" + b"\x00" * 16, "a gzip archive"),
    Case(
        "truncated-zip",
        "n.xlsx",
        lambda: b"PK\x03\x04garbage that is no zip",
        "could not be read as an Excel workbook",
    ),
    Case(
        "zip-of-something-else",
        "n.xlsx",
        lambda: zip_bytes({"notes.txt": b"hello"}),
        "could not be read as an Excel workbook",
    ),
    Case(
        "word-document",
        "n.xlsx",
        lambda: zip_bytes(
            {
                "_rels/.rels": _rels(
                    [("rId1", f"{RELATIONSHIPS}/officeDocument", "word/document.xml")]
                ),
                "word/document.xml": b"<document><body/></document>",
            }
        ),
        "could not be read as an Excel workbook",
    ),
    Case(
        "malformed-sheet-xml",
        "n.xlsx",
        lambda: workbook(b'<worksheet xmlns="' + MAIN.encode() + b'"><sheetData><row><c t='),
        "could not be read as an Excel workbook",
    ),
    Case(
        "missing-sheet",
        "n.xlsx",
        lambda: _without("xl/worksheets/sheet1.xml"),
        "could not be read as an Excel workbook",
    ),
    Case(
        "bad-shared-string-index",
        "n.xlsx",
        lambda: workbook(
            sheet_xml(shared_row_xml([0, 99])), shared_strings=shared_strings_xml(["name_en"])
        ),
        "could not be read as an Excel workbook",
    ),
    Case(
        "unsupported-compression",
        "n.xlsx",
        lambda: zip_bytes(workbook_parts(), method=9),
        "could not be read as an Excel workbook",
    ),
    Case(
        "billion-laughs",
        "n.xlsx",
        lambda: workbook(
            sheet_xml(
                row_xml(HEADER) + "<row><c t='str'><v>&lol9;</v></c></row>", doctype=BILLION_LAUGHS
            )
        ),  # fmt: skip
        "XML declarations (a DTD or entities)",
    ),
    Case(
        "external-entity",
        "n.xlsx",
        lambda: workbook(
            sheet_xml(shared_row_xml(range(len(HEADER)))),
            shared_strings=shared_strings_xml(["&xxe;"], doctype=EXTERNAL_ENTITY).replace(
                b"&amp;xxe;", b"&xxe;"
            ),
        ),
        "XML declarations (a DTD or entities)",
    ),
    Case(
        "external-entity-in-workbook",
        "n.xlsx",
        lambda: workbook(workbook_doctype=EXTERNAL_ENTITY.replace("sst", "workbook")),
        "XML declarations (a DTD or entities)",
    ),
    Case("zip-bomb", "n.xlsx", _bomb, "The workbook unpacks to 901 MB"),
    Case("zip-bomb-lying-size", "n.xlsx", _lying_bomb, "could not be read as an Excel workbook"),
    Case("dense-blanks", "n.xlsx", _dense_blanks, "as zip bombs are"),
    Case("huge-cell", "n.xlsx", _huge_cell, "The workbook unpacks to 901 MB"),
    Case("three-million-rows", "n.xlsx", _three_million_rows, "The workbook unpacks to"),
    Case("many-parts", "n.xlsx", _many_parts, "parts, far more than a spreadsheet has"),
    Case(
        "encrypted",
        "n.xlsx",
        lambda: zip_bytes(workbook_parts(), flags=1),
        "The workbook is encrypted",
    ),
    Case(
        "ten-thousand-officials",
        "n.xlsx",
        _ten_thousand_officials,
        "more than 500 officials",
    ),
    Case("many-blank-rows", "n.xlsx", _many_blank_rows, "more than 10000 rows, counting empty"),
    Case("wide-row", "n.xlsx", _wide_row, "holds far more than a list of 500 officials"),
    Case("many-strings", "n.xlsx", _many_strings, "holds far more than a list of 500 officials"),
    Case("long-cell", "n.xlsx", _long_cell("inline"), "Row 3, column A has more than 1000"),
    Case(
        "long-shared-string",
        "n.xlsx",
        _long_cell("shared"),
        "Row 2, column A has more than 1000",
    ),
    Case("long-cell-csv", "n.csv", _long_cell("csv"), "Row 3, column A has more than 1000"),
    Case("empty-sheet", "n.xlsx", lambda: workbook(sheet_xml()), "The file is empty."),
    Case(
        "header-only",
        "n.xlsx",
        lambda: workbook(sheet_xml(row_xml(HEADER))),
        "the column names but no officials",
    ),
    Case(
        "wrong-columns",
        "n.xlsx",
        lambda: workbook(sheet_xml(row_xml(["who", "what"]) + row_xml(["me", "this"]))),
        "required columns are missing: Name (English), Home city",
    ),
    Case(
        "csv-too-many-officials",
        "n.csv",
        lambda: csv_bytes([OFFICIAL] * 501),
        "more than 500 officials",
    ),
    Case(
        "csv-bad-quotes",
        "n.csv",
        lambda: b'name_en,home_city,home_organisation,email\n"Chen,SZ',
        "malformed near line",
    ),
    Case("csv-nul", "n.csv", lambda: b"name_en\x00,email\n", "not a CSV or XLSX spreadsheet"),
    Case(
        "csv-undecodable",
        "n.csv",
        lambda: b"name_en,email\n\xff\xfe\xfd\x80,c@example.org\n",
        "not text in any of the encodings tried (UTF-8, UTF-16",
    ),
    Case(
        "csv-latin-1",
        "n.csv",
        lambda: csv_bytes([["José Müller", "", *OFFICIAL[2:]]], encoding="cp1252"),
        "not text in any of the encodings tried",
    ),
    Case(
        "utf-16-odd-length",
        "n.csv",
        lambda: csv_bytes([OFFICIAL], encoding="utf-16") + b"\x00",
        "not valid UTF-16 text",
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}
