from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("cohorts/", views.CohortListView.as_view(), name="cohort_list"),
    path("cohorts/<int:pk>/", views.CohortDashboardView.as_view(), name="cohort_dashboard"),
    path("liaison/", views.LiaisonAttacheesView.as_view(), name="liaison_attachees"),
    path("cohorts/<int:pk>/activities/", views.ActivityListView.as_view(), name="activity_list"),
    path(
        "cohorts/<int:pk>/activities/new/",
        views.ActivityCreateView.as_view(),
        name="activity_create",
    ),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("activities/<int:pk>/cancel/", views.ActivityCancelView.as_view(), name="activity_cancel"),
]
