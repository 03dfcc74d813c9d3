"""The ground's own kind of notice: the password reset mail (it is about users, not an app's data).
Registered from `ExchangeConfig.ready()` like the apps' kinds."""

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from . import notice_registry as registry
from .accounts import PASSWORD_RESET_KIND
from .notifications.types import NotificationType

EXPIRED = gettext_noop("The reset link would have expired before it was sent.")


class AccountKind(models.TextChoices):
    PASSWORD_RESET = PASSWORD_RESET_KIND, gettext_lazy("Password reset")


@registry.register_type
class PasswordResetNotice(NotificationType):
    """The link is made at send time from the recipient (no related object), so the token in the
    outbox is never stored and the mail reads in the recipient's language."""

    kind = AccountKind.PASSWORD_RESET

    def subject(self, notification, related) -> str:
        return str(self.label)

    def intro(self, notification, related) -> str:
        return _(
            "Someone asked to reset the password of your Exchange placements account "
            "(username: {username}). If it was you, open the link below; if not, ignore this "
            "message."
        ).format(username=notification.recipient.get_username())

    def link(self, notification, related) -> str:
        user = notification.recipient
        return reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )

    def link_label(self, notification, related) -> str:
        return _("Choose a new password")

    def obsolete_reason(self, notification, related) -> str | None:
        timeout = datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        if notification.created_at and timezone.now() - notification.created_at > timeout:
            return EXPIRED
        return None
