"""Password reset requests: rate-limited, and their mail recorded in the outbox for Celery to send.

The request itself does the same work whether or not the address is known (a lookup, no mail sent
inside it), so neither its answer nor its time tells which addresses have accounts. The reset
link is made when the notice is sent, in the recipient's language (`exchange.notices`).
"""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.db import transaction

from .notifications.outbox import notification_enqueue

PASSWORD_RESET_KIND = "password_reset"  # noqa: S105 (a notice kind, not a password)


def _within_limit(key: str, limit: int) -> bool:
    """Count one request under `key` for the window; True while the count stays within `limit`.
    Counters live in the cache (Redis in production), shared by every web process."""
    window = settings.PASSWORD_RESET_RATE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def password_reset_allowed(*, email: str, address: str | None) -> bool:
    """At most PASSWORD_RESET_RATE_PER_EMAIL requests for one email and
    PASSWORD_RESET_RATE_PER_ADDRESS from one client address per window, known email or not."""
    email_ok = _within_limit(
        f"password-reset:email:{email.strip().lower()}", settings.PASSWORD_RESET_RATE_PER_EMAIL
    )
    address_ok = _within_limit(
        f"password-reset:address:{address or 'unknown'}", settings.PASSWORD_RESET_RATE_PER_ADDRESS
    )
    return email_ok and address_ok


@transaction.atomic
def password_reset_request(*, email: str) -> int:
    """Record a password reset notice for each active account with this email and a usable
    password (as Django's own form chooses them); returns how many were recorded."""
    users = [
        user
        for user in get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        if user.has_usable_password()
    ]
    return notification_enqueue(
        recipients=users,
        kind=PASSWORD_RESET_KIND,
        related=None,
        cohort=None,
        dedupe_stem=f"{PASSWORD_RESET_KIND}:{uuid.uuid4().hex}",
    )


# Here rather than in exchange/forms.py: the outbox stands above that module (models use it).
class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but `save()` records the mail in the outbox (sent by Celery, its link
    made at send time) instead of sending it inside the request."""

    def save(self, **kwargs) -> int:
        return password_reset_request(email=self.cleaned_data["email"])
