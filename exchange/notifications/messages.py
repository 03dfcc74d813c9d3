"""Rendering a notice as a text + HTML email in the recipient's language."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from exchange.models import Notification
from exchange.notice_registry import type_for
from exchange.people import display_name

from .types import Message, absolute


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt of a notice, so that a repeat after a crash between
    the SMTP server's accept and our record of it is recognisable (and hidden by most clients)."""
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:16]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification.{notification.pk}.{digest}@{domain}>"


def render_message(notification: Notification, related, *, language: str | None = None):
    """The message and its template context, in `language` (default: the recipient's)."""
    with translation.override(language or notification.language):
        message: Message = type_for(notification.kind).message(notification, related)
        recipient = notification.recipient
        context = {
            "message": message,
            "greeting": _("Dear {name},").format(name=display_name(recipient)),
            "notification_url": absolute(
                reverse("notifications:notification_detail", kwargs={"pk": notification.pk})
            ),
            "language": translation.get_language(),
        }
        return message, context


def build_email(notification: Notification, related) -> EmailMultiAlternatives:
    message, context = render_message(notification, related)
    with translation.override(notification.language):
        text = render_to_string("exchange/mails/notification.txt", context)
        html = render_to_string("exchange/mails/notification.html", context)
    email = EmailMultiAlternatives(
        subject=" ".join(message.subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={
            "Message-ID": message_id(notification),
            "X-Exchange-Notification": str(notification.pk),
        },
    )
    email.attach_alternative(html, "text/html")
    return email
