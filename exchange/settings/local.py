"""The embedded default for `make run`: SQLite, eager Celery, mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-a-secret")

# WhiteNoise looks for STATIC_ROOT at start-up; here it only holds collectstatic output.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Serve static files straight from the app folders, without collectstatic, even with DEBUG off.
WHITENOISE_USE_FINDERS = True
