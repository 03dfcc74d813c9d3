"""A mail backend for unit tests of failing sends: every message is refused like an SMTP server
refusing it (the real-SMTP case is in test_celery_worker.py)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(554, b"5.7.1 Refused")


class RefusingSomeBackend(BaseEmailBackend):
    """Delivers to memory like locmem, but refuses every address that starts with "refused"
    (the way an SMTP server answers RCPT TO for a mailbox it does not have)."""

    def send_messages(self, email_messages):
        from django.core import mail

        for message in email_messages:
            refused = [to for to in message.to if to.startswith("refused")]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    dict.fromkeys(refused, (550, b"5.1.1 No such user"))
                )
            mail.outbox.append(message)
        return len(email_messages)
