"""`Authorization: Token <key>`, looked up by the key's hash."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken
from .services import api_key_digest


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token scheme over `ApiToken`: a revoked token, a deactivated user or an unknown key
    is refused with 401."""

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=api_key_digest(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token
