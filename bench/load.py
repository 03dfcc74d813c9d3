"""Benchmark: the pages under load, against gunicorn on PostgreSQL.

    python bench/load.py [--database-url URL] [--redis-url URL] [--users 50] [--seconds 60]
                         [--workers 4]

(or `make bench`). It fills a benchmark database with a running cohort of 300 officials (their
accounts, attachments with their history, activities; a coordinator, a liaison per department,
an admin), collects the static files and starts `gunicorn exchange.wsgi` on the loopback under
the production settings (persistent database connections, the Redis cache, sessions read
through it; https as a proxy in front would announce it), and measures:
- load: `--users` simulated users (threads of this process, each with its own keep-alive
  connection and its role's session), each requesting its role's pages one after the other
  and pausing between two (a think time drawn from 0.5 to 1.5 s: a quick reader) for
  `--seconds`; latency of every answer per page, p50/p95/p99, and errors (any answer but 200);
- saturation: the same users without any pause for 20 s: what the server answers per second
  when it is never idle, and the latency that queueing for it gives;
- side by side (like wrk): 8 connections requesting one URL as fast as they can for 10 s, the
  placement board and then the Django admin's participant changelist filtered to the same
  cohort (the peer: the same officials), in the same run, on the same gunicorn; requests per
  second and their ratio.
Loopback only; every request is bounded by a timeout; nothing is retried.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import (
    DEFAULT_OUTPUT,
    ROOT,
    confirmed_attachments,
    django_env,
    environment,
    prepare_database,
    run,
    write_section,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/exchange_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
COHORT = "Load benchmark cohort of 300"
DEPARTMENTS = 10
OFFICIALS = 300
GOAL_P99_MS = 500
GOAL_RATIO = 2.0
TIMEOUT = 30
THINK_SECONDS = (0.5, 1.5)
SATURATION_SECONDS = 20
HOST = "127.0.0.1"
LOCAL_SECRET_KEY = "local-development-only-not-a-secret"  # noqa: S105 (the local default)


def seed() -> None:
    """The cohort, its people and their sessions; prints the pages to request per role as JSON."""
    import django

    django.setup()
    import datetime

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from demo.seed import seed_reference_data
    from exchange.models import City, Cohort, HostCapacity, HostDepartment
    from exchange.roles import Role
    from participants.models import Participant
    from placements.models import Activity, Attachment

    seed_reference_data()
    User = get_user_model()
    today = timezone.localdate()
    # Departments of its own: the other benchmarks' officials (the roster's 110,000) do not
    # crowd their liaisons' pages.
    hong_kong = City.objects.get(code="HK")
    departments = [
        HostDepartment.objects.get_or_create(
            abbreviation=f"LOAD{n:02d}",
            defaults={
                "name_en": f"Load Benchmark Department {n:02d}",
                "name_zh_hant": f"負載基準部門 {n:02d}",
                "name_zh_hans": f"负载基准部门 {n:02d}",
                "city": hong_kong,
                "address_en": f"{n + 1} Harbour Road, Wan Chai",
            },
        )[0]
        for n in range(DEPARTMENTS)
    ]
    if not Cohort.objects.filter(name=COHORT).exists():
        cities = list(City.objects.filter(is_home=False))
        with transaction.atomic():
            coordinator, _created = User.objects.get_or_create(username="bench-load-coordinator")
            coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR))
            admin, _created = User.objects.get_or_create(
                username="bench-load-admin", defaults={"is_superuser": True, "is_staff": True}
            )
            cohort = Cohort.objects.create(
                name=COHORT,
                orientation_start=today - datetime.timedelta(days=14),
                orientation_end=today - datetime.timedelta(days=10),
                status=Cohort.Status.ATTACHMENT,
            )
            seats = -(-OFFICIALS // len(departments))
            for department in departments:
                HostCapacity.objects.create(cohort=cohort, department=department, seats=seats)
                liaison, _created = User.objects.get_or_create(
                    username=f"bench-load-liaison-{department.abbreviation.lower()}"
                )
                liaison.groups.add(Group.objects.get(name=Role.LIAISON))
                department.liaisons.add(liaison)
            users = User.objects.bulk_create(
                User(username=f"bench-load300-{i:04d}", email=f"load300-{i:04d}@bench.example.org")
                for i in range(OFFICIALS)
            )
            participants_group = Group.objects.get(name=Role.PARTICIPANT)
            participants_group.user_set.add(*users)
            officials = Participant.objects.bulk_create(
                Participant(
                    cohort=cohort,
                    user=user,
                    name_en=f"Official {i:04d}",
                    name_zh=f"官员{i:04d}",
                    home_city=cities[i % len(cities)],
                    home_organisation="Municipal Development and Reform Commission",
                    post_title="Division Director",
                    email=user.email,
                    phone=f"+86 755 {i:08d}",
                    preferred_language=("en", "zh-hans", "zh-hant")[i % 3],
                    status=Participant.Status.CONFIRMED,
                )
                for i, user in enumerate(users)
            )
            # With their history, as the services record it: the board's "Recent changes"
            # read the newest versions of the cohort's attachments.
            bulk_create_with_history(
                confirmed_attachments(
                    officials,
                    departments,
                    start=today - datetime.timedelta(days=7),
                    end=today + datetime.timedelta(days=21),
                    by=coordinator,
                ),
                Attachment,
                default_user=coordinator,
            )
            Activity.objects.bulk_create(
                Activity(
                    cohort=cohort,
                    kind=Activity.Kind.SITE_VISIT,
                    title=f"Site visit {n}",
                    location="Northern Metropolis",
                    starts_at=timezone.now() + datetime.timedelta(days=n - 5, hours=2),
                    ends_at=timezone.now() + datetime.timedelta(days=n - 5, hours=4),
                    audience=Activity.Audience.COHORT,
                    created_by=coordinator,
                )
                for n in range(10)
            )
    cohort = Cohort.objects.get(name=COHORT)
    backend = "django.contrib.auth.backends.ModelBackend"
    if backend not in settings.AUTHENTICATION_BACKENDS:
        raise SystemExit(f"The load benchmark signs users in through {backend}: not configured.")

    def session_for(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    officials = list(
        Participant.objects.filter(cohort=cohort).select_related("user").order_by("pk")[:50]
    )
    liaisons = list(
        User.objects.filter(username__startswith="bench-load-liaison-load").order_by("pk")
    )
    coordinator = User.objects.get(username="bench-load-coordinator")
    admin = User.objects.get(username="bench-load-admin")
    pk = cohort.pk
    coordinator_pages = {
        "Cohort dashboard": reverse("placements:cohort_dashboard", args=[pk]),
        "Placement board": reverse("placements:cohort_board", args=[pk]),
        "Department timeline": reverse("placements:cohort_timeline", args=[pk]),
    }
    users = []
    for n in range(50):
        role = ("participant", "participant", "coordinator", "liaison", "admin")[n % 5]
        if role == "participant":
            official = officials[n % len(officials)]
            pages = {
                "My schedule": reverse("placements:my_schedule"),
                "Calendar feed": reverse(
                    "placements:calendar_feed", args=[official.calendar_token]
                ),
            }
            user = official.user
        elif role == "coordinator":
            pages, user = coordinator_pages, coordinator
        elif role == "liaison":
            user = liaisons[n % len(liaisons)]
            pages = {"Liaison's attachees": reverse("placements:liaison_attachees")}
        else:
            user = admin
            pages = {"Admin participant list": reverse("admin:participants_participant_changelist")}
        users.append({"role": role, "session": session_for(user), "pages": pages})
    changelist = reverse("admin:participants_participant_changelist")
    print(
        json.dumps(
            {
                "users": users,
                "board": coordinator_pages["Placement board"],
                "changelist_of_cohort": f"{changelist}?cohort__id__exact={pk}",
            }
        )
    )


class Client:
    """One keep-alive HTTP/1.1 connection to gunicorn with one session cookie."""

    def __init__(self, port: int, session: str):
        self.port, self.cookie = port, f"sessionid={session}"
        self.connection = None

    def get(self, path: str) -> int:
        for _attempt in range(2):  # a connection the server closed is opened once more
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=TIMEOUT
                )
            try:
                self.connection.request(
                    "GET",
                    path,
                    # As the TLS proxy in front of gunicorn would pass it on.
                    headers={"Cookie": self.cookie, "Host": HOST, "X-Forwarded-Proto": "https"},
                )
                response = self.connection.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                self.connection = None
        return 0


def production_env(database_url: str, redis_url: str, static_root: str) -> dict:
    """The production settings, as a deployment sets them, on the benchmark's services."""
    return {
        **django_env(database_url, "exchange.settings.production"),
        "ALLOWED_HOSTS": HOST,
        "CELERY_BROKER_URL": redis_url,
        "CACHE_URL": redis_url,
        "STATIC_ROOT": static_root,
    }


def start_gunicorn(env: dict, workers: int, log) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "exchange.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--access-logfile=/dev/null",
            "--keep-alive=30",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start:\n" + Path(log.name).read_text(errors="replace"))


def load(port: int, users: list[dict], seconds: float, think: tuple[float, float] | None) -> dict:
    """Every user requests its pages in turn until the time is up, pausing `think` seconds
    (drawn uniformly; None: never) between two; latencies per page."""
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    statuses: dict[str, dict[int, int]] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(spec: dict, seed: int) -> None:
        client = Client(port, spec["session"])
        pages = list(spec["pages"].items())
        pause = random.Random(seed)  # noqa: S311 (think times, not secrets)
        n = 0
        if think:  # users arrive over the first pause, not all in the same millisecond
            time.sleep(pause.uniform(0, think[1]))
        while time.monotonic() < stop:
            name, path = pages[n % len(pages)]
            n += 1
            started = time.perf_counter()
            try:
                status = client.get(path)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.setdefault(name, []).append(elapsed)
                if status != 200:
                    errors[name] = errors.get(name, 0) + 1
                    statuses.setdefault(name, {}).setdefault(status, 0)
                    statuses[name][status] += 1
            if think:
                time.sleep(pause.uniform(*think))

    threads = [threading.Thread(target=user, args=(spec, n)) for n, spec in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT + 5)
    return {
        name: {
            "requests": len(values),
            "per_second": len(values) / seconds,
            "errors": errors.get(name, 0),
            "error_statuses": statuses.get(name, {}),
            "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99),
            "mean": statistics.fmean(values),
        }
        for name, values in sorted(latencies.items())
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hammer(port: int, session: str, path: str, seconds: float, connections: int = 8) -> dict:
    """wrk-like: `connections` keep-alive connections requesting `path` back to back."""
    done, failed = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        client = Client(port, session)
        while time.monotonic() < stop:
            status = client.get(path)
            with lock:
                done[0] += 1
                failed[0] += status != 200

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT + 5)
    elapsed = time.perf_counter() - started
    return {"requests": done[0], "errors": failed[0], "per_second": done[0] / elapsed}


def measure(port: int, seeded: dict, users: list[dict], seconds: float) -> dict:
    for spec in seeded["users"]:  # warm every worker's imports, templates and caches
        for path in spec["pages"].values():
            for _worker in range(4):
                status = Client(port, spec["session"]).get(path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status} before the load")
    result = {}
    for name, think, duration in (
        ("load", THINK_SECONDS, seconds),
        ("saturation", None, SATURATION_SECONDS),
    ):
        result[name] = load(port, users, duration, think)
        print(f"{name}:", flush=True)
        for page_name, page in result[name].items():
            print(
                f"{page_name:>24}: {page['requests']:>6} requests, {page['errors']} errors, "
                f"p50 {page['p50']:.0f} ms, p95 {page['p95']:.0f} ms, p99 {page['p99']:.0f} ms "
                f"{page['error_statuses'] or ''}",
                flush=True,
            )
    coordinator = next(u for u in seeded["users"] if u["role"] == "coordinator")
    admin = next(u for u in seeded["users"] if u["role"] == "admin")
    result["board"] = hammer(port, coordinator["session"], seeded["board"], 10)
    result["admin"] = hammer(port, admin["session"], seeded["changelist_of_cohort"], 10)
    print(
        f"board {result['board']['per_second']:.1f} req/s, "
        f"changelist {result['admin']['per_second']:.1f} req/s",
        flush=True,
    )
    return result


def page_table(pages: dict, *, goal: bool) -> list[str]:
    lines = [
        "| page | requests | answers/s | errors | p50 (ms) | p95 (ms) | p99 (ms) | goal p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, page in pages.items():
        lines.append(
            f"| {name} | {page['requests']:,} | {page['per_second']:.1f} | {page['errors']} "
            f"| {page['p50']:.0f} | {page['p95']:.0f} | {page['p99']:.0f} "
            f"| {f'< {GOAL_P99_MS}' if goal else '–'} |"
        )
    return lines


def write_report(result: dict, args, output: Path, database_url: str) -> None:
    import django
    import gunicorn

    pages, saturated = result["load"], result["saturation"]
    board, admin = result["board"], result["admin"]
    ratio = board["per_second"] / admin["per_second"]
    total = sum(p["requests"] for p in pages.values())
    total_saturated = sum(p["requests"] for p in saturated.values())
    worst = max(pages.items(), key=lambda item: item[1]["p99"])
    errors = sum(p["errors"] for p in pages.values())
    low, high = THINK_SECONDS
    lines = [
        "## Pages under load (`bench/load.py`, `make bench`)",
        "",
        f"{args.users} simulated users (threads, each with its own keep-alive connection and its",
        "role's session: two in five participants requesting their schedule and calendar feed,",
        "one in five each a coordinator (dashboard, board, timeline), a liaison (attachees) and an",
        "admin (the participant list)) request their pages one after the other for",
        f"{args.seconds:g} s, each pausing {low:g} to {high:g} s between two (a quick reader;",
        "users arrive over the first pause), against gunicorn "
        f"({args.workers} sync workers) under the production",
        "settings (persistent database connections, Redis for the cache and the sessions) on",
        f"PostgreSQL, on the loopback, with a cohort of {OFFICIALS} officials in a database of",
        "twenty years (the other benchmarks' officials). Latency is the whole answer's. Goal:",
        f"p99 under {GOAL_P99_MS} ms for every page and no error.",
        "",
        *page_table(pages, goal=True),
        "",
        f"{total:,} answers in all, {total / args.seconds:,.0f} per second, {errors} errors; the "
        f"slowest page's p99: {worst[0]}, {worst[1]['p99']:.0f} ms.",
        "",
        f"Saturation: the same {args.users} users without any pause for "
        f"{SATURATION_SECONDS:g} s. The server is",
        "never idle; a page's latency is then the number of users divided by the answers per",
        "second, whatever the page: a measure of throughput, not of the pages (no goal).",
        "",
        *page_table(saturated, goal=False),
        "",
        f"{total_saturated:,} answers, {total_saturated / SATURATION_SECONDS:,.0f} per second "
        f"(so {args.users / (total_saturated / SATURATION_SECONDS):.2f} s of queueing for "
        f"{args.users} users who never pause).",
        "",
        "Side by side (like wrk: 8 keep-alive connections, one URL, back to back, 10 s each, on",
        "the same gunicorn in the same run): the placement board's first page as a coordinator,",
        "next to the Django admin's participant changelist as an admin, filtered to the same",
        f"cohort (the peer: the same {OFFICIALS} officials, 100 to a page where the board shows 25",
        "with their forms).",
        "",
        "| URL | requests | errors | requests/s | goal |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| Placement board | {board['requests']:,} | {board['errors']} "
        f"| {board['per_second']:,.1f} | ≥ {GOAL_RATIO:g}× the changelist |",
        f"| peer: admin participant changelist | {admin['requests']:,} | {admin['errors']} "
        f"| {admin['per_second']:,.1f} | – |",
        "",
        f"The board serves {ratio:.2f}× the changelist's requests per second.",
        "",
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg},",
        f"Django {django.get_version()}, gunicorn {gunicorn.__version__}; the client, gunicorn and",
        "PostgreSQL share the machine (with other work), so the figures are indicative.",
        "",
    ]
    write_section(output, "\n".join(lines).format(**environment(database_url)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        seed()
        return 0
    script = str(Path(__file__).relative_to(ROOT))
    # The key every benchmark seeds with (the local settings' default) serves too: sessions
    # and calendar feed addresses are signed with it.
    os.environ.setdefault("SECRET_KEY", LOCAL_SECRET_KEY)
    print("Migrating and seeding the benchmark database (once)...", flush=True)
    prepare_database(args.database_url)
    seeded = json.loads(run([script, "--seed"], args.database_url).splitlines()[-1])
    users = (seeded["users"] * (args.users // len(seeded["users"]) + 1))[: args.users]
    log = tempfile.NamedTemporaryFile("w", prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        env = production_env(args.database_url, args.redis_url, static_root)
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if collected.returncode != 0:
            raise SystemExit("collectstatic failed:\n" + collected.stderr)
        process, port = start_gunicorn(env, args.workers, log)
        try:
            result = measure(port, seeded, users, args.seconds)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            log.close()
    write_report(result, args, Path(args.output), args.database_url)
    print(f"Wrote {args.output}")
    worst = max(page["p99"] for page in result["load"].values())
    errors = sum(page["errors"] for page in result["load"].values())
    ratio = result["board"]["per_second"] / result["admin"]["per_second"]
    return 0 if worst < GOAL_P99_MS and not errors and ratio >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
