"""Settings of the Celery worker that the integration tests start (tests/exchange/
test_celery_worker.py): the test settings, with tasks really going through Redis and mail over
SMTP to the sink the test runs. The test passes the test database in DATABASE_URL."""

from .test import *  # noqa: F403
from .test import env

CELERY_TASK_ALWAYS_EAGER = False
vars().update(env.email_url("EMAIL_URL"))
