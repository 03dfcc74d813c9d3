from django.urls import path

from . import export_views, views

app_name = "placements"

urlpatterns = [
    path("cohorts/", views.CohortListView.as_view(), name="cohort_list"),
    path("cohorts/<int:pk>/", views.CohortDashboardView.as_view(), name="cohort_dashboard"),
    path("liaison/", views.LiaisonAttacheesView.as_view(), name="liaison_attachees"),
    path(
        "cohorts/<int:pk>/roster/",
        export_views.RosterExportView.as_view(),
        name="roster_export",
    ),
    path(
        "cohorts/<int:pk>/roster/print/",
        export_views.RosterPrintView.as_view(),
        name="roster_print",
    ),
    path(
        "cohorts/<int:pk>/roster/<str:fmt>/",
        export_views.RosterDownloadView.as_view(),
        name="roster_download",
    ),
    path(
        "rosters/",
        export_views.RosterExportView.as_view(all_cohorts=True, allowed_roles=()),
        name="roster_export_all",
    ),
    path(
        "rosters/print/",
        export_views.RosterPrintView.as_view(all_cohorts=True, allowed_roles=()),
        name="roster_print_all",
    ),
    path(
        "rosters/<str:fmt>/",
        export_views.RosterDownloadView.as_view(all_cohorts=True, allowed_roles=()),
        name="roster_download_all",
    ),
    path("exports/", export_views.ExportLogListView.as_view(), name="exportlog_list"),
]
