"""A mail backend for unit tests of failing sends: every message is refused like an SMTP server
refusing it (the real-SMTP case is in test_celery_worker.py)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(554, b"5.7.1 Refused")
