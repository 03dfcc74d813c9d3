from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import docs_views, views

app_name = "api"

router = SimpleRouter()
router.register("cohorts", views.CohortViewSet, basename="cohort")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("activities", views.ActivityViewSet, basename="activity")

urlpatterns = [
    path("schema/", docs_views.SchemaView.as_view(), name="schema"),
    path("docs/", docs_views.SwaggerView.as_view(url_name="api:schema"), name="swagger"),
    *router.urls,
    re_path(r"", views.NotFoundView.as_view(), name="not_found"),
]
