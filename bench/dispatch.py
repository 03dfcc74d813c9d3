"""Benchmark: the notice dispatcher through a real Celery worker to a real SMTP server.

    python bench/dispatch.py [--database-url URL] [--broker-url URL] [--notices N]

(or `make bench`). It fills a benchmark database (never the development or test one) with a
cohort of officials, their attachments and activities (once), records N due notices of four kinds
about them, starts `celery -A exchange worker --concurrency=2` (prefork) on that database and a
Redis database, with mail going over SMTP to an aiosmtpd server in this process, dispatches, and
times from the first dispatch until every row is recorded as sent. The same run sends the same
number of notices one per task (`NOTIFICATION_SEND_BATCH_SIZE=1`: how every notice was sent
before the batches), the peer of the batched dispatcher. Every notice must be delivered exactly
once (counted by the SMTP server), or the benchmark fails. Queries per notice are counted in this
process on a batch sent with `sync` (mail to memory).
"""

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/13"
OFFICIALS = 500
NOTICES = 2_000
GOAL_PER_SECOND = 200
GOAL_QUERIES = 3
COHORT = "Dispatcher benchmark cohort"
TIMEOUT = 600


def seed() -> None:
    """A running cohort of confirmed officials with accounts, an attachment each, activities."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from demo.seed import seed_reference_data
    from exchange.models import City, Cohort, HostDepartment
    from participants.models import Participant
    from placements.models import Activity, Attachment

    seed_reference_data()
    if Cohort.objects.filter(name=COHORT).exists():
        return
    User = get_user_model()
    today = timezone.localdate()
    cities = list(City.objects.filter(is_home=False))
    departments = list(HostDepartment.objects.all())
    with transaction.atomic():
        coordinator, _created = User.objects.get_or_create(username="bench-dispatch-coordinator")
        cohort = Cohort.objects.create(
            name=COHORT,
            orientation_start=today - datetime.timedelta(days=14),
            orientation_end=today - datetime.timedelta(days=10),
            status=Cohort.Status.ATTACHMENT,
        )
        users = User.objects.bulk_create(
            User(
                username=f"bench-dispatch-{i:04d}",
                email=f"official{i:04d}@bench.example.org",
                first_name="Official",
                last_name=f"{i:04d}",
            )
            for i in range(OFFICIALS)
        )
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
                preferred_language=("en", "zh-hans", "zh-hant")[i % 3],
                status=Participant.Status.CONFIRMED,
            )
            for i, user in enumerate(users)
        )
        Attachment.objects.bulk_create(
            confirmed_attachments(
                officials,
                departments,
                start=today - datetime.timedelta(days=7),
                end=today + datetime.timedelta(days=7),
                by=coordinator,
            )
        )
        Activity.objects.bulk_create(
            Activity(
                cohort=cohort,
                kind=Activity.Kind.SITE_VISIT,
                title=f"Site visit {n}",
                location="Northern Metropolis",
                starts_at=timezone.now() + datetime.timedelta(days=1, hours=n),
                ends_at=timezone.now() + datetime.timedelta(days=1, hours=n + 2),
                audience=Activity.Audience.COHORT,
                created_by=coordinator,
            )
            for n in range(10)
        )


def record_notices(count: int, tag: str) -> list[int]:
    """`count` due notices, round the officials: orientation notices, new attachments, activity
    reminders and attachment-end reminders, each in its recipient's language. Recorded without
    the dispatch-on-commit, so that only the benchmark dispatches them."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from exchange.models import Cohort, Notification
    from participants.models import Participant
    from participants.notices import ParticipantKind
    from placements.models import Activity, Attachment
    from placements.notices import PlacementKind

    cohort = Cohort.objects.get(name=COHORT)
    attachments = list(
        Attachment.objects.filter(participant__cohort=cohort)
        .select_related("participant")
        .order_by("pk")
    )
    activities = list(Activity.objects.filter(cohort=cohort).order_by("pk"))
    types = ContentType.objects.get_for_models(Participant, Attachment, Activity)
    now = timezone.now()
    rows = []
    for n in range(count):
        attachment = attachments[n % len(attachments)]
        official = attachment.participant
        activity = activities[n % len(activities)]
        when = activity.starts_at.isoformat()
        kind, related, context = (
            (ParticipantKind.ORIENTATION_NOTICE, official, {}),
            (PlacementKind.ATTACHMENT_CREATED, attachment, {}),
            (PlacementKind.ACTIVITY_REMINDER, activity, {"event_at": when}),
            (
                PlacementKind.ATTACHMENT_END_REMINDER,
                attachment,
                {"event_date": attachment.end.isoformat(), "days_before": 7},
            ),
        )[n % 4]
        rows.append(
            Notification(
                recipient_id=official.user_id,
                kind=kind,
                content_type=types[type(related)],
                object_id=related.pk,
                cohort=cohort,
                language=official.preferred_language,
                scheduled_at=now - datetime.timedelta(seconds=1),
                dedupe_key=f"bench-dispatch:{tag}:{n}",
                context=context,
            )
        )
    return [row.pk for row in Notification.objects.bulk_create(rows)]


class Sink:
    """An SMTP server that accepts everything and counts each notice it received."""

    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        marker = b"X-Exchange-Notification: "
        content = envelope.content
        start = content.index(marker) + len(marker)
        notice = int(content[start : content.index(b"\r\n", start)])
        with self.lock:
            self.received[notice] += 1
        return "250 2.0.0 Accepted"


def start_worker(database_url: str, broker_url: str, smtp_port: int, batch: int, log):
    env = {
        **django_env(database_url),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NOTIFICATION_SEND_BATCH_SIZE": str(batch),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "exchange",
            "worker",
            "--loglevel=info",
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench-{os.getpid()}-{batch}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if " ready." in Path(log.name).read_text(errors="replace"):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    os.killpg(process.pid, 9)
    raise SystemExit("The worker did not start:\n" + Path(log.name).read_text(errors="replace"))


def worker_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the worker's main process and its pool processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    total = 0
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(count: int, batch: int, broker_url: str, database_url: str) -> None:
    """Send `count` notices through one worker whose batches hold `batch` notices."""
    import django

    django.setup()
    import redis
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from exchange.models import Notification
    from exchange.notifications.services import notifications_dispatch

    Notification.objects.filter(dedupe_key__startswith="bench-dispatch:").delete()
    due = Notification.objects.filter(
        status=Notification.Status.PENDING, scheduled_at__lte=timezone.now()
    ).count()
    if due:
        raise SystemExit(f"{due} other notices are due: the batches would not be ours")
    redis.Redis.from_url(broker_url).flushdb()
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.NOTIFICATION_SEND_BATCH_SIZE = batch
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    worker = start_worker(database_url, broker_url, port, batch, log)
    try:
        ids = record_notices(count, f"{batch}:{time.time()}")
        connection.close()
        started = time.perf_counter()
        while notifications_dispatch(batch_size=1000):
            pass
        deadline = time.monotonic() + TIMEOUT
        while True:
            sent = Notification.objects.filter(pk__in=ids, status="sent").count()
            if sent == count:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sent} of {count} sent in {TIMEOUT} s")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        cpu = worker_cpu_seconds(worker.pid)
    finally:
        os.killpg(worker.pid, 9)
        worker.wait()
        controller.stop()
        log.close()
        os.unlink(log.name)
    twice = sum(1 for n in sink.received.values() if n > 1)
    if set(sink.received) != set(ids) or twice:
        raise SystemExit(
            f"{len(sink.received)} of {count} delivered, {twice} more than once: not exactly once"
        )
    Notification.objects.filter(pk__in=ids).delete()
    print(json.dumps({"batch": batch, "notices": count, "seconds": elapsed, "cpu": cpu}))


def measure_queries(count: int) -> None:
    """Queries of one dispatch of `count` notices sent in this process (mail to memory)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exchange.models import Notification
    from exchange.notifications.services import notifications_dispatch

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Notification.objects.filter(dedupe_key__startswith="bench-dispatch:").delete()
    ids = record_notices(count, f"queries:{time.time()}")
    with CaptureQueriesContext(connection) as captured:
        taken = notifications_dispatch(batch_size=count, sync=True)
    sent = Notification.objects.filter(pk__in=ids, status="sent").count()
    Notification.objects.filter(pk__in=ids).delete()
    if sorted(taken) != sorted(ids) or sent != count:
        raise SystemExit(f"sent {sent} of {count}")
    print(json.dumps({"notices": count, "queries": len(captured)}))


def write_report(results: list[dict], queries: dict, output: Path, database_url: str) -> None:
    import celery
    import django

    batched, single = results
    rate = batched["notices"] / batched["seconds"]
    single_rate = single["notices"] / single["seconds"]
    per_notice = queries["queries"] / queries["notices"]
    lines = [
        "## Notice dispatcher through a Celery worker (`bench/dispatch.py`, `make bench`)",
        "",
        f"{batched['notices']:,} due notices of four kinds (orientation notices, new attachments,",
        "activity and attachment-end reminders, in the recipients' three languages) dispatched to",
        "one real Celery worker (prefork, concurrency 2) on PostgreSQL and Redis, sending over",
        "SMTP to an aiosmtpd server on the loopback; time from the first dispatch until every row",
        "is recorded as sent. Each notice was delivered exactly once (counted by the SMTP server).",
        "The peer is the same worker with batches of one notice: one task per notice, as before.",
        "Queries: one dispatch of the same mix sent in the benchmark's process (mail to memory),",
        "every statement counted (BEGIN and COMMIT included).",
        "",
        "| what | notices | time (s) | notices/s | goal | worker CPU per notice (ms) "
        "| queries per notice | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| batches of {batched['batch']} (one SMTP connection per worker process) "
        f"| {batched['notices']:,} | {batched['seconds']:.1f} | {rate:,.0f} "
        f"| ≥ {GOAL_PER_SECOND} | {batched['cpu'] * 1000 / batched['notices']:.1f} "
        f"| {per_notice:.2f} | ≤ {GOAL_QUERIES} |",
        f"| peer: one notice per task | {single['notices']:,} | {single['seconds']:.1f} "
        f"| {single_rate:,.0f} | – | {single['cpu'] * 1000 / single['notices']:.1f} | – | – |",
        "",
        f"Batched, the worker sends {rate / single_rate:.1f}× the notices per second of one "
        f"notice per task, in {queries['queries']:,} queries for {queries['notices']:,} notices. "
        "Worker CPU is the worker's processes' user and system time during the run: the",
        "notices per second one worker could send with its two cores to itself are",
        f"{2 * batched['notices'] / batched['cpu']:,.0f} (2 cores divided by the CPU per notice).",
        "",
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg},",
        f"Django {django.get_version()}, Celery {celery.__version__}; the worker, PostgreSQL,",
        "Redis and the SMTP server share the machine (with other work), so times are indicative.",
        "",
    ]
    write_section(output, "\n".join(lines).format(**environment(database_url)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--notices", type=int, default=NOTICES)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--queries", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        seed()
        return 0
    if args.queries:
        measure_queries(min(args.notices, 500))
        return 0
    if args.measure:
        measure(args.notices, args.measure, args.broker_url, args.database_url)
        return 0

    script = str(Path(__file__).relative_to(ROOT))
    print("Migrating and seeding the benchmark database (once)...", flush=True)
    prepare_database(args.database_url)
    run([script, "--seed"], args.database_url)
    results = []
    # The measuring process publishes to the worker's broker (without one its tasks run eagerly).
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    for batch in (50, 1):
        command = [script, "--measure", str(batch), "--notices", str(args.notices)]
        command += ["--broker-url", args.broker_url, "--database-url", args.database_url]
        result = json.loads(run(command, args.database_url).splitlines()[-1])
        results.append(result)
        print(
            f"batch {batch:>3}: {result['notices']:,} notices in {result['seconds']:.1f} s, "
            f"{result['notices'] / result['seconds']:,.0f}/s",
            flush=True,
        )
    del os.environ["CELERY_BROKER_URL"]
    queries = json.loads(
        run([script, "--queries", "--notices", str(args.notices)], args.database_url).splitlines()[
            -1
        ]
    )
    print(f"queries: {queries['queries']} for {queries['notices']} notices", flush=True)
    write_report(results, queries, Path(args.output), args.database_url)
    print(f"Wrote {args.output}")
    rate = results[0]["notices"] / results[0]["seconds"]
    return 0 if rate >= GOAL_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
