from django.urls import path, re_path

from . import export_views, official_views, plan_views, privacy_views, views

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
    path("cohorts/new/", views.CohortCreateView.as_view(), name="cohort_create"),
    path("cohorts/<int:pk>/edit/", views.CohortUpdateView.as_view(), name="cohort_update"),
    path("cohorts/<int:pk>/board/", views.CohortBoardView.as_view(), name="cohort_board"),
    path("cohorts/<int:pk>/plan/", plan_views.PlanPublishView.as_view(), name="plan_publish"),
    path(
        "cohorts/<int:pk>/plan/suggest/",
        plan_views.PlanSuggestView.as_view(),
        name="plansuggestion_create",
    ),
    path(
        "plan/suggestions/<int:pk>/",
        plan_views.PlanSuggestionDetailView.as_view(),
        name="plansuggestion_detail",
    ),
    path(
        "plan/suggestions/<int:pk>/accept/",
        plan_views.PlanSuggestionAcceptView.as_view(),
        name="plansuggestion_accept",
    ),
    path("cohorts/<int:pk>/board/counts/", views.BoardCountView.as_view(), name="board_count"),
    path("cohorts/<int:pk>/timeline/", views.CohortTimelineView.as_view(), name="cohort_timeline"),
    path(
        "cohorts/<int:pk>/history/",
        views.AttachmentHistoryView.as_view(),
        name="attachment_history",
    ),
    path("board/officials/<int:pk>/", views.BoardRowView.as_view(), name="board_row"),
    path(
        "board/officials/<int:pk>/assign/",
        views.AttachmentCreateView.as_view(),
        name="attachment_create",
    ),
    path(
        "attachments/<int:pk>/edit/", views.AttachmentUpdateView.as_view(), name="attachment_update"
    ),
    path(
        "attachments/<int:pk>/confirm/",
        views.AttachmentConfirmView.as_view(),
        name="attachment_confirm",
    ),
    path(
        "attachments/<int:pk>/cancel/",
        views.AttachmentCancelView.as_view(),
        name="attachment_cancel",
    ),
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
    # The official's pages that show their placements.
    path(
        "participants/<int:pk>/",
        official_views.ParticipantDetailView.as_view(),
        name="participant_detail",
    ),
    path("me/schedule/", official_views.MyScheduleView.as_view(), name="my_schedule"),
    path(
        "participants/<int:pk>/schedule/",
        official_views.ParticipantScheduleView.as_view(),
        name="participant_schedule",
    ),
    path(
        "participants/<int:pk>/schedule/print/",
        official_views.ParticipantSchedulePrintView.as_view(),
        name="participant_schedule_print",
    ),
    # Tokens are `secrets.token_urlsafe(32)`; anything else is not a feed address (404).
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{32,64})\.ics$",
        official_views.CalendarFeedView.as_view(),
        name="calendar_feed",
    ),
    path(
        "participants/<int:pk>/personal-data/",
        privacy_views.ParticipantDataView.as_view(),
        name="participant_data",
    ),
    path("retention/", privacy_views.CohortRetentionView.as_view(), name="cohort_retention"),
    path("cohorts/<int:pk>/shred/", privacy_views.CohortShredView.as_view(), name="cohort_shred"),
    path(
        "statistics/",
        privacy_views.ProgrammeStatisticsView.as_view(),
        name="programme_statistics",
    ),
    path(
        "participants/<int:pk>/withdraw/",
        official_views.ParticipantWithdrawView.as_view(),
        name="participant_withdraw",
    ),
]
