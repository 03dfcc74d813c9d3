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


def measure(fmt: str, rows: int, traced: bool) -> None:
    """One export through the view, its body written to a temporary file; prints JSON."""
    import django

    django.setup()
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from exchange.models import Cohort

    cohort = Cohort.objects.get(name=cohort_name(rows))
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    url = reverse("placements:roster_download", args=[cohort.pk, fmt])
    client.get(reverse("placements:roster_export", args=[cohort.pk]))  # warm up imports
    baseline = status_mb("VmRSS")
    peak_was_reset = reset_peak_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    size = 0
    with tempfile.TemporaryFile() as sink:
        for chunk in response.streaming_content:
            size += len(chunk)
            sink.write(chunk)
    elapsed = time.perf_counter() - started
    result = {"format": fmt, "rows": rows, "seconds": elapsed, "bytes": size}
    if traced:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    else:
        if peak_was_reset:
            peak = status_mb("VmHWM")
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result.update(rss_baseline_mb=baseline, rss_peak_mb=peak)
    print(json.dumps(result))


def write_report(results: list[dict], output: Path, database_url: str) -> None:
    import openpyxl

    lines = [
        "## Roster export (`bench/export_roster.py`, `make bench`)",
        "",
        "A cohort's roster downloaded through the real view by a logged-in admin, as CSV",
        "(streamed) and XLSX (openpyxl write-only, spooled to a temporary file), with synthetic",
        "officials (9 in 10 attached). Each measurement runs in a fresh process. RSS growth is the",
        "peak resident memory during the export minus the process's memory just before it; the",
        "tracemalloc peak is the largest amount of Python memory allocated during a second run.",
        f"Bound: RSS growth under {MAX_RSS_GROWTH_MB} MB and tracemalloc peak under "
        f"{MAX_TRACEMALLOC_MB} MB at every size.",
        "",
        "| format | rows | wall time (s) | rows/s | file size (MB) | RSS growth (MB) "
        "| tracemalloc peak (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        lines.append(
            "| {format} | {rows:,} | {seconds:.1f} | {rate:,.0f} | {size:.1f} | {growth:.1f} "
            "| {traced:.1f} |".format(
                format=result["format"].upper(),
                rows=result["rows"],
                seconds=result["seconds"],
                rate=result["rows"] / result["seconds"],
                size=result["bytes"] / 1024 / 1024,
                growth=result["rss_growth_mb"],
                traced=result["tracemalloc_peak_mb"],
            )
        )
    lines += [
        "",
        "Memory does not grow with the number of rows: ten times the rows, about the same peak.",
        "",
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg},",
        "openpyxl {openpyxl} (lxml: {lxml}); the machine was shared with other work, so times",
        "are indicative.",
        "",
    ]
    text = "\n".join(lines).format(
        **environment(database_url),
        openpyxl=openpyxl.__version__,
        lxml="yes" if openpyxl.LXML else "no",
    )
    write_section(output, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)
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
    for rows in SIZES:
        for fmt in FORMATS:
            common = [script, "--measure", fmt, "--rows", str(rows)]
            plain = json.loads(run(common, args.database_url))
            traced = json.loads(run([*common, "--traced"], args.database_url))
            result = {
                **plain,
                "rss_growth_mb": plain["rss_peak_mb"] - plain["rss_baseline_mb"],
                "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"],
            }
            results.append(result)
            print(
                f"{fmt:>4} {rows:>7,} rows: {result['seconds']:6.1f} s, "
                f"RSS +{result['rss_growth_mb']:.1f} MB, "
                f"tracemalloc peak {result['tracemalloc_peak_mb']:.1f} MB",
                flush=True,
            )
            if (
                result["rss_growth_mb"] > MAX_RSS_GROWTH_MB
                or result["tracemalloc_peak_mb"] > MAX_TRACEMALLOC_MB
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
