"""Writes of API tokens."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken


def api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns it with its key, which is stored only as a hash and so
    can be shown only now."""
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, key_hash=api_key_digest(key), prefix=key[:8])
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
