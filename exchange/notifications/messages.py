"""Rendering a notice as a text + HTML email in the recipient's language."""

import email.utils
import hashlib
import zoneinfo
from email.header import Header
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from exchange.models import Notification
from exchange.notice_registry import type_for
from exchange.people import display_name

from .types import Message, absolute

NO_LONGER_YOURS = gettext_noop(
    "What this notice was about has changed since, and is no longer yours to see."
)


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt of a notice, so that a repeat after a crash between
    the SMTP server's accept and our record of it is recognisable (and hidden by most clients)."""
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:16]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification.{notification.pk}.{digest}@{domain}>"


def snapshot_message(notification: Notification) -> Message:
    """The notice as it was recorded, without a link: what a reader who may no longer see the
    object is shown. A notice recorded without a snapshot shows its kind and says why only."""
    snapshot = notification.snapshot or {}
    if not snapshot:
        return Message(
            subject=notification.get_kind_display(),
            intro=_(NO_LONGER_YOURS),
            facts=[],
            link_url="",
            link_label="",
        )
    return Message(
        subject=snapshot.get("subject", ""),
        intro=snapshot.get("intro", ""),
        facts=[(label, value) for label, value in snapshot.get("facts", [])],
        link_url="",
        link_label="",
    )


def notice_subject(notification: Notification, *, readable: bool) -> str:
    """The subject a list shows: the live one, or the recorded one when the object is out of
    the reader's sight (it would name what they may no longer see)."""
    if not readable:
        return snapshot_message(notification).subject
    related = notification.related_object
    if related is None:
        return notification.get_kind_display()
    return type_for(notification.kind).subject(notification, related)


def render_message(
    notification: Notification, related, *, language: str | None = None, readable: bool = True
):
    """The message and its template context, in `language` (default: the recipient's); the
    snapshot only when the recipient may no longer see what the notice is about."""
    with translation.override(language or notification.language):
        if readable:
            message: Message = type_for(notification.kind).message(notification, related)
        else:
            message = snapshot_message(notification)
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


def content_language(language: str) -> str:
    """The BCP 47 tag of a Django language code: "zh-hant" is "zh-Hant"."""
    return translation.to_locale(language).replace("_", "-")


def hong_kong_date() -> str:
    """An RFC 5322 date in the programme's time zone (Hong Kong, +0800), whatever the worker's."""
    now = timezone.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return email.utils.format_datetime(now)


class NoticeEmail(EmailMultiAlternatives):
    """Django folds a long non-ASCII subject without room for "Subject: ", so the first line is
    left empty and readers (Python's `email.policy.default`, several clients) show the subject
    with a leading space. Encoded knowing its field name, the first encoded word starts on the
    subject's own line."""

    def message(self):
        msg = super().message()
        subject = str(self.subject)
        if not subject.isascii():
            msg.replace_header(
                "Subject",
                Header(subject, self.encoding or settings.DEFAULT_CHARSET, header_name="Subject"),
            )
        return msg


def build_email(notification: Notification, related, *, readable: bool = True) -> NoticeEmail:
    message, context = render_message(notification, related, readable=readable)
    with translation.override(notification.language):
        text = render_to_string("exchange/mails/notification.txt", context)
        html = render_to_string("exchange/mails/notification.html", context)
    email_message = NoticeEmail(
        subject=" ".join(message.subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={
            "Message-ID": message_id(notification),
            "Date": hong_kong_date(),
            # RFC 3834: written by a program, so auto-responders (and Exchange's out-of-office
            # replies) stay silent instead of mailing the programme's mailbox back.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "Content-Language": content_language(notification.language),
            "X-Exchange-Notification": str(notification.pk),
        },
    )
    email_message.attach_alternative(html, "text/html")
    return email_message
