"""Settings for the test suite: PostgreSQL always (never SQLite), fast hashing, mail in memory."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/exchange"),
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError(
        "The test suite runs on PostgreSQL only; set DATABASE_URL to a postgres:// URL."
    )
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks eagerly; the Celery integration tests start a real worker on Redis.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_TASK_ALWAYS_EAGER = True
SITE_URL = "http://testserver"

# WhiteNoise looks for STATIC_ROOT at start-up; here it only holds collectstatic output.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
