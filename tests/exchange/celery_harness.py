"""What the Celery integration tests run against: a real worker subprocess on Redis, and a real SMTP
server (aiosmtpd) in the test process that records what it accepted and can refuse or stall."""

import asyncio
import email
import email.message
import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import redis
from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# Generous: a passing run never waits for it, while a worker starting on a busy machine (compiling
# every module, since the suite writes no bytecode) can take longer than the 40 s it was.
WORKER_READY_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An SMTP server that accepts (default), refuses every message, or stalls the first one
    (never answering its DATA until released, and never counting it as delivered); with
    `stall_after`, the one after that many accepted. It refuses the addresses in
    `refused_addresses` at RCPT TO, as a server without such a mailbox does."""

    def __init__(self):
        self.port = 0
        self.mode = "accept"
        self.accepted: list[email.message.Message] = []
        self.refused = 0
        self.stall_after = 0
        self.refused_addresses: set[str] = set()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._controller = None

    def start(self, attempts: int = 5):
        # A free port can be taken by another process between the probe and the bind (other
        # suites run on this machine at the same time): that failed the worker tests now and
        # then with "address already in use". Try another port then.
        for attempt in range(attempts):
            self.port = free_port()
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            try:
                self._controller.start()
            except OSError as error:
                if error.errno != errno.EADDRINUSE or attempt == attempts - 1:
                    raise
            else:
                return self
        return self

    def reset(self):
        self.mode = "accept"
        self.accepted.clear()
        self.refused = 0
        self.stall_after = 0
        self.refused_addresses = set()
        self.stalled.clear()
        self.release.clear()

    def stop(self):
        self.release.set()
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_addresses:
            with self._lock:
                self.refused += 1
            return "550 5.1.1 No such mailbox at the test sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            with self._lock:
                self.refused += 1
            return "554 5.7.1 Refused by the test sink"
        if (
            self.mode == "stall_first"
            and not self.stalled.is_set()
            and len(self.accepted) >= self.stall_after
        ):
            self.stalled.set()
            deadline = time.monotonic() + 30
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return "451 4.3.0 Stalled by the test sink; never accepted"
        with self._lock:
            self.accepted.append(email.message_from_bytes(envelope.content))
        return "250 2.0.0 Accepted"

    def notification_ids(self) -> list[int]:
        with self._lock:
            return [int(m["X-Exchange-Notification"]) for m in self.accepted]


def database_url() -> str:
    """The test database pytest-django created, for the worker to use."""
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_url() -> str:
    from django.conf import settings

    return settings.CELERY_BROKER_URL


def flush_broker() -> None:
    """Empty the test-only Redis database: no message of an earlier test survives into this one."""
    redis.Redis.from_url(broker_url(), socket_connect_timeout=3).flushdb()


class Worker:
    """`celery -A exchange worker` in its own process group, on the test database and broker."""

    def __init__(self, *, smtp: SmtpSink, concurrency: int = 2, extra_env: dict | None = None):
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="celery-worker-", suffix=".log", delete=False
        )
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "exchange.settings.test_worker",
            "DATABASE_URL": database_url(),
            "TEST_CELERY_BROKER_URL": broker_url(),
            "EMAIL_URL": smtp.url,
            "EMAIL_TIMEOUT": "10",
            "NOTIFICATION_RETRY_BASE_SECONDS": "0.3",
            "NOTIFICATION_MAX_ATTEMPTS": "3",
            "NOTIFICATION_LEASE_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "exchange",
                "worker",
                "--loglevel=info",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self) -> "Worker":
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.kill()
        raise AssertionError("The Celery worker did not start:\n" + self.output())

    def pool_processes(self) -> list[int]:
        """The pids of the prefork pool's child processes."""
        children = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
        return children

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        # The test is over and the broker database is flushed next: no need for a warm shutdown.
        self.kill()
        if not self.log.closed:
            self.log.close()
            os.unlink(self.log.name)


class Workers:
    """The workers of a test module: one shared by the tests that only need a worker running, and
    fresh ones for the tests that kill them (which stop the shared one first, or it would take
    their tasks). `stop_all` kills every one of them."""

    def __init__(self, smtp: SmtpSink):
        self.smtp = smtp
        self.started: list[Worker] = []
        self._shared: Worker | None = None

    def _start(self, **kwargs) -> Worker:
        worker = Worker(smtp=self.smtp, **kwargs)
        self.started.append(worker)
        return worker.wait_ready()

    def shared(self) -> Worker:
        if self._shared is None or self._shared.process.poll() is not None:
            self._shared = self._start()
        return self._shared

    def fresh(self, **kwargs) -> Worker:
        """A new worker, alone: every worker started before it (the shared one, an earlier
        test's fresh one) is stopped first, or it would take the test's tasks."""
        for worker in self.started:
            if worker.process.poll() is None:
                worker.stop()
        self._shared = None
        return self._start(**kwargs)

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


def wait_until(predicate, *, timeout: float = 30, what: str = "the condition", worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    detail = ("\nWorker log:\n" + worker.output()[-6000:]) if worker else ""
    raise AssertionError(f"Timed out waiting for {what}.{detail}")


@contextmanager
def broker(app, url: str):
    """Publish from this process to `url` (not eagerly) for the duration of the block."""
    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    _reset_connections(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_connections(app)


def _reset_connections(app):
    # Celery keeps a connection pool per app; a new broker URL needs new connections.
    app._pool = None
    app.amqp._producer_pool = None
