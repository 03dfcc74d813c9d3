"""What the benchmarks share: a PostgreSQL database of their own, one process per measurement,
the machine they ran on, and their sections of docs/benchmarks.md.

Each script in bench/ runs itself again with hidden arguments (`--seed`, `--measure ...`) through
`run`, so that every measurement starts in a fresh Django process.
"""

import datetime
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/exchange_bench"
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"
REPORT_TITLE = "# Benchmarks"


def django_env(database_url: str, settings_module: str = "exchange.settings.local") -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        # DEBUG would keep every query in memory and distort the measurement.
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver",
        "PYTHONPATH": str(ROOT),
    }


def ensure_database(database_url: str) -> None:
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def run(
    args: list[str], database_url: str, settings_module: str = "exchange.settings.local"
) -> str:
    """Run `python ARGS` from the project root with Django pointed at the benchmark database;
    returns its standard output, and stops the benchmark if it fails."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=django_env(database_url, settings_module),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return result.stdout


def prepare_database(database_url: str, settings_module: str = "exchange.settings.local") -> None:
    """Refuse any database but a benchmark one, create it if needed and migrate it."""
    name = urlparse(database_url).path.lstrip("/")
    if not (name.startswith("exchange") and "bench" in name):
        raise SystemExit("Use a database of its own, named exchange…bench… (e.g. exchange_bench).")
    ensure_database(database_url)
    run(["manage.py", "migrate", "--no-input", "-v0"], database_url, settings_module)


def postgres_version(database_url: str) -> str:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def environment(database_url: str) -> dict:
    """The facts of the environment line each section ends with."""
    return {
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "pg": postgres_version(database_url),
    }


def median_p95(values: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (linear interpolation between the closest ranks)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    position = 0.95 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    p95 = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return statistics.median(ordered), p95


def write_section(output: Path, text: str) -> None:
    """Put one benchmark's section (text starting with its `## ` heading) into the report,
    replacing that section if it is there and keeping the others as they are."""
    heading = text.split("\n", 1)[0]
    if not heading.startswith("## "):
        raise ValueError("a section starts with its '## ' heading")
    existing = output.read_text(encoding="utf-8") if output.exists() else f"{REPORT_TITLE}\n\n"
    header, sections = _split_sections(existing)
    section = text.rstrip("\n") + "\n"
    for index, old in enumerate(sections):
        if old.split("\n", 1)[0] == heading:
            sections[index] = section
            break
    else:
        sections.append(section)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header + "\n".join(sections), encoding="utf-8")


def _split_sections(text: str) -> tuple[str, list[str]]:
    """The report's header (its title) and its `## ` sections, each ending with one newline."""
    header: list[str] = []
    sections: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            sections.append([])
        (sections[-1] if sections else header).append(line)
    return (
        "\n".join(header).rstrip("\n") + "\n\n",
        ["\n".join(lines).rstrip("\n") + "\n" for lines in sections],
    )


def confirmed_attachments(officials, departments, *, start, end, by) -> list:
    """Published, confirmed attachments of `officials` to `departments` in turn (not saved)."""
    from django.utils import timezone

    from placements.models import Attachment

    return [
        Attachment(
            participant=official,
            department=departments[i % len(departments)],
            start=start,
            end=end,
            status=Attachment.Status.CONFIRMED,
            published_at=timezone.now(),
            supervisor="Ms Supervisor",
            assigned_by=by,
        )
        for i, official in enumerate(officials)
    ]
