"""Project-level checks: migrations in step with models, production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_no_missing_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_check_deploy_with_no_warnings():
    # The browser tests allow async-unsafe ORM calls in this process; a deployment never does.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "exchange.settings.production",
        "SECRET_KEY": "k3$Hq9!vZp2@Lw7#Rt5%Nb8^Jm4&Yc6*Xs1(Gd0)Fe-Ua+Wi=Oo_Py~Qr" * 2,
        "ALLOWED_HOSTS": "exchange.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/exchange",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        DJANGO_SETTINGS_MODULE="exchange.settings.production",
        ALLOWED_HOSTS="x",
        DATABASE_URL="postgres://postgres@127.0.0.1/x",
        CELERY_BROKER_URL="redis://x",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
