"""The schema and its page (drf-spectacular's views), refusing in JSON like the rest of the API:
their own renderers (YAML, HTML) would otherwise draw the 401 or 403.

Swagger UI only: Redoc's page loads its fonts and a logo from CDNs and starts a worker from a
blob, which the site's Content-Security-Policy refuses (and a page of ours never does)."""

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from .permissions import AdminOnly


class JsonRefusalsMixin:
    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonRefusalsMixin, SpectacularAPIView):
    """The schema, for every system with a token (and every signed-in user)."""

    permission_classes = [IsAuthenticated]


class SwaggerView(JsonRefusalsMixin, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, for admins."""

    permission_classes = [AdminOnly]
