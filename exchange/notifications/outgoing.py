"""The mail connection of a process: opened once and kept for batch after batch of notices.

Opening an SMTP connection (TCP, greeting, EHLO, perhaps STARTTLS and AUTH) costs more than
sending a notice over it, so each worker process keeps one. It is checked with a NOOP before each
batch (a server drops idle connections) and dropped after an error that may have left it unusable;
the next message opens a fresh one.
"""

import contextlib
import smtplib

from django.conf import settings
from django.core.mail import get_connection

_kept: dict = {}


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", None),
        getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None),
    )


def connection():
    """This process's mail connection, alive (or to be opened by the first send)."""
    key = _settings_key()
    mailer = _kept.get(key)
    if mailer is None:
        close()
        mailer = _kept[key] = get_connection(fail_silently=False)
    smtp = getattr(mailer, "connection", None)
    if smtp is not None:
        try:
            alive = smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            alive = False
        if not alive:
            _drop(mailer)
    return mailer


def send(mailer, email) -> None:
    """Send one message over the kept connection; raises what the server or the network says."""
    mailer.open()  # a no-op while it is open; Django's backend closes only what it opened itself
    try:
        mailer.send_messages([email])
    except smtplib.SMTPRecipientsRefused:
        raise  # the server said no to this address; the session goes on
    except smtplib.SMTPResponseException as error:
        # A refusal of this message leaves the session usable; 421 is the server closing it.
        if error.smtp_code == 421:
            _drop(mailer)
        raise
    except Exception:
        _drop(mailer)
        raise


def _drop(mailer) -> None:
    # The connection is being thrown away: whatever closing it says is of no use.
    with contextlib.suppress(Exception):
        mailer.close()
    if getattr(mailer, "connection", None) is not None:
        mailer.connection = None


def close() -> None:
    """Close the kept connection (a worker process shutting down, settings changed)."""
    for mailer in _kept.values():
        _drop(mailer)
    _kept.clear()
