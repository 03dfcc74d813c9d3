"""Every refusal of the API is JSON with a reason: `{"detail": ..., "errors": {field: [...]}}`.

A rule a service refuses (Django's `ValidationError`, raised with the same translated message the
pages show) becomes a 400 here, in the language of the request (Accept-Language).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


# Django's own 404 names the model's class, in English.
NOT_IN_REACH = _("Nothing with this id is in your reach.")


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_IN_REACH)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
        errors = {str(field): _messages(value) for field, value in detail.items()}
        response.data = {"detail": " ".join(_messages(detail)), "errors": errors}
    else:
        response.data = {"detail": " ".join(_messages(response.data.get("detail", "")))}
    return response
