from django.urls import path

from . import views

app_name = "placements"

urlpatterns = [
    path("cohorts/", views.CohortListView.as_view(), name="cohort_list"),
    path("cohorts/<int:pk>/", views.CohortDashboardView.as_view(), name="cohort_dashboard"),
    path("liaison/", views.LiaisonAttacheesView.as_view(), name="liaison_attachees"),
]
