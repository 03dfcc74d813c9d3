"""Take the README's screenshots: each role's main page, served from fresh demo data.

Runs the real app (runserver on a private port, a throwaway SQLite database under var/) and drives
Debian's headless Chromium through Playwright, as the browser tests do. `make screenshots`.
"""

import datetime
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DB = ROOT / "var" / "screenshots.sqlite3"
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "exchange-demo"  # noqa: S105 (the published demo password)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_for_server():
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("The server did not start.")


def shots(env):
    """(file name, username, path, language) for each page to show."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.urls import reverse

    from demo.seed import DEMO_COHORT_NAME
    from exchange.models import Cohort

    cohort = Cohort.objects.get(name=DEMO_COHORT_NAME)
    pages = [
        (
            "coordinator-dashboard.png",
            "coordinator",
            reverse("placements:cohort_dashboard", args=[cohort.pk]),
            "en",
        ),
        ("participant-schedule.png", "sz01", reverse("placements:my_schedule"), "zh-hans"),
        ("liaison-attachees.png", "liaison-dpo", reverse("placements:liaison_attachees"), "en"),
        ("admin-cohorts.png", "admin", reverse("placements:cohort_list"), "zh-hant"),
    ]
    # Pages that exist once their issue has landed; each is shown when its URL name resolves.
    from django.urls import NoReverseMatch

    for name, user, url_name, kwargs, language in [
        (
            "coordinator-board.png",
            "coordinator",
            "placements:cohort_board",
            {"pk": cohort.pk},
            "en",
        ),
        ("phone-schedule.png", "sz02", "placements:my_schedule", {}, "zh-hans"),
    ]:
        try:
            pages.append((name, user, reverse(url_name, kwargs=kwargs), language))
        except NoReverseMatch:
            continue
    return pages


def main() -> int:
    from playwright.sync_api import sync_playwright

    DB.parent.mkdir(exist_ok=True)
    DB.unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exchange.settings.local",
        "DATABASE_URL": f"sqlite:///{DB}",
        "DEBUG": "false",
        "CELERY_BROKER_URL": "",
        "EMAIL_URL": "dummymail://",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # Two weeks into the programme, so schedules and dashboards show a cohort at work.
    today = datetime.date.today()
    start = today - datetime.timedelta(days=today.weekday() + 14)
    manage("migrate", "--no-input", "-v0", env=env)
    manage("seed_demo", "--cohort-start", start.isoformat(), "--quiet-logins", env=env)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_server()
        pages = shots(env)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            for name, username, path, language in pages:
                phone = name.startswith("phone-")
                context = browser.new_context(
                    base_url=BASE,
                    viewport={"width": 390, "height": 844}
                    if phone
                    else {"width": 1366, "height": 900},
                    device_scale_factor=2 if phone else 1,
                )
                context.add_cookies([{"name": "django_language", "value": language, "url": BASE}])
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / name), full_page=not phone)
                print(f"docs/screenshots/{name}: {username} {path} ({language})")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
