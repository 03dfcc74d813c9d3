from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from . import views
from .permissions import AdminOnly

app_name = "api"

router = SimpleRouter()
router.register("cohorts", views.CohortViewSet, basename="cohort")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("activities", views.ActivityViewSet, basename="activity")

urlpatterns = [
    # The schema is for every system with a token; the pages that draw it are for admins.
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AdminOnly]),
        name="swagger",
    ),
    path(
        "docs/redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[AdminOnly]),
        name="redoc",
    ),
    *router.urls,
]
