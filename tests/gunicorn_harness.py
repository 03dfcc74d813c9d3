"""A real gunicorn subprocess, started from the project's gunicorn.conf.py against the test
database, for what only the deployed server shows (access log lines, production headers)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from tests.exchange.celery_harness import free_port

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 40


def database_url_of_tests() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def gunicorn_server(*, settings: str, env: dict | None = None):
    """Yields (base_url, log_path); the server's stdout and stderr go to log_path."""
    port = free_port()
    log_path = ROOT / "var" / f"gunicorn-test-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url_of_tests(),
        **(env or {}),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "exchange.wsgi", "--workers", "1"]
            + ["--bind", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
            try:
                urllib.request.urlopen(base_url + "/", timeout=2)  # noqa: S310 (local http)
                break
            except urllib.error.HTTPError:
                break  # any answer means it is serving
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}") from None
                time.sleep(0.3)
        yield base_url, log_path
    finally:
        process.terminate()
        process.wait(timeout=20)
        log_path.unlink(missing_ok=True)
