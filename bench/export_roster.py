"""Benchmark: roster exports of 10,000 and 100,000 rows stay flat in memory.

    python bench/export_roster.py [--database-url URL] [--output docs/benchmarks.md]

(or `make bench`). It creates a separate PostgreSQL database (never the development or test one),
fills two cohorts with synthetic officials and attachments using bulk_create (once; later runs
reuse them), then downloads each roster through the real view (Django test client, logged-in
admin) in a fresh process per measurement, so that one export's peak cannot hide another's:
- a plain run for wall time and peak resident memory (RSS, from the kernel);
- a run under tracemalloc for the peak of Python allocations.
The results go to docs/benchmarks.md. The script fails if an export exceeds the memory bound.
"""

import argparse
import datetime
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from common import (
    DEFAULT_DATABASE_URL,
    DEFAULT_OUTPUT,
    ROOT,
    environment,
    prepare_database,
    run,
    write_section,
)

SIZES = (10_000, 100_000)
FORMATS = ("csv", "xlsx")
WRITER_SIZES = (10_000, 100_000, 1_000_000)
MEASURES = (*FORMATS, "openpyxl", "import-export", "xlsx-writer")
# The bound the exports must stay under, whatever the row count.
MAX_RSS_GROWTH_MB = 64
MAX_TRACEMALLOC_MB = 32
BATCH = 5_000


def cohort_name(rows: int) -> str:
    return f"Benchmark cohort of {rows} rows"


def seed() -> None:
    """Two cohorts of synthetic officials, 9 in 10 attached, built with bulk_create."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from demo.seed import seed_reference_data
    from exchange.models import City, Cohort, HostDepartment
    from participants.models import Participant
    from placements.models import Attachment

    seed_reference_data()
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    cities = list(City.objects.filter(is_home=False))
    departments = list(HostDepartment.objects.all())
    ranks = [value for value, _label in Participant.Rank.choices]
    for rows in SIZES:
        cohort, _created = Cohort.objects.get_or_create(
            name=cohort_name(rows),
            defaults={
                "orientation_start": datetime.date(2027, 3, 1),
                "orientation_end": datetime.date(2027, 3, 5),
            },
        )
        if cohort.participants.count() == rows:
            continue
        with transaction.atomic():
            Attachment.objects.filter(participant__cohort=cohort).delete()
            cohort.participants.all().delete()
            for first in range(0, rows, BATCH):
                officials = Participant.objects.bulk_create(
                    Participant(
                        cohort=cohort,
                        name_en=f"Official {i:06d}",
                        name_zh=f"官员{i:06d}",
                        home_city=cities[i % len(cities)],
                        home_organisation="Municipal Development and Reform Commission",
                        post_title="Division Director",
                        rank=ranks[i % len(ranks)],
                        email=f"official{i:06d}@example.org",
                        phone=f"+86 755 {i:08d}",
                        status=Participant.Status.CONFIRMED,
                    )
                    for i in range(first, min(first + BATCH, rows))
                )
                Attachment.objects.bulk_create(
                    Attachment(
                        participant=official,
                        department=departments[n % len(departments)],
                        start=datetime.date(2027, 3, 8),
                        end=datetime.date(2027, 4, 30),
                        status=Attachment.Status.CONFIRMED,
                        published_at=datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC),
                        supervisor="Ms Supervisor",
                        assigned_by=user,
                    )
                    for n, official in enumerate(officials)
                    if n % 10
                )


def status_mb(field: str) -> float:
    """A memory figure of this process from /proc (Linux), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> bool:
    """Start the kernel's peak-RSS count (VmHWM) afresh, so set-up does not count."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def _through_view(fmt: str, rows: int) -> tuple[int, float]:
    """Download the roster through the real view; returns the body's size and the seconds."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from exchange.models import Cohort

    cohort = Cohort.objects.get(name=cohort_name(rows))
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    url = reverse("placements:roster_download", args=[cohort.pk, fmt])
    client.get(reverse("placements:roster_export", args=[cohort.pk]))  # warm up imports
    return client, url


def _import_export_peer(rows: int):
    """django-import-export (the peer, installed for the benchmark only): a resource of the
    roster's columns over the same officials, exported as CSV the way its admin action does."""
    from import_export import fields, resources

    from exchange.models import Cohort
    from placements.models import Attachment

    class RosterResource(resources.ModelResource):
        name_en = fields.Field(attribute="participant__name_en", column_name="Name (English)")
        name_zh = fields.Field(attribute="participant__name_zh", column_name="Name (Chinese)")
        home_city = fields.Field(attribute="participant__home_city__name", column_name="Home city")
        organisation = fields.Field(
            attribute="participant__home_organisation", column_name="Home organisation"
        )
        post = fields.Field(attribute="participant__post_title", column_name="Post")
        rank = fields.Field(attribute="participant__rank", column_name="Rank")
        department = fields.Field(attribute="department__name", column_name="Host department")
        start = fields.Field(attribute="start", column_name="Attachment start")
        end = fields.Field(attribute="end", column_name="Attachment end")
        supervisor = fields.Field(attribute="supervisor", column_name="Supervisor")
        status = fields.Field(attribute="participant__status", column_name="Status")
        attachment_status = fields.Field(attribute="status", column_name="Attachment status")
        email = fields.Field(attribute="participant__email", column_name="Email")
        phone = fields.Field(attribute="participant__phone", column_name="Phone")

        class Meta:
            model = Attachment
            # The declared columns only, in the roster's order.
            fields = (
                "name_en",
                "name_zh",
                "home_city",
                "organisation",
                "post",
                "rank",
                "department",
                "start",
                "end",
                "supervisor",
                "status",
                "attachment_status",
                "email",
                "phone",
            )

    cohort = Cohort.objects.get(name=cohort_name(rows))
    queryset = Attachment.objects.filter(participant__cohort=cohort).select_related(
        "participant__home_city", "department"
    )
    return RosterResource(), queryset


def _openpyxl_peer(target, rows: int) -> int:
    """The roster's rows written as the project wrote them before XlsxWriter: openpyxl's
    write-only mode (through lxml), styled header, dates as dates, text as text."""
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from exchange.models import Cohort
    from placements import exports
    from placements.selectors import roster_rows

    cohort = Cohort.objects.get(name=cohort_name(rows))
    admin = get_user_model().objects.get(username="bench-admin")
    roster = exports.Roster(roster_rows(user=admin, cohort=cohort), with_cohort=False)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Roster")
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0D6EFD")
    header = []
    for label in roster.headers:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = font, fill
        header.append(cell)
    sheet.append(header)
    dates = {i for i, column in enumerate(roster.columns) if column.is_date}
    count = 0
    for record in roster.records():
        cells = []
        for index, value in enumerate(record):
            if index in dates and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(target)
    return count


def _synthetic_roster(rows: int):
    """A roster of `rows` synthetic rows made in memory (no database), to time the XLSX writer
    alone from 10,000 to 1,000,000 rows."""
    from placements import exports

    class Rows:
        def iterator(self, chunk_size):
            start, end = datetime.date(2027, 3, 8), datetime.date(2027, 4, 30)
            for i in range(rows):
                yield {
                    "cohort_name": "Benchmark",
                    "name_en": f"Official {i:07d}",
                    "name_zh": f"官员{i:07d}",
                    "home_city_name": "Shenzhen",
                    # The roster's selector names them so (each in the reader's language).
                    "organisation": "Municipal Development and Reform Commission",
                    "post": "Division Director",
                    "rank": "division_director",
                    "department_name": "Digital Policy Office",
                    "department_abbreviation": "DPO",
                    "attachment_start": start,
                    "attachment_end": end,
                    "supervisor": "Ms Supervisor",
                    "status": "confirmed",
                    "attachment_status": "confirmed",
                    "email": f"official{i:07d}@example.org",
                    "phone": f"+86 755 {i:08d}",
                }

    return exports.Roster(Rows(), with_cohort=False)


def measure(fmt: str, rows: int, traced: bool) -> None:
    """One export, its bytes written to a temporary file; prints JSON. `fmt`: csv or xlsx
    through the view, `openpyxl` or `import-export` (the peers), `xlsx-writer` (the XLSX writer
    alone on synthetic rows)."""
    import django

    django.setup()
    import tracemalloc

    from placements import exports

    prepared = None
    if fmt in ("csv", "xlsx"):
        client, url = _through_view(fmt, rows)
    elif fmt == "import-export":
        prepared = _import_export_peer(rows)
    elif fmt == "xlsx-writer":
        prepared = _synthetic_roster(rows)
    baseline = status_mb("VmRSS")
    peak_was_reset = reset_peak_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    size = 0
    with tempfile.TemporaryFile() as sink:
        if fmt in ("csv", "xlsx"):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            for chunk in response.streaming_content:
                size += len(chunk)
                sink.write(chunk)
        elif fmt == "import-export":
            peer, queryset = prepared
            data = peer.export(queryset=queryset).csv.encode("utf-8")
            sink.write(data)
            size = len(data)
        elif fmt == "openpyxl":
            _openpyxl_peer(sink, rows)
            size = sink.tell()
        else:
            exports.write_xlsx(prepared, sink, title="Roster")
            size = sink.tell()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    result = {"format": fmt, "rows": rows, "seconds": elapsed, "cpu": cpu, "bytes": size}
    if traced:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    else:
        if peak_was_reset:
            peak = status_mb("VmHWM")
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result.update(rss_baseline_mb=baseline, rss_peak_mb=peak)
    print(json.dumps(result))


LABELS = {
    "csv": "CSV (streamed, the view)",
    "xlsx": "XLSX (XlsxWriter constant-memory, the view)",
    "openpyxl": "peer: XLSX, openpyxl write-only + lxml",
    "import-export": "peer: CSV, django-import-export",
    "xlsx-writer": "XLSX writer alone (synthetic rows)",
}
GOALS = {"xlsx": "≥ 15,000 rows/s", "xlsx-writer": "≥ 15,000 rows/s"}


def write_report(results: list[dict], output: Path, database_url: str) -> None:
    import import_export
    import openpyxl
    import xlsxwriter

    lines = [
        "## Roster export (`bench/export_roster.py`, `make bench`)",
        "",
        "A cohort's roster downloaded through the real view by a logged-in admin, as CSV",
        "(streamed) and XLSX (XlsxWriter in constant-memory mode, spooled to a temporary file,",
        "each data row written as one piece of XlsxWriter's XML by `RosterWorksheet`), with",
        "synthetic officials (9 in 10 attached); next to them, in the same run, the peers on",
        "the same officials: openpyxl's write-only mode (how the XLSX was written before) and",
        "django-import-export (a resource of the roster's columns over the attachments, exported",
        "as CSV as its admin action does; installed for the benchmark only). The XLSX writer is",
        "also timed alone on synthetic rows made in memory, from 10,000 to 1,000,000 rows. Each",
        "measurement runs in a fresh process. RSS growth is the peak resident memory during the",
        "export minus the process's memory just before it; the tracemalloc peak is the largest",
        "amount of Python memory allocated during a second run (– where not run). The machine is",
        "shared by other work, so rows per CPU second (the process's own user + system time) say",
        "more than wall time. Bound: RSS growth under "
        f"{MAX_RSS_GROWTH_MB} MB and tracemalloc peak under {MAX_TRACEMALLOC_MB} MB for the",
        "project's exports at every size.",
        "",
        "| export | rows | wall time (s) | rows/s | CPU (s) | rows per CPU s | goal "
        "| file size (MB) | RSS growth (MB) | tracemalloc peak (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    by = {(r["format"], r["rows"]): r for r in results}
    for result in results:
        traced = result.get("tracemalloc_peak_mb")
        lines.append(
            "| {label} | {rows:,} | {seconds:.1f} | {rate:,.0f} | {cpu:.1f} | {cpu_rate:,.0f} "
            "| {goal} | {size:.1f} | {growth:.1f} | {traced} |".format(
                label=LABELS[result["format"]],
                rows=result["rows"],
                seconds=result["seconds"],
                rate=result["rows"] / result["seconds"],
                cpu=result["cpu"],
                cpu_rate=result["rows"] / result["cpu"],
                goal=GOALS.get(result["format"], "–"),
                size=result["bytes"] / 1024 / 1024,
                growth=result["rss_growth_mb"],
                traced="–" if traced is None else f"{traced:.1f}",
            )
        )
    ratios = []
    for rows in SIZES:
        csv_, peer = by.get(("csv", rows)), by.get(("import-export", rows))
        if csv_ and peer:
            ratios.append(
                f"at {rows:,} rows the CSV roster takes {csv_['seconds'] / peer['seconds']:.2f}× "
                f"django-import-export's time and {csv_['rss_growth_mb']:.0f} MB against its "
                f"{peer['rss_growth_mb']:.0f} MB"
            )
        xlsx, old = by.get(("xlsx", rows)), by.get(("openpyxl", rows))
        if xlsx and old:
            ratios.append(
                f"at {rows:,} rows XlsxWriter needs {xlsx['cpu'] / old['cpu']:.2f}× the CPU of "
                "openpyxl write-only"
            )
    writer = [by[("xlsx-writer", rows)] for rows in WRITER_SIZES if ("xlsx-writer", rows) in by]
    if writer:
        ratios.append(
            "the XLSX writer's RSS growth goes from {low:.1f} MB at {a:,} rows to {high:.1f} MB "
            "at {b:,}".format(
                low=writer[0]["rss_growth_mb"],
                a=writer[0]["rows"],
                high=writer[-1]["rss_growth_mb"],
                b=writer[-1]["rows"],
            )
        )
    lines += ["", "In this run: " + "; ".join(ratios) + ".", ""]
    lines += [
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg},",
        "XlsxWriter {xlsxwriter}, openpyxl {openpyxl} (lxml: {lxml}), django-import-export",
        "{import_export}; the machine was shared with other work, so times are indicative.",
        "",
    ]
    text = "\n".join(lines).format(
        **environment(database_url),
        xlsxwriter=xlsxwriter.__version__,
        openpyxl=openpyxl.__version__,
        lxml="yes" if openpyxl.LXML else "no",
        import_export=import_export.__version__,
    )
    write_section(output, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=MEASURES, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        seed()
        return 0
    if args.measure:
        measure(args.measure, args.rows, args.traced)
        return 0

    script = str(Path(__file__).relative_to(ROOT))
    print("Migrating and seeding the benchmark database (once)...", flush=True)
    prepare_database(args.database_url)
    run([script, "--seed"], args.database_url)

    results = []
    failures = []
    plan = [(fmt, rows, True) for rows in SIZES for fmt in FORMATS]
    plan += [(peer, rows, False) for rows in SIZES for peer in ("openpyxl", "import-export")]
    plan += [("xlsx-writer", rows, rows <= 100_000) for rows in WRITER_SIZES]
    for fmt, rows, with_trace in plan:
        common = [script, "--measure", fmt, "--rows", str(rows)]
        plain = json.loads(run(common, args.database_url).splitlines()[-1])
        result = {**plain, "rss_growth_mb": plain["rss_peak_mb"] - plain["rss_baseline_mb"]}
        if with_trace:
            traced = json.loads(run([*common, "--traced"], args.database_url).splitlines()[-1])
            result["tracemalloc_peak_mb"] = traced["tracemalloc_peak_mb"]
        results.append(result)
        print(
            f"{fmt:>13} {rows:>9,} rows: {result['seconds']:6.1f} s "
            f"({result['rows'] / result['cpu']:,.0f} rows per CPU s), "
            f"RSS +{result['rss_growth_mb']:.1f} MB",
            flush=True,
        )
        if fmt in FORMATS + ("xlsx-writer",) and (
            result["rss_growth_mb"] > MAX_RSS_GROWTH_MB
            or result.get("tracemalloc_peak_mb", 0) > MAX_TRACEMALLOC_MB
        ):
            failures.append(f"{fmt} {rows}")
    write_report(results, Path(args.output), args.database_url)
    print(f"Wrote {args.output}")
    if failures:
        print("Over the memory bound: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
