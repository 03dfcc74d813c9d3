"""Benchmark: every malformed or malicious nominations file is refused quickly and in little memory.

    python bench/import_uploads.py [--database-url URL] [--output docs/benchmarks.md]

(or `make bench`). It builds the corpus of tests/participants/corpus.py in a temporary folder
(zip bombs of 900 MB in under 1 MB, a 900 MB cell, three million rows, entity bombs...), then
uploads each file through the real view (Django test client, a logged-in coordinator) in a
fresh process per measurement, so that one upload's peak cannot hide another's:
- a plain run for the time to answer and the peak resident memory of the process (RSS, from
  the kernel), checking that the answer is the refusal the corpus expects;
- a run under tracemalloc for the peak of Python allocations.
One more upload declares 200 MB and streams them (never held in memory): it must be refused
from its size. The results go to docs/benchmarks.md. The script fails if an upload takes 5 s
or more, or the process's peak RSS reaches 200 MB.
"""

import argparse
import html
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from common import (
    DEFAULT_DATABASE_URL,
    DEFAULT_OUTPUT,
    ROOT,
    django_env,
    environment,
    prepare_database,
    run,
    write_section,
)

MAX_SECONDS = 5.0
MAX_PEAK_RSS_MB = 200
OVERSIZED = "oversized-request"
OVERSIZED_BYTES = 200 * 1024 * 1024
COHORT = "Benchmark cohort for uploads"
USERNAME = "bench-coordinator"


def seed() -> None:
    """A cohort and a coordinator to upload into it."""
    import django

    django.setup()
    import datetime

    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from demo.seed import seed_reference_data
    from exchange.models import Cohort
    from exchange.roles import Role, sync_role_groups

    seed_reference_data()
    sync_role_groups(apps)
    Cohort.objects.get_or_create(
        name=COHORT,
        defaults={
            "orientation_start": datetime.date(2027, 3, 1),
            "orientation_end": datetime.date(2027, 3, 5),
        },
    )
    user, _created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name=Role.COORDINATOR.value))


class StreamedBody:
    """A request body of `size` bytes made as it is read, so the client holds none of it."""

    def __init__(self, size: int, boundary: str):
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="nominations.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        self.head, self.left = head, size

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = self.left
        if self.head:
            chunk, self.head = self.head[:size], self.head[size:]
        else:
            chunk = b"x" * min(size, self.left)
        self.left -= len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        # Django wraps the input with both; the multipart parser only reads.
        return self.read(size)


def status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def measure(path: str, name: str, filename: str, message: str, traced: bool) -> None:
    """One upload through the view; prints JSON."""
    import django

    django.setup()
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from exchange.models import Cohort
    from participants.models import NominationImport

    cohort = Cohort.objects.get(name=COHORT)
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    url = reverse("participants:nominationimport_create", args=[cohort.pk])
    client.get(url)
    # Warm up the code paths of a refusal (and the template) outside the measurement.
    client.post(url, {"file": SimpleUploadedFile("warm-up.csv", b"who,what\nme,this\n")})
    data = Path(path).read_bytes() if path else b""
    before = NominationImport.objects.count()
    baseline = status_mb("VmRSS")
    peak_was_reset = reset_peak_rss()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    if name == OVERSIZED:
        boundary = "BenchBoundary"
        response = client.generic(
            "POST",
            url,
            **{
                "wsgi.input": StreamedBody(OVERSIZED_BYTES, boundary),
                "CONTENT_LENGTH": str(OVERSIZED_BYTES),
                "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            },
        )
    else:
        response = client.post(url, {"file": SimpleUploadedFile(filename, data)})
    elapsed = time.perf_counter() - started
    text = html.unescape(response.content.decode())
    if response.status_code not in (400, 413) or message not in text:
        raise SystemExit(f"{name}: answered {response.status_code} without “{message}”")
    if NominationImport.objects.count() != before:
        raise SystemExit(f"{name}: an upload was saved")
    result = {"name": name, "bytes": len(data), "status": response.status_code}
    result["seconds"] = elapsed
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
    lines = [
        "## Refused uploads (`bench/import_uploads.py`, `make bench`)",
        "",
        "Each file of the malformed-spreadsheet corpus (`tests/participants/corpus.py`) uploaded",
        "through the real view by a logged-in coordinator, in a fresh process per measurement;",
        "every one is answered with its refusal on the form and nothing is saved. The last row",
        "is a request that declares 200 MB (and streams them): it is refused from its",
        "Content-Length, its body drained unread. Time is the answer's wall time; peak RSS is",
        "the whole process's (Django, the test client and the file included) during the upload;",
        "growth is that peak minus the memory just before; the tracemalloc peak is the largest",
        "amount of Python memory allocated during a second run.",
        f"Bound: every upload answered in under {MAX_SECONDS:.0f} s, peak RSS under "
        f"{MAX_PEAK_RSS_MB} MB.",
        "",
        "| file | size (KB) | answer | time (s) | peak RSS (MB) | RSS growth (MB) "
        "| tracemalloc peak (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        size = OVERSIZED_BYTES if result["name"] == OVERSIZED else result["bytes"]
        lines.append(
            "| {name} | {size:,.0f} | {status} | {seconds:.2f} | {peak:.0f} | {growth:.1f} "
            "| {traced:.1f} |".format(
                name=result["name"],
                size=size / 1024,
                status=result["status"],
                seconds=result["seconds"],
                peak=result["rss_peak_mb"],
                growth=result["rss_peak_mb"] - result["rss_baseline_mb"],
                traced=result["tracemalloc_peak_mb"],
            )
        )
    slowest = max(results, key=lambda result: result["seconds"])
    largest = max(results, key=lambda result: result["rss_peak_mb"])
    lines += [
        "",
        f"Slowest answer: {slowest['name']}, {slowest['seconds']:.2f} s; largest peak: "
        f"{largest['name']}, {largest['rss_peak_mb']:.0f} MB.",
        "",
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg}; the",
        "machine was shared with other work, so times are indicative.",
        "",
    ]
    write_section(output, "\n".join(lines).format(**environment(database_url)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--path", default="", help=argparse.SUPPRESS)
    parser.add_argument("--filename", default="", help=argparse.SUPPRESS)
    parser.add_argument("--message", default="", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        seed()
        return 0
    if args.measure:
        measure(args.path, args.measure, args.filename, args.message, args.traced)
        return 0

    sys.path.insert(0, str(ROOT))
    script = str(Path(__file__).relative_to(ROOT))
    print("Migrating and seeding the benchmark database...", flush=True)
    prepare_database(args.database_url)
    run([script, "--seed"], args.database_url)

    # The corpus is built here, with Django set up as for the measurements.
    os.environ.update(django_env(args.database_url))
    import django

    django.setup()
    from tests.participants import corpus

    results, failures = [], []
    with tempfile.TemporaryDirectory() as folder:
        uploads = []
        for case in corpus.CASES:
            path = Path(folder) / f"{case.name}-{case.filename}"
            path.write_bytes(case.build())
            uploads.append((case.name, str(path), case.filename, case.message))
        uploads.append((OVERSIZED, "", "", "the limit is 1024 KB"))
        for name, path, filename, message in uploads:
            common = [script, "--measure", name, "--path", path, "--filename", filename]
            common += ["--message", message]
            plain = json.loads(run(common, args.database_url))
            traced = json.loads(run([*common, "--traced"], args.database_url))
            result = {**plain, "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"]}
            results.append(result)
            print(
                f"{name:>28}: {result['seconds']:5.2f} s, peak RSS {result['rss_peak_mb']:.0f} MB "
                f"(+{result['rss_peak_mb'] - result['rss_baseline_mb']:.1f}), tracemalloc "
                f"{result['tracemalloc_peak_mb']:.1f} MB",
                flush=True,
            )
            if result["seconds"] >= MAX_SECONDS or result["rss_peak_mb"] >= MAX_PEAK_RSS_MB:
                failures.append(name)
    write_report(results, Path(args.output), args.database_url)
    print(f"Wrote {args.output}")
    if failures:
        print("Over the bounds: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
