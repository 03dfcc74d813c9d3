"""Building nominations files for the import tests."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from openpyxl import Workbook

from participants import imports

HEADER = list(imports.COLUMN_KEYS)


def row(**values):
    base = {
        **dict.fromkeys(HEADER, ""),
        "name_en": "Chen Minghui",
        "name_zh": "陈明辉",
        "home_city": "SZ",
        "home_organisation": "Shenzhen Municipal Commerce Bureau",
        "post_title": "Division Director",
        "rank": "division_director",
        "email": "chen@example.org",
        "phone": "+86 755 0000 0001",
        "preferred_language": "zh-hans",
        "focus_areas": "gba",
        "host_preferences": "DPO; TD",
    }
    base.update(values)
    return [base[key] for key in HEADER]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for record in rows:
        sheet.append(record)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name="nominations.csv"):
    return SimpleUploadedFile(name, content)


class RecordingUploadHandler(FileUploadHandler):
    """Counts the bytes of uploaded files Django parses out of requests (into `received`), and
    passes them on to the default handlers."""

    received: list[int] = []

    def receive_data_chunk(self, raw_data, start):
        self.received.append(len(raw_data))
        return raw_data

    def file_complete(self, file_size):
        return None
